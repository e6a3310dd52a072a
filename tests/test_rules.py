"""Every rule in the knowledge base fires on a case built from its condition, and not on a near miss."""

from __future__ import annotations

import pytest

from intake import assess, load_case, load_knowledge
from tests.rule_cases import Conflict, case_from_facts, merge, satisfy

KB = load_knowledge()
ORIGIN_RULES = [(o.id, r) for o in KB.origins.values() for r in o.rules]
MUSCLE_RULES = [(m.id, r) for m in KB.muscles.values() for r in m.rules]


def build(when: dict, want: bool, extra: dict | None = None):
    facts = satisfy(when, want)
    if extra:
        try:
            facts = merge(facts, extra)
        except Conflict:
            pytest.skip("the extra answer conflicts with this rule")
    return load_case(case_from_facts(facts))


@pytest.mark.parametrize(("origin", "rule"), ORIGIN_RULES, ids=[r.id for _, r in ORIGIN_RULES])
def test_origin_rule(origin, rule):
    fired = next(o for o in assess(build(rule.when, True)).origins if o.id == origin)
    reason = next((r for r in fired.because if r.rule == rule.id), None)
    assert reason is not None, f"{rule.id} did not fire"
    assert reason.citations and reason.findings
    assert (reason.direction == "for") == (KB.effect_of(rule) > 1)
    missed = next(o for o in assess(build(rule.when, False)).origins if o.id == origin)
    assert rule.id not in {r.rule for r in missed.because}


@pytest.mark.parametrize(("muscle", "rule"), MUSCLE_RULES, ids=[r.id for _, r in MUSCLE_RULES])
def test_muscle_rule(muscle, rule):
    tender = {f"tender_muscles.{muscle}": True}
    found = next(m for m in assess(build(rule.when, True, tender)).muscles if m.id == muscle)
    assert rule.id in {r.rule for r in found.because}
    missed = next(m for m in assess(build(rule.when, False, tender)).muscles if m.id == muscle)
    assert rule.id not in {r.rule for r in missed.because}


@pytest.mark.parametrize("rule", KB.red_flag_rules, ids=[r.id for r in KB.red_flag_rules])
def test_red_flag_rule(rule):
    assessment = assess(build(rule.when, True))
    entry = next((f for f in assessment.red_flags if f.id == rule.condition), None)
    assert entry is not None and rule.id in entry.rules
    assert entry.note and entry.refer_to and entry.citations
    if rule.urgency != "monitor":
        assert assessment.referral != "none"
    missed = assess(build(rule.when, False))
    assert rule.id not in {r for f in missed.red_flags for r in f.rules}


@pytest.mark.parametrize("rule", [w for w in KB.withholding if w.withholds], ids=[w.id for w in KB.withholding if w.withholds])
def test_withholding_rule(rule):
    assessment = assess(build(rule.when, True))
    by_rule = {(w.rule, w.id) for w in assessment.withheld}
    for cls in rule.withholds:
        assert (rule.id, cls) in by_rule
    missed = assess(build(rule.when, False))
    assert rule.id not in {w.rule for w in missed.withheld}


@pytest.mark.parametrize("rule", [w for w in KB.withholding if w.cautions], ids=[w.id for w in KB.withholding if w.cautions])
def test_caution_rule_fires(rule):
    facts = satisfy(rule.when, True)
    case = load_case(case_from_facts(facts))
    from intake.facts import case_facts

    derived = case_facts(case) | {"referral": facts.get("referral", "none")}
    assert KB.compiled[rule.id](derived) is True
