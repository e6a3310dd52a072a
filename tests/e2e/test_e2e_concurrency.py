"""Several practitioners on one server at once: every answer the screen acknowledged is in the draft.

Each Chromium context signs in and enters a whole set of answers as fast as a practitioner clicks:
no waiting for Streamlit to finish one rerun before the next click (its "fast reruns" interrupt
the run in progress), and Next pressed straight after the last answer of a step. An answer counts
as acknowledged when the widget shows it (the option is checked, the field holds the number).
Then the stored draft must hold every acknowledged answer, the screen must say it is saved, and
reopening a step must show the answers again, and no page may show an error (Streamlit's error
box, a traceback). Run with 10 sessions on one SQLite server and with 3 sessions on each of two
servers sharing one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, SCREENSHOTS, TABLET, USERNAME, Server
from db_support import fresh_postgres_url, require_postgres
from playwright.async_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

RED_FLAGS = ("saddle_anaesthesia", "bladder_dysfunction", "bowel_incontinence", "sexual_dysfunction",
             "bilateral_leg_symptoms", "progressive_weakness", "history_of_cancer", "unexplained_weight_loss",
             "constant_night_pain", "fever_or_unwell", "immunosuppression", "iv_drug_use", "recent_infection",
             "significant_trauma", "osteoporosis", "long_term_corticosteroids", "unable_to_weight_bear",
             "hot_swollen_joint", "calf_swelling_or_redness", "inflammatory_back_pain")
HIP_TESTS = ("faber", "fadir", "scour", "hip_ir_pain", "log_roll", "trendelenburg", "thomas", "ober")
WAIT = 120_000  # ms: ten sessions on two cores that other work may be using too


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    from intake.knowledge import load_knowledge

    kb = load_knowledge()
    flags = {k: kb.findings[k].question or kb.findings[k].label for k in RED_FLAGS}
    tests = {k: kb.findings[k].label for k in HIP_TESTS}
    return flags, tests


@dataclass
class Session:
    """What one practitioner's screen acknowledged, by dotted path, and the draft it ended on."""

    n: int
    acknowledged: dict[str, Any] = field(default_factory=dict)
    draft_id: str | None = None
    saved_caption: str = ""
    reopened: dict[str, Any] = field(default_factory=dict)
    phase: str = "start"
    navigation_retries: int = 0
    errors: list[str] = field(default_factory=list)


async def _idle(page) -> None:
    await page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
        "document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') !== 'running'",
        timeout=WAIT,
    )


async def _heading(page, title: str) -> None:
    await page.get_by_role("heading", name=title, exact=True).wait_for(timeout=WAIT)


async def _press(control) -> None:
    """Click a button; if something covers it (with several red flags the sticky banner can be
    taller than the screen), reach it from the keyboard (focus, Enter), as a keyboard user does.
    A click that times out was never delivered, so this never presses twice."""
    try:
        await control.click(timeout=10_000)
    except PlaywrightTimeout:
        await control.press("Enter", timeout=WAIT)


async def _pick(page, group: str, option: str) -> None:
    """Choose an option and wait only until the screen shows it chosen (not for the rerun)."""
    radio = page.get_by_role("radiogroup", name=group, exact=True).get_by_role("radio", name=option, exact=True)
    await _press(radio)
    await page.wait_for_function("el => el.getAttribute('aria-checked') === 'true'", arg=await radio.element_handle(),
                                 timeout=WAIT)


