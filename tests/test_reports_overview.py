"""The clinician summary reads in 30 seconds: page 1 is the overview, the reasoning is an appendix, tests
not done are one line, and no document a clinician or patient reads carries an internal id or a number
dressed as certainty."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from intake import assess, load_case
from intake.knowledge import load_knowledge
from intake.models import TESTS
from reports import Branding, render_handout, render_referral, render_summary

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT.parent / "shared" / "cases").glob("*.yaml"))
NEUTRAL = Branding()
KB = load_knowledge()
#: Internal names a reader must never see: rule ids, answer keys, file-format words.
INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z]+_[a-z_0-9]+\b|\bYAML\b|\bJSON\b|Ctrl\+Enter")


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module", params=CASES, ids=lambda p: p.stem[:10])
def documents(request):
    case = load_case(request.param)
    a = assess(case)
    docs = {"summary": _pages(render_summary(case, a, branding=NEUTRAL)),
            "handout": _pages(render_handout(case, a, branding=NEUTRAL))}
    if any(f.urgency != "monitor" for f in a.red_flags):
        docs["letter"] = _pages(render_referral(case, a, branding=NEUTRAL))
    return case, a, docs


def test_page_one_is_the_overview_and_the_numbers_are_in_the_appendix(documents):
    _, a, docs = documents
    pages = docs["summary"]
    first = 1 if a.referral in ("emergency", "urgent") else 0
    overview = pages[first]
    impression = "Impression (provisional)" if a.differential_provisional else "Impression"  # provisional only then
    assert (impression in overview) and (a.differential_provisional or "(provisional)" not in overview)
    for section in ("Key findings", "Plan", "Safety-netting"):
        assert section in overview, section
    for origin in a.origins:
        assert " ".join(origin.label.split()) in overview
    assert "%" not in overview  # likelihood bands only
    appendix = " ".join(pages[first + 1:])
    assert "Appendix" in pages[first + 1] and "estimated probability" in appendix


def test_tests_not_done_are_one_line(documents):
    case, _, docs = documents
    text = " ".join(docs["summary"])
    rows = text.replace("Not asked or not tested", "").replace("Not asked / not tested", "")
    assert "not tested" not in rows  # never a row per test
    untested = [k for k in TESTS if getattr(case.exam.tests, k) is None]
    if untested:
        assert text.count("Not tested:") == 2  # the overview's line and the findings table's
        for key in untested:
            assert " ".join(KB.label(key).split()) in text


def test_no_internal_id_or_certainty_on_any_document(documents):
    _, _, docs = documents
    for name, pages in docs.items():
        text = " ".join(pages)
        if "Practitioner notes" in text:  # typed by the practitioner, printed as typed
            text = text.split("Practitioner notes")[0] + text.split("Practitioner notes")[1].partition("References")[2]
        found = INTERNAL.findall(text)
        assert not found, (name, found[:5])
    assert "%" not in " ".join(docs.get("letter", []) + docs["handout"])
