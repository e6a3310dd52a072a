"""Sign-in throttling, measured: how many passwords a guesser gets checked against one account.

    .venv/bin/python bench/bench_sign_in.py [--hours 24] [--database-url URL] [--smoke]

A guesser tries wrong passwords against one real account as fast as the app lets it, for a day of
simulated time (the throttle's clock is advanced by each wait it imposes, so the day takes
seconds; password checks are real Argon2). Prints the guesses checked after a minute, an hour and
the whole run, whether the right password works while the account is locked (it must not), the same for a
guesser spreading names over one address, and the real cost of a checked and of a throttled try.
Without throttling (the first version) every try is checked: about 5 a second per server process
on this machine's Argon2 cost. Prints figures only.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "correct horse battery staple 42"


def _attack(accounts, clock, hours: float, username, address: str) -> tuple[dict[str, int], list[float]]:
    """Guess until `hours` of simulated time have passed; guesses checked by milestone, and real
    seconds per checked try."""
    from intake.storage.accounts import SignInThrottled

    start = clock["now"]
    checked = 0
    milestones: dict[str, int] = {}
    costs: list[float] = []
    n = 0
    while clock["now"] - start < timedelta(hours=hours):
        n += 1
        name = username(n)
        began = time.perf_counter()
        try:
            accounts.authenticate(name, f"guess {n}", address)
        except SignInThrottled as exc:
            clock["now"] += timedelta(seconds=exc.verdict.wait_seconds + 0.001)
        else:
            checked += 1
            costs.append(time.perf_counter() - began)
            clock["now"] += timedelta(milliseconds=1)
        elapsed = clock["now"] - start
        for label, limit in (("1 minute", timedelta(minutes=1)), ("1 hour", timedelta(hours=1))):
            if label not in milestones and elapsed >= limit:
                milestones[label] = checked
    milestones[f"{hours:g} hours"] = checked
    return milestones, costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--smoke", action="store_true", help="two simulated hours: checks it runs")
    args = parser.parse_args()
    hours = 2.0 if args.smoke else args.hours

    import intake.storage.throttle as throttle
    from intake.storage.accounts import SignInThrottled
    from intake.store import Store

    clock = {"now": throttle._now()}
    throttle._now = lambda: clock["now"]  # simulated time: each imposed wait is skipped, not slept
    with tempfile.TemporaryDirectory() as folder:
        store = Store(args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            suffix = f"{time.time_ns()}"
            clinic = store.accounts.create_clinic(f"bench-sign-in-{suffix}")
            victim = f"victim{suffix}"
            store.accounts.add_practitioner(clinic.id, victim, "Victim", password=PASSWORD)
            policy = throttle.ACCOUNT_POLICY
            print(f"Policy: {policy.free} free tries, then a pause from {policy.base:g} s doubling to {policy.cap:g} s; "
                  f"locked for {policy.lock_for} after {policy.lock_after} failures")
            print(f"One account, one address, {hours:g} simulated hours:")
            got, costs = _attack(store.accounts, clock, hours, lambda n: victim, "198.51.100.7")
            for label, n in got.items():
                print(f"  guesses checked after {label:<9} {n:6,d}")
            with contextlib.suppress(SignInThrottled):  # one more guess (locked again at once), then the owner
                store.accounts.authenticate(victim, "one more guess", "198.51.100.7")
            try:
                works = store.accounts.authenticate(victim, PASSWORD, "203.0.113.9") is not None
            except SignInThrottled as exc:
                works = False
                print(f"  the right password, from another address: refused ({'locked' if exc.verdict.locked else 'wait'},"
                      f" {exc.verdict.wait_seconds / 60:.0f} min left)")
            else:
                print(f"  the right password, from another address: {'ACCEPTED' if works else 'refused'}")
            clock["now"] += timedelta(days=2)
            print(f"Many usernames from one address, {hours:g} simulated hours:")
            spread, _ = _attack(store.accounts, clock, hours, lambda n: f"name{n}", "198.51.100.8")
            for label, n in spread.items():
                print(f"  guesses checked after {label:<9} {n:6,d}")
            throttled = []
            for _ in range(20 if not args.smoke else 5):
                began = time.perf_counter()
                try:
                    store.accounts.authenticate("name1", "again", "198.51.100.8")
                except SignInThrottled:
                    throttled.append(time.perf_counter() - began)
            print(f"Real cost: a checked try median {statistics.median(costs) * 1000:.0f} ms (Argon2); "
                  f"a throttled one median {statistics.median(throttled) * 1000:.1f} ms (no hash)"
                  if costs and throttled else "Real cost: not measured")
            per_second = 1 / statistics.median(costs) if costs else 0
            print(f"Unthrottled, one process could check about {per_second * 3600:,.0f} guesses an hour")
        finally:
            store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