async def _next(page, session: Session, title: str) -> None:
    """Press Next and wait for the step. Only once the app has finished every run it was given and
    still shows the step before, with its Next button, is the click counted as lost and pressed
    again (a practitioner would): pressing while a slow run is still drawing would land on the
    next step's own Next."""
    heading = page.get_by_role("heading", name=title, exact=True)
    button = page.get_by_role("button", name=f"Next: {title}")
    for attempt in range(4):
        if attempt:
            session.navigation_retries += 1
        await _press(button)
        try:
            await heading.wait_for(timeout=WAIT // 2)
            return
        except PlaywrightTimeout:
            pass
        await _idle(page)
        await page.wait_for_timeout(1_000)
        if await heading.count() or not await button.count():
            break  # there (or on its way): not a lost click
    await heading.wait_for(timeout=WAIT)


async def _checked(page, group: str) -> str | None:
    radios = page.get_by_role("radiogroup", name=group, exact=True).get_by_role("radio")
    for i in range(await radios.count()):
        radio = radios.nth(i)
        if await radio.get_attribute("aria-checked") == "true":
            return (await radio.inner_text()).strip()
    return None


async def _no_error_shown(page, session: Session, when: str) -> None:
    boxes = page.get_by_test_id("stException")
    for i in range(await boxes.count()):
        session.errors.append(f"{when}: {(await boxes.nth(i).inner_text())[:300]!r}")
    if "Traceback" in await page.get_by_test_id("stApp").inner_text():
        session.errors.append(f"{when}: a traceback on the page")


async def _practitioner(browser, url: str, n: int, seed: int) -> Session:
    rng = random.Random(seed)
    flags, tests = _labels()
    session = Session(n)
    ack = session.acknowledged
    context = await browser.new_context(viewport=TABLET)
    page = await context.new_page()
    try:
        await page.goto(url)
        await page.get_by_role("heading", name="Sign in", exact=True).wait_for(timeout=WAIT)
        await page.get_by_role("textbox", name="Username", exact=True).fill(USERNAME)
        password = page.get_by_role("textbox", name="Password", exact=True)
        await password.fill(PASSWORD)
        await password.press("Enter")
        await _heading(page, "Patient and consent")
        await _idle(page)

        consent = page.get_by_role("checkbox", name="The patient agrees to this assessment being recorded", exact=True)
        await page.locator("[data-testid='stCheckbox']").filter(has=consent).locator("label").first.click()
        await consent.wait_for(state="attached")
        await page.wait_for_function("el => el.checked", arg=await consent.element_handle(), timeout=WAIT)
        age = rng.randint(18, 90)
        field_ = page.get_by_role("spinbutton", name="Age", exact=True)
        await field_.fill(str(age))
        await field_.press("Tab")
        ack["patient.age"] = age
        sex = rng.choice(["Female", "Male"])
        await _pick(page, "Sex", sex)
        ack["patient.sex"] = sex.lower()
        side = rng.choice(["Left", "Right"])
        await _pick(page, "Which side are the main symptoms on?", side)
        ack["patient.side"] = side.lower()
        session.phase = "Next from patient"
        await _next(page, session, "Red-flag screen")
        yes = 0
        for key in RED_FLAGS:
            # Now and then a Yes, at most two: more would stack a banner taller than the screen
            # (the sticky red-flag banner then covers the page for a mouse, see _press).
            word = "Yes" if yes < 2 and rng.random() < 0.2 else "No"
            yes += word == "Yes"
            session.phase = f"red flag {key}"
            await _pick(page, flags[key], word)
            ack[f"red_flags.{key}"] = word == "Yes"
        session.phase = "Next from red flags"
        await _next(page, session, "Pain history")
        session.phase = "Next from history"
        await _next(page, session, "Hip examination")
        for key in HIP_TESTS:
            word = rng.choice(["Negative", "Positive"])
            session.phase = f"hip test {key}"
            await _pick(page, tests[key], word)
            ack[f"exam.tests.{key}"] = word.lower()
        session.phase = "Next from hip"
        await _next(page, session, "Lumbar, neural and sacroiliac")
        await _idle(page)

        # What the screen says about saving, once the session has settled.
        status = page.get_by_test_id("stSidebar").get_by_text(re.compile("Saved|Not saved|not saved"))
        await status.first.wait_for(timeout=WAIT)
        session.saved_caption = (await status.first.inner_text()).strip()
        await _no_error_shown(page, session, "after the hip examination")
        match = re.search(r"[?&]draft=([^&]+)", page.url)
        session.draft_id = match.group(1) if match else None

        # Reopen the red-flag step: every answer is still shown.
        await _press(page.get_by_role("radiogroup", name="Go to step", exact=True).get_by_role(
            "radio", name="2 Red flags", exact=True))
        await _heading(page, "Red-flag screen")
        await _idle(page)
        for key in RED_FLAGS:
            session.reopened[f"red_flags.{key}"] = await _checked(page, flags[key])
        await _no_error_shown(page, session, "after reopening the red flags")
        return session
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"concurrency-failed-{n}.png"), full_page=True)
        main = await page.get_by_test_id("stMain").inner_text()
        where = re.search(r"Step \d+ of \d+: [^\n]+", main)
        raise AssertionError(f"session {n} stuck after {session.phase!r}; the page shows "
                             f"{where.group(0) if where else main[:800]!r}") from None
    finally:
        await context.close()


