"""AppTest: a clinician reads words from the form and the knowledge base, and likelihood bands, on every
screen: no case path, rule id or file-format word in backticks, no probability as a number (that is
in the PDF's appendix)."""

from __future__ import annotations

import re

from test_app_support import EMERGENCY_CASE, answers_of, case_data, goto, new_app

from intake import assess, load_case
from intake.ui.state import STEPS

# backticks, a probability ("likely (62%)", "— 62 %"), snake_case ids; an evidence note's own figures
# ("77% vs 58% success") are the source's words and may stay
INTERNAL = re.compile(r"`|(?:\(|— )\d{1,3}\s?%|\b[a-z]+_[a-z0-9_]+\b")
CASES = ("example-04-l5-radiculopathy.yaml", EMERGENCY_CASE, "example-08-tfl-trigger-points-on-anticoagulants.yaml")


def _read(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "header", "subheader", "title"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [str(e.label) for e in at.expander]
    parts += [str(e.proto.text) for e in at.get("progress")]  # the sidebar's likelihood bars
    return "\n".join(parts)


def test_no_step_sidebar_or_review_shows_a_case_path_or_a_percentage():
    for name in CASES:
        at = new_app(answers=answers_of(name))
        for step in STEPS:
            at = goto(at, step)
            found = sorted({m.group(0) for m in INTERNAL.finditer(_read(at))})
            assert found == [], (name, step, found)


def test_the_sidebar_and_the_review_show_likelihood_bands():
    at = goto(new_app(answers=answers_of("example-04-l5-radiculopathy.yaml")), "review")
    bars = [e.proto.text for e in at.get("progress") if not e.proto.text.startswith("Step ")]
    assert bars and all(re.search(r" — (likely|possible|unlikely)$", b) for b in bars), bars
    assert all(re.search(r" — (likely|possible|unlikely)$", e.label) for e in at.expander if e.label[:2] in {"1.", "2."})


def test_a_refused_answer_is_named_by_its_label_on_the_review():
    answers = answers_of("example-04-l5-radiculopathy.yaml")
    answers["history"]["pain_now"] = 14
    at = goto(new_app(answers=answers), "review")
    [warning] = [w.value for w in at.warning if "not accepted" in w.value]
    assert "history.pain_now" not in warning and "`" not in warning
    assert "Pain now" in warning or "pain now" in warning.lower(), warning


def test_a_filed_record_shows_no_internal_wording(store):
    for name in CASES:
        case = load_case(case_data(name))
        record = store.records.file(store.principal, case, assess(case))
        at = new_app(query={"record": record.id})
        found = sorted({m.group(0) for m in INTERNAL.finditer(_read(at))})
        assert found == [], (name, found)
