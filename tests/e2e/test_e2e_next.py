"""In Chromium: the sidebar's "Ask next" takes the practitioner to the question, focus on it."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import ROOT, Server
from playwright.sync_api import expect
from wizard import STEP_TITLES, choose, heading, idle, open_app, shot, start_from_case_file

from intake import assess, load_vignette
from intake.answers import case_path
from intake.ui.ask_next import step_of

pytestmark = pytest.mark.browser

CASE = ROOT.parent / "shared" / "cases" / "example-09-hip-spine-syndrome.yaml"


def without_tests(tmp_path):
    case, _ = load_vignette(CASE)
    data = case.to_data()
    data["exam"].pop("tests", None)
    # The screen completed with the version-2 questions answered no, so a test is the top suggestion.
    data["case_format"] = 2
    for key in ("systemically_unwell", "low_energy_availability", "pulsatile_abdominal_mass", "vascular_claudication"):
        data["red_flags"].setdefault(key, False)
    path = tmp_path / "hip-spine-untested.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path, assess(case.model_validate(data))


def test_ask_next_click_goes_to_the_question_with_the_focus_on_it(server: Server, context, screenshots, tmp_path):
    path, assessment = without_tests(tmp_path)
    top = assessment.next_questions[0]
    assert top.kind == "test"
    page = context.new_page()
    open_app(page, server.url)
    start_from_case_file(page, path)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("Ask next", exact=True)).to_be_visible()
    expect(sidebar.get_by_text(top.phrase, exact=False).first).to_be_visible()
    shot(page, screenshots, "ask-next-sidebar")
    sidebar.get_by_role("button", name=top.label).click()
    idle(page)
    widget_class = "st-key-w-" + case_path(top.key).replace(".", "-")
    heading(page, STEP_TITLES[step_of(case_path(top.key))])
    page.wait_for_function(
        "cls => { const box = document.querySelector('.' + cls); return box && box.contains(document.activeElement); }",
        arg=widget_class, timeout=15_000,
    )
    box = page.locator(f".{widget_class}")
    expect(box).to_be_in_viewport()
    shot(page, screenshots, "ask-next-focused")
    # the focus is on the question's current answer ("Not tested"), ready for the keyboard
    assert page.evaluate("() => !!document.activeElement.closest('[role=radiogroup]')")
    expect(box.get_by_role("radio", name="Not tested", exact=True)).to_be_focused()


def test_what_if_on_the_review_side_by_side_then_applied(server: Server, context, screenshots, tmp_path):
    case, _ = load_vignette(ROOT.parent / "shared" / "cases" / "example-01-hip-osteoarthritis.yaml")
    path = tmp_path / "hip-oa.yaml"
    path.write_text(yaml.safe_dump(case.to_data()), encoding="utf-8")
    page = context.new_page()
    open_app(page, server.url)
    start_from_case_file(page, path)
    choose(page, "Go to step", "8 Review")
    heading(page, "Review")
    idle(page)
    finding = page.get_by_role("combobox", name="Finding")
    finding.click()
    page.keyboard.type("Resisted external")
    page.get_by_role("option", name="Resisted external de-rotation (now: not tested)").click()
    idle(page)
    choose(page, "Answer", "Positive")
    idle(page)
    page.get_by_role("button", name="Add", exact=True).click()
    idle(page)
    changed = page.locator(".st-key-whatif-changed")
    expect(page.get_by_role("heading", name="As recorded")).to_be_visible()
    expect(changed.get_by_role("heading", name="What if (not saved)")).to_be_visible()
    # the move in words, never a probability
    expect(changed.get_by_text("Lateral hip", exact=False).first).to_contain_text(re.compile(r"\((more likely|was \w+)\)"))
    changed.scroll_into_view_if_needed()
    shot(page, screenshots, "what-if-side-by-side")
    page.get_by_role("button", name="Apply these changes to the assessment").click()
    idle(page)
    expect(page.get_by_text("The what-if changes were applied to the assessment.")).to_be_visible()
    choose(page, "Go to step", "4 Hip")
    heading(page, "Hip examination")
    box = page.locator(".st-key-w-exam-tests-resisted_external_derotation")
    expect(box.get_by_role("radio", name="Positive", exact=True)).to_have_attribute("aria-checked", "true")
    # the evidence of a test used on the review opens from there, and Back returns
    choose(page, "Go to step", "8 Review")
    heading(page, "Review")
    idle(page)
    page.locator('[class*="st-key-ev-origin1-"][class*="-scour"] button').first.click()  # in the leading origin
    heading(page, "Evidence explorer")
    expect(page.get_by_text("How to perform:", exact=False).first).to_be_visible()
    expect(page.get_by_text("Sutlive 2008", exact=False).first).to_be_visible()
    shot(page, screenshots, "evidence-explorer")
    page.get_by_role("button", name="Back", exact=True).click()
    heading(page, "Review")
