"""End to end in headless Chromium: a student picks a case, asks one question and one test at a
time, commits an answer and gets the feedback and its PDF; screenshots in artifacts/screenshots/."""

from __future__ import annotations

import io
import re

import pytest
from conftest import Server
from playwright.sync_api import Page, expect
from wizard import choose, idle, open_app, pill, shot, textbox

pytestmark = pytest.mark.browser

STUDENT = "O'Brien <b>& Zoë"
CASE_ID = "lib-foundation-08-cauda-equina-retention"
TITLE = "Sciatica that has spread to both legs, with numbness when wiping"


def _pick(page: Page, label: str, option: str) -> None:
    """Choose `option` in the select box named `label`, by typing as a keyboard user would."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    idle(page)


def _found_out(page: Page):
    return page.locator(".st-key-practice-found")


def test_a_student_completes_a_case_and_gets_feedback(server: Server, context, screenshots):
    page = context.new_page()
    open_app(page, server.url)
    page.get_by_role("button", name="Practice", exact=True).click()
    expect(page.get_by_role("heading", name="Practice a case")).to_be_visible()
    idle(page)
    name = textbox(page, "Your name or pseudonym")
    name.fill(STUDENT)
    name.press("Enter")
    idle(page)
    pill(page, "Difficulty", "Foundation")
    listed = page.get_by_text("A retired postman whose hip has stiffened over two years")
    expect(listed).to_have_count(1)  # waits out the stale copy Streamlit shows while it reruns
    expect(listed).to_be_visible()
    expect(page.get_by_text("A 13-year-old with knee pain")).to_have_count(0)  # advanced, filtered out
    shot(page, screenshots, "practice-01-cases")

    start = page.locator(f".st-key-p-start-{CASE_ID}").get_by_role("button", name="Start")
    start.click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    idle(page)
    assert re.search(r"[?&]practice=[A-Za-z0-9_-]{32,}", page.url)
    assert "draft=" not in page.url
    expect(page.get_by_text("Time on this case:")).to_be_visible()
    clock = page.locator("#practice-clock")
    first = clock.inner_text()
    expect(clock).not_to_have_text(first, timeout=5_000)  # the clock runs in the browser
    expect(page.get_by_text("Nothing asked or examined yet.")).to_be_visible()
    assert "Saddle numbness" not in page.locator("[data-testid='stMain']").inner_text().split("Ask and examine")[0]

    _pick(page, "Red-flag or precaution question to ask", "Saddle numbness")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(_found_out(page)).to_contain_text("Saddle numbness: yes")
    idle(page)
    _pick(page, "Test or examination item to perform", "Straight-leg raise")
    page.get_by_role("button", name="Perform", exact=True).click()
    expect(_found_out(page)).to_contain_text("Straight-leg raise: positive")
    idle(page)
    found = _found_out(page).inner_text()
    assert found.index("Saddle numbness") < found.index("Straight-leg raise")  # the order asked
    assert "Bladder" not in found  # never asked, never shown

    _pick(page, "1st: most likely origin", "Lumbar radicular pain")
    pill(page, "Red flags you identify (leave empty for none)", "Suspected cauda equina syndrome")
    choose(page, "Referral urgency", "Emergency")
    for item in ("All hands-on treatment", "Manipulation (thrust)", "Dry needling"):
        pill(page, "What you would withhold today", item)
    shot(page, screenshots, "practice-02-case")

    page.get_by_role("button", name="Commit my answer").click()
    score = page.get_by_role("heading", name=re.compile(r"^Your score: [\d.]+ \S 100$"))  # \S: the slash, which the selector cannot hold
    expect(score).to_be_visible()
    idle(page)
    expect(score).to_be_in_viewport()  # the feedback opens at the score, with the keyboard focus on it
    expect(score).to_be_focused()
    expect(page.get_by_text("Marks by part")).to_be_visible()
    expect(page.get_by_text("Red-flag questions you did not ask")).to_be_visible()
    expect(page.get_by_text("Teaching notes")).to_be_visible()
    expect(page.get_by_text("You did not ask: Bladder disturbance")).to_be_visible()
    shot(page, screenshots, "practice-03-feedback")

    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Feedback (PDF)").click()
    assert info.value.suggested_filename == "practice-feedback.pdf"
    from pypdf import PdfReader

    with open(info.value.path(), "rb") as fh:
        text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert STUDENT in text and "Score:" in text

    # the student's history, under the name they entered
    page.get_by_role("button", name="Choose another case").click()
    expect(page.get_by_role("heading", name="Your attempts")).to_be_visible()
    idle(page)
    expect(page.locator("[class*='st-key-p-open-']").get_by_role("button", name="Feedback")).to_have_count(1)
    expect(page.get_by_text(re.compile(r"mean score \d+ / 100"))).to_be_visible()
    shot(page, screenshots, "practice-04-history")

    page.get_by_role("button", name="Instructor", exact=True).click()
    expect(page.get_by_role("heading", name="Instructor", exact=True)).to_be_visible()
    idle(page)
    expect(page.get_by_text("1 committed attempt(s) by 1 student(s)")).to_be_visible()
    page.mouse.move(800, 5)  # no tooltip over the picture
    shot(page, screenshots, "practice-05-instructor")