async def _clinic(urls: list[str], sessions: int, seed: int) -> list[Session]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return await asyncio.gather(*(_practitioner(browser, urls[n % len(urls)], n, seed * 100 + n)
                                          for n in range(sessions)))
        finally:
            await browser.close()


def _stored(database_url: str, draft_id: str) -> dict[str, Any]:
    from intake.storage.schema import DraftRow
    from intake.store import Store

    store = Store(database_url)
    try:
        with store.db.reading() as session:
            row = session.get(DraftRow, draft_id)
            assert row is not None, f"draft {draft_id} is not in the database"
            return json.loads(row.answers)
    finally:
        store.dispose()


def _lookup(answers: dict[str, Any], path: str) -> Any:
    node: Any = answers
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _check(sessions: list[Session], database_url: str) -> None:
    missing: list[str] = []
    total = 0
    for s in sessions:
        assert not s.errors, f"session {s.n} saw an error: {s.errors}"
        assert s.draft_id, f"session {s.n}: no draft in the address"
        assert "Saved" in s.saved_caption and "not saved" not in s.saved_caption.lower(), f"session {s.n}: the screen says {s.saved_caption!r}"
        stored = _stored(database_url, s.draft_id)
        for path, value in s.acknowledged.items():
            total += 1
            if _lookup(stored, path) != value:
                missing.append(f"session {s.n} {path}: screen {value!r}, stored {_lookup(stored, path)!r}")
        for path, shown in s.reopened.items():
            want = "Yes" if s.acknowledged[path] else "No"
            if shown != want:
                missing.append(f"session {s.n} {path}: answered {want}, reopened shows {shown!r}")
    retries = sum(s.navigation_retries for s in sessions)
    print(f"{len(sessions)} sessions, {total} acknowledged answers, {len(missing)} missing, "
          f"{retries} Next clicks pressed again")
    assert not missing, "\n".join(missing[:40])


def test_ten_practitioners_on_one_server_lose_no_answer_and_see_no_error(tmp_path: Path):
    srv = Server(tmp_path / "data").start()
    try:
        from intake.store import database_url

        url = database_url({"INTAKE_DATA_DIR": str(srv.data_dir)})
        for run in range(int(os.environ.get("INTAKE_E2E_ROUNDS", "1"))):  # INTAKE_E2E_ROUNDS=3: repeated runs
            _check(asyncio.run(_clinic([srv.url], 10, seed=run + 1)), url)
    finally:
        srv.stop()


def test_two_instances_on_one_postgresql_lose_no_answer(tmp_path: Path):
    require_postgres()
    with fresh_postgres_url() as url:
        first = Server(tmp_path / "a", database_url=url).start()
        second = Server(tmp_path / "b", database_url=url)
        try:
            second.start()
            _check(asyncio.run(_clinic([first.url, second.url], 6, seed=7)), url)
        finally:
            second.stop()
            first.stop()


