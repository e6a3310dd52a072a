"""LHC-Forms (NLM's form renderer, npm `lforms`, served on localhost) in Chromium: it loads the project's
Questionnaire, shows every example QuestionnaireResponse merged into it and gives the same answers
back; a response filled in LHC-Forms by hand becomes the case the app would have made."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from intake import assess, load_case
from intake.fhir import questionnaire, questionnaire_response
from intake.fhir_import import case_from_response
from tests.conftest import SHARED_CASES
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.browser
TOOLS = ROOT / "tests" / "fhir_tools"
DIST = TOOLS / "node_modules" / "lforms" / "dist"
CASES = sorted(SHARED_CASES.glob("*.yaml"))  # the worked examples (the library's round trip is in test_fhir.py)


class _Files(http.server.SimpleHTTPRequestHandler):
    """The test page and LHC-Forms' own files, nothing else."""

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            return str(TOOLS / "lforms.html")
        if path.startswith("/lforms/") and ".." not in path:
            return str(DIST / path.lstrip("/"))
        return str(TOOLS / "missing")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def lforms_url() -> Iterator[str]:
    if not (DIST / "lforms" / "webcomponent" / "main.js").is_file():
        pytest.fail("LHC-Forms is not installed: run ./scripts/test.sh (npm ci in tests/fhir_tools)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@pytest.fixture
def form_page(context, lforms_url) -> Page:
    page = context.new_page()
    page.goto(lforms_url)
    page.wait_for_function("() => window.LForms && LForms.Util && LForms.Util.addFormToPage && LForms.FHIR", timeout=60_000)
    return page


def show(page: Page, response: dict | None = None) -> dict:
    """Render the Questionnaire (with a response merged in) and read LHC-Forms' own response back."""
    page.evaluate("""async ([q, qr]) => {
        document.getElementById('form').innerHTML = '';
        await LForms.Util.addFormToPage(q, 'form', qr ? {questionnaireResponse: qr} : {});
    }""", [questionnaire().model_dump(mode="json", exclude_none=True), response])
    expect(page.locator("#form .lhc-form-title, #form lhc-form").first).to_be_attached()
    page.wait_for_timeout(300)
    return page.evaluate("() => LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', document.getElementById('form'))")


def answers(items: list[dict]) -> dict[str, list]:
    """linkId -> answers, each as (kind, code or value): what LHC-Forms must give back unchanged."""
    out = {}
    for item in items:
        if item.get("answer"):
            out[item["linkId"]] = [(k, v["code"] if k == "valueCoding" else float(v) if k == "valueDecimal" else v)
                                   for a in item["answer"] for k, v in a.items() if k.startswith("value")]
        out |= answers(item.get("item", []))
    return out


PRECAUTION_OUTSIDE_THE_AGES_ASKED = {"case_format": 1, "patient": {"age": 58, "sex": "female"}, "red_flags": {"pregnant": True}}


def test_lhc_forms_shows_every_example_response_and_gives_the_same_answers_back(form_page, screenshots):
    for path in [*CASES, PRECAUTION_OUTSIDE_THE_AGES_ASKED]:  # the last: an answer given is kept, not dropped
        case = load_case(path)
        path = path if isinstance(path, Path) else Path("precaution-at-58")
        ours = questionnaire_response(case).model_dump(mode="json", exclude_none=True)
        theirs = show(form_page, ours)
        assert theirs["questionnaire"] == ours["questionnaire"], path.stem
        assert answers(theirs["item"]) == answers(ours["item"]), path.stem
        back = case_from_response(theirs)  # LHC-Forms' own response reads back as the same case
        assert assess(back).model_dump() == assess(case).model_dump(), path.stem
        if path.stem.startswith("example-10"):
            form_page.screenshot(path=str(screenshots / "fhir-lforms-example-10.png"))
            expect(form_page.get_by_text("Any new numbness or tingling between the legs")).to_be_visible()


def _id(link: str) -> str:
    """LHC-Forms' element id of a question: its linkId and the position in section, group and item."""
    return f"{link}/1/1/1"


def _radio(page: Page, link: str, value: str) -> None:
    choice = page.locator(f'[id="{_id(link)}|{value}"]')
    choice.click()  # the label: LHC-Forms' radio is an Angular widget
    expect(choice.locator("input[type=radio]")).to_be_checked()


def _type(page: Page, link: str, text: str, pick: bool = False) -> None:
    field = page.locator(f'[id="{_id(link)}"]')
    field.click()
    field.fill(text)
    if pick:  # an LHC autocompleter: choose the matching entry from its list
        page.locator("#completionOptions li", has_text=re.compile(rf"\s{re.escape(text)}$")).first.click()
    else:
        field.press("Tab")


def test_a_response_filled_in_lhc_forms_becomes_the_case_the_app_would_make(form_page, screenshots):
    show(form_page)
    expect(form_page.locator(f'[id="{_id("red_flags.pregnant")}|true"]')).to_have_count(1)  # asked: sex and age unknown
    _type(form_page, "patient.age", "34")
    _type(form_page, "patient.sex", "Male", pick=True)
    expect(form_page.locator(f'[id="{_id("red_flags.pregnant")}|true"]')).to_have_count(0)  # enableWhen: not asked of a man
    _type(form_page, "patient.sex", "Female", pick=True)
    _radio(form_page, "red_flags.pregnant", "true")
    _radio(form_page, "red_flags.saddle_anaesthesia", "true")
    _radio(form_page, "red_flags.fever_or_unwell", "false")
    _type(form_page, "history.pain_now", "6")
    _type(form_page, "exam.tests.faber", "Positive", pick=True)
    form_page.screenshot(path=str(screenshots / "fhir-lforms-filled.png"))
    filled = form_page.evaluate("() => LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', document.getElementById('form'))")
    Path(screenshots / "fhir-lforms-filled.json").write_text(json.dumps(filled, indent=1))
    case = case_from_response(filled)
    expected = load_case({"case_format": 1, "patient": {"age": 34, "sex": "female"}, "history": {"pain_now": 6},
                          "red_flags": {"pregnant": True, "saddle_anaesthesia": True, "fever_or_unwell": False},
                          "exam": {"tests": {"faber": "positive"}}})
    assert case == expected
    assessment = assess(case)
    assert assessment.model_dump() == assess(expected).model_dump()
    assert assessment.referral == "emergency"  # the saddle numbness ticked in LHC-Forms is a red flag here too
