"""Sign-in throttling: a pause that grows with each failure, then a temporary lock.

Counted per account (the username as typed, so an unknown name is throttled like a known one and
reveals nothing) and per client address, in the database, so every app instance on one database
sees the same counts. Any page that checks a secret (the sign-in form, a patient's pre-visit
code) can use it: ``wait_for(keys)`` before checking, ``failed(session, keys)`` or
``succeeded(session, key)`` after, in the transaction that writes the audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from intake.storage.database import Database
from intake.storage.schema import ThrottleRow

__all__ = ["ACCOUNT_POLICY", "Policy", "Throttle", "Verdict", "account_key", "address_key"]


@dataclass(frozen=True)
class Policy:
    """After ``free`` failures each further try waits ``base`` seconds, doubling up to ``cap``;
    after ``lock_after`` failures the key is locked for ``lock_for`` (an administrator can unlock
    an account sooner). A success clears the account's count; failures older than ``forget``
    are forgotten."""

    free: int = 3
    base: float = 1.0
    cap: float = 60.0
    lock_after: int = 10
    lock_for: timedelta = timedelta(minutes=15)
    forget: timedelta = timedelta(hours=24)

    def pause(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2 ** (failures - self.free))


ACCOUNT_POLICY = Policy()
ADDRESS_POLICY = Policy(free=10, lock_after=50)  # one clinic's computers may share an address


@dataclass(frozen=True)
class Verdict:
    """Whether a try may go ahead now; if not, for how long, and whether a lock is the reason."""

    wait_seconds: float = 0.0
    locked: bool = False
    key: str = ""

    @property
    def allowed(self) -> bool:
        return self.wait_seconds <= 0


def account_key(username: str) -> str:
    return "account:" + username[:100]


def address_key(address: str | None) -> str | None:
    return "address:" + address[:64] if address else None


def _policy(key: str) -> Policy:
    return ADDRESS_POLICY if key.startswith("address:") else ACCOUNT_POLICY


def _now() -> datetime:
    return datetime.now(UTC)


class Throttle:
    def __init__(self, db: Database):
        self.db = db

    def wait_for(self, keys: Iterable[str | None], now: datetime | None = None) -> Verdict:
        """The longest wait any of these keys imposes now (0 when the try may go ahead)."""
        now = now or _now()
        wanted = [k for k in keys if k]
        worst = Verdict()
        with self.db.reading() as session:
            rows = session.scalars(select(ThrottleRow).where(ThrottleRow.key.in_(wanted))).all() if wanted else []
        for row in rows:
            verdict = self._verdict(row, now)
            if verdict.wait_seconds > worst.wait_seconds:
                worst = verdict
        return worst

    def _verdict(self, row: ThrottleRow, now: datetime) -> Verdict:
        policy = _policy(row.key)
        if row.locked_until is not None and row.locked_until > now:
            return Verdict((row.locked_until - now).total_seconds(), True, row.key)
        if row.last_failure is None or now - row.last_failure > policy.forget:
            return Verdict(key=row.key)
        ready = row.last_failure + timedelta(seconds=policy.pause(row.failures))
        return Verdict(max(0.0, (ready - now).total_seconds()), False, row.key)

    def failed(self, session: Session, keys: Iterable[str | None], now: datetime | None = None) -> list[str]:
        """Count one failure against each key (in the caller's transaction); the keys it just locked."""
        now = now or _now()
        locked: list[str] = []
        for key in [k for k in keys if k]:
            policy = _policy(key)
            row = session.get(ThrottleRow, key, with_for_update=True)
            if row is None:
                row = ThrottleRow(key=key, failures=0)
                session.add(row)
            if row.last_failure is not None and now - row.last_failure > policy.forget:
                row.failures = 0
            row.failures = (row.failures or 0) + 1
            row.last_failure = now
            if row.failures >= policy.lock_after and (row.locked_until is None or row.locked_until <= now):
                row.locked_until = now + policy.lock_for
                locked.append(key)
        return locked

    def succeeded(self, session: Session, key: str) -> None:
        session.execute(delete(ThrottleRow).where(ThrottleRow.key == key))

    def unlock(self, session: Session, key: str) -> bool:
        """Clear a key's failures and lock (an administrator's unlock); True if there was any."""
        result = session.execute(delete(ThrottleRow).where(ThrottleRow.key == key))
        return bool(result.rowcount)  # type: ignore[attr-defined]  # a DELETE gives a CursorResult

    def locked_accounts(self, usernames: Iterable[str], now: datetime | None = None) -> set[str]:
        now = now or _now()
        keys = {account_key(u): u for u in usernames}
        if not keys:
            return set()
        with self.db.reading() as session:
            rows = session.scalars(select(ThrottleRow).where(ThrottleRow.key.in_(list(keys)))).all()
        return {keys[r.key] for r in rows if r.locked_until is not None and r.locked_until > now}
