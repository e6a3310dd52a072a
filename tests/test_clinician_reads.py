"""What the clinician reads, not only the decision: a golden assessment per worked example (a
change shows as a diff), red flags most urgent first on every path, each reason's effect equal to
its rule's weight, the "unverified" marker kept, an answered question never listed as a gap.

To accept a deliberate change to an assessment: UPDATE_GOLDEN=1 .venv/bin/python -m pytest
tests/test_clinician_reads.py, then read the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import difflib
import json
import os

import pytest
from form_strategies import cases
from hypothesis import HealthCheck, given, settings

from intake import assess, load_case, load_knowledge, load_vignette
from intake.facts import LIST_FIELDS, case_facts
from intake.fhir import questionnaire_response
from intake.policy.urgency import URGENCY_ORDER
from reports.branding import Branding
from reports.content import build_summary
from tests.conftest import ROOT, SHARED_CASES

KB = load_knowledge()
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = sorted(SHARED_CASES.glob("*.yaml"))
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _text(data) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_assessment_of_each_example_is_the_golden_one(path):
    case, _ = load_vignette(path)
    now = _text(assess(case).model_dump(mode="json"))
    golden = GOLDEN / f"{path.stem}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not golden.exists():
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(now, encoding="utf-8")
    was = golden.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(was.splitlines(True), now.splitlines(True), f"golden/{golden.name}", "now", n=2))
    assert not diff, f"the assessment a clinician reads changed:\n{diff}"


def _descending(urgencies) -> bool:
    ranks = [URGENCY_ORDER[u] for u in urgencies]
    return ranks == sorted(ranks, reverse=True)


@SETTINGS
@given(cases)
def test_red_flags_are_listed_most_urgent_first_everywhere(data):
    case = load_case(data)
    assessment = assess(case)
    assert _descending(f.urgency for f in assessment.red_flags)
    summary = build_summary(case, assessment, KB, Branding())
    assert _descending(f.urgency for f in summary.red_flags)
    assert _descending(letter.urgency for letter in summary.letters)
    for letter in summary.letters:
        assert _descending(f.urgency for f in letter.flags)
    exported = [x["valueCoding"]["code"] for x in questionnaire_response(case, assessment).model_dump(mode="json").get("extension", [])
                if x["url"] == "urn:hip-intake:red-flag"]
    assert exported == [f.id for f in assessment.red_flags]


def _rules():
    out = {r.id: r for o in KB.origins.values() for r in o.rules}
    out |= {r.id: r for m in KB.muscles.values() for r in m.rules}
    return out


RULES = _rules()


@SETTINGS
@given(cases)
def test_each_reason_shows_its_rules_weight_and_keeps_the_unverified_marker(data):
    assessment = assess(load_case(data))
    reasons = [r for o in assessment.origins for r in o.because] + [r for m in assessment.muscles for r in m.because]
    for reason in reasons:
        shared = {"palpation": KB.muscle_palpation, "referral_map": KB.muscle_referral_map}.get(reason.rule.rsplit(".", 1)[-1])
        if reason.rule.startswith("muscle.") and shared is not None:  # the reasons every tender muscle shares
            effect, sources, figure_verified = KB.settings.clinical_strength[shared.strength], shared.sources, True
        else:
            rule = RULES[reason.rule]
            effect, sources, figure_verified = KB.effect_of(rule), rule.sources, rule.figure_verified
        assert reason.effect == round(effect, 4), reason.rule
        assert reason.direction == ("for" if effect > 1 else "against"), reason.rule
        assert reason.sources == list(sources)
        marked = [c.endswith("(figure unverified)") for c in reason.citations]
        if figure_verified:  # each citation is marked exactly when its own source is unverified
            assert marked == [not KB.sources[s].verified for s in sources], reason.rule
        else:  # the rule's figure itself is unverified: every citation says so
            assert all(marked), reason.rule


@SETTINGS
@given(cases)
def test_an_answered_question_is_never_a_gap(data):
    case = load_case(data)
    facts = case_facts(case)
    for gap in assess(case).gaps:
        if gap.key in LIST_FIELDS:  # a whole list is a gap only while every value is unasked
            assert all(facts[f"{gap.key}.{v}"] is None for v in LIST_FIELDS[gap.key]), gap.key
        elif gap.key in facts:
            assert facts[gap.key] is None, gap.key


def test_a_referral_reason_names_the_flags_that_refer_not_those_only_watched():
    """Withholding for an urgent referral reads `referral`; its findings are the referring flags."""
    case = load_case({"case_format": 1, "patient": {"age": 70}, "red_flags": {"fever_or_unwell": True, "osteoporosis": True}})
    assessment = assess(case)
    watched = [f.id for f in assessment.red_flags if f.urgency == "monitor"]
    referring = [f.id for f in assessment.red_flags if f.urgency != "monitor"]
    assert watched and referring
    (held,) = {w.rule: w for w in assessment.withheld if w.rule == "withhold.refer_first"}.values()
    assert held.because == referring
