"""Click-to-screen with several practitioners on one server at once (Chromium, fast reruns on).

    .venv/bin/python bench/bench_concurrency.py [--sessions 10] [--database-url URL] [--smoke]

Each session signs in, records consent and answers the red-flag screen one question after another;
a click counts as on screen when the step's "N of M asked" line (drawn by the server from the
answers it took) shows the new count. Prints the median, p90 and max per click over all sessions,
and the answers each session's draft holds at the end against those it gave. Prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e"), str(ROOT / "tests")]  # the e2e conftest first

from conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TABLET, USERNAME, Server  # noqa: E402

FLAGS = ("saddle_anaesthesia", "bladder_dysfunction", "bowel_incontinence", "sexual_dysfunction",
         "bilateral_leg_symptoms", "progressive_weakness", "history_of_cancer", "unexplained_weight_loss",
         "constant_night_pain", "fever_or_unwell", "immunosuppression", "iv_drug_use")
WAIT = 180_000


async def _session(browser, url: str, n: int, flags: tuple[str, ...] = FLAGS) -> tuple[list[float], str | None, int]:
    from intake.knowledge import load_knowledge

    kb = load_knowledge()
    context = await browser.new_context(viewport=TABLET)
    page = await context.new_page()
    times: list[float] = []
    try:
        await page.goto(url)
        await page.get_by_role("textbox", name="Username", exact=True).fill(USERNAME)
        field = page.get_by_role("textbox", name="Password", exact=True)
        await field.fill(PASSWORD)
        await field.press("Enter")
        await page.get_by_role("heading", name="Patient and consent", exact=True).wait_for(timeout=WAIT)
        box = page.get_by_role("checkbox", name="The patient agrees to this assessment being recorded", exact=True)
        await page.locator("[data-testid='stCheckbox']").filter(has=box).locator("label").first.click()
        await page.get_by_text("Saved (revision").first.wait_for(timeout=WAIT)
        await page.get_by_role("button", name="Next: Red-flag screen").click()
        await page.get_by_role("heading", name="Red-flag screen", exact=True).wait_for(timeout=WAIT)
        for k, key in enumerate(flags, 1):
            finding = kb.findings[key]
            group = page.get_by_role("radiogroup", name=finding.question or finding.label, exact=True)
            started = time.perf_counter()
            await group.get_by_role("radio", name="No" if (k + n) % 3 else "Yes", exact=True).click(timeout=WAIT)
            await page.get_by_text(f"{k} of ", exact=False).first.wait_for(timeout=WAIT)
            times.append(time.perf_counter() - started)
        await page.get_by_text("Saved (revision").first.wait_for(timeout=WAIT)
        draft = page.url.split("draft=")[-1].split("&")[0] if "draft=" in page.url else None
        return times, draft, len(flags)
    finally:
        await context.close()


async def _run(url: str, sessions: int, flags: tuple[str, ...]):
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return await asyncio.gather(*(_session(browser, url, n, flags) for n in range(sessions)))
        finally:
            await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--smoke", action="store_true", help="2 sessions, 3 clicks each (seconds; figures meaningless)")
    args = parser.parse_args()
    if args.smoke:
        args.sessions = 2
    flags = FLAGS[:3] if args.smoke else FLAGS
    from intake.storage.schema import DraftRow
    from intake.storage.store import Store, database_url

    with tempfile.TemporaryDirectory() as folder:
        srv = Server(Path(folder) / "data", database_url=args.database_url).start()
        try:
            started = time.perf_counter()
            results = asyncio.run(_run(srv.url, args.sessions, flags))
            wall = time.perf_counter() - started
        finally:
            srv.stop()
        url = args.database_url or database_url({"INTAKE_DATA_DIR": str(Path(folder) / "data")})
        store = Store(url)
        stored = given = 0
        with store.db.reading() as session:
            for _, draft_id, count in results:
                given += count
                row = session.get(DraftRow, draft_id) if draft_id else None
                stored += len(json.loads(row.answers).get("red_flags", {})) if row else 0
        store.dispose()
    ms = sorted(t * 1000 for times, _, _ in results for t in times)
    print(f"{args.sessions} concurrent sessions, {len(ms)} clicks, {wall:.1f} s in all "
          f"({'PostgreSQL' if args.database_url else 'SQLite'})")
    print(f"  click to screen: median {statistics.median(ms):7.1f} ms   p90 {ms[int(0.9 * (len(ms) - 1))]:7.1f} ms"
          f"   max {ms[-1]:7.1f} ms")
    print(f"  answers stored: {stored} of {given} given")
    return 0


if __name__ == "__main__":
    sys.exit(main())
