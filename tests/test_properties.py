"""Safety invariants over random valid cases (hypothesis)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake import Assessment, assess, load_case, load_knowledge
from intake.engine import screening_applies
from intake.models import ACTIVITIES, MUSCLES, NEURO_LEVELS, RED_FLAG_KEYS, REGIONS, TESTS, V2_FIELDS
from intake.policy.urgency import URGENCY_ORDER

KB = load_knowledge()
maybe = st.sampled_from([None, False, True])


def drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


V2_ONLY = set(V2_FIELDS)
V1_RED_FLAGS = [k for k in RED_FLAG_KEYS if f"red_flags.{k}" not in V2_ONLY]
V1_TESTS = [t for t in TESTS if f"exam.tests.{t}" not in V2_ONLY]
V2_HISTORY = [f.split(".")[1] for f in V2_FIELDS if f.startswith("history.")]


def case_strategy(version: int):
    """Random valid cases of one format version; version 2 adds its red flags, history, tests and level."""
    red_flags = RED_FLAG_KEYS if version == 2 else V1_RED_FLAGS
    tests = TESTS if version == 2 else V1_TESTS
    history = {
        "pain_sites": st.one_of(st.none(), st.lists(st.sampled_from(REGIONS), unique=True)),
        "aggravated_by": st.one_of(st.none(), st.lists(st.sampled_from(ACTIVITIES), unique=True)),
        "onset": st.sampled_from([None, "gradual", "sudden", "after_trauma"]),
        "limp": maybe, "paraesthesia": maybe, "back_pain": maybe, "night_pain": maybe,
        "morning_stiffness_minutes": st.one_of(st.none(), st.integers(0, 240)),
    }
    if version == 2:
        history |= {key: maybe for key in V2_HISTORY}
    exam = st.fixed_dictionaries(
        {
            "hip_internal_rotation_deg": st.one_of(st.none(), st.integers(0, 90)),
            "hip_flexion_deg": st.one_of(st.none(), st.integers(0, 160)),
            "neuro_deficit": maybe,
            "tender_muscles": st.one_of(st.none(), st.lists(st.sampled_from(MUSCLES), unique=True)),
            "tests": st.fixed_dictionaries({t: st.sampled_from([None, "positive", "negative"]) for t in tests}).map(drop_none),
        }
    ).map(drop_none)
    if version == 2:
        exam = st.tuples(exam, st.sampled_from([None, *NEURO_LEVELS])).map(
            lambda pair: pair[0] | ({"neuro_deficit_level": pair[1]} if pair[1] and pair[0].get("neuro_deficit") else {})
        )
    return st.fixed_dictionaries(
        {
            "case_format": st.just(version),
            "patient": st.fixed_dictionaries(
                {"age": st.integers(0, 120), "sex": st.sampled_from([None, "female", "male", "other", "unspecified"]), "side": st.sampled_from([None, "left", "right", "bilateral"])}
            ).map(drop_none),
            "history": st.fixed_dictionaries(history).map(drop_none),
            "red_flags": st.fixed_dictionaries({k: maybe for k in red_flags}).map(drop_none),
            "exam": exam,
        }
    )


cases = st.one_of(case_strategy(1), case_strategy(2))

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cases)
def test_every_present_red_flag_appears_in_the_assessment(data):
    case = load_case(data)
    assessment = assess(case)
    named = {key for flag in assessment.red_flags for key in flag.findings}
    for key in RED_FLAG_KEYS:
        if data["red_flags"].get(key) is True and KB.screening[key].kind == "red_flag":
            assert key in named, key
    # and it survives the JSON export
    exported = json.loads(json.dumps(assessment.model_dump(mode="json")))
    assert {k for f in exported["red_flags"] for k in f["findings"]} == named


@SETTINGS
@given(cases)
def test_referral_is_the_highest_urgency_and_withholds_what_it_must(data):
    assessment = assess(load_case(data))
    urgencies = [f.urgency for f in assessment.red_flags if f.urgency != "monitor"]
    expected = max(urgencies, key=URGENCY_ORDER.get) if urgencies else "none"
    assert assessment.referral == expected
    withheld = {w.id for w in assessment.withheld}
    if assessment.referral in ("emergency", "urgent"):
        assert {"manual_therapy", "manipulation", "dry_needling"} <= withheld
        assert all(t.withheld for t in assessment.therapies)
    if assessment.referral in KB.settings.provisional_for:
        assert assessment.differential_provisional
    if assessment.referral in KB.settings.stop_examination_for:
        # An emergency decides the visit: nothing but unasked red-flag questions is proposed.
        assert all(g.kind == "red_flag" for g in assessment.gaps)
    for precaution in ("anticoagulant_use", "pregnant"):
        if data["red_flags"].get(precaution):
            assert {"dry_needling", "manipulation"} <= withheld
            assert all(t.withheld for t in assessment.therapies if {"dry_needling", "manipulation"} & set(t.classes))


@SETTINGS
@given(cases)
def test_unasked_red_flag_questions_are_gaps_never_clears(data):
    case = load_case(data)
    assessment = assess(case)
    applies = screening_applies(case, KB)
    for key in RED_FLAG_KEYS:
        if KB.screening[key].kind == "red_flag" and key not in data["red_flags"] and applies[key]:
            assert key in assessment.unanswered
    for flag in assessment.red_flags:
        assert all(data["red_flags"].get(k) is not False for k in flag.findings if k in RED_FLAG_KEYS)


@SETTINGS
@given(cases, st.randoms(use_true_random=False))
def test_answer_order_changes_nothing_and_output_is_stable(data, rng):
    first = assess(load_case(data))
    shuffled = json.loads(json.dumps(data))
    for section, field in (("history", "pain_sites"), ("history", "aggravated_by"), ("exam", "tender_muscles")):
        if field in shuffled.get(section, {}):
            rng.shuffle(shuffled[section][field])
    again = assess(load_case(shuffled))
    assert again == first
    assert Assessment.model_validate(first.model_dump(mode="json", by_alias=True)) == first


@SETTINGS
@given(cases)
def test_every_conclusion_carries_its_sources(data):
    assessment = assess(load_case(data))
    for found in assessment.origins:
        assert all(r.citations for r in found.because)
    for item in assessment.red_flags + assessment.therapies + assessment.withheld:
        assert item.citations
    assert [o.probability for o in assessment.origins] == sorted((o.probability for o in assessment.origins), reverse=True)


@settings(SETTINGS, max_examples=150)
@given(cases)
def test_next_questions_screen_first_propose_no_examination_in_an_emergency_and_only_unasked(data):
    from intake.facts import case_facts

    case = load_case(data)
    assessment = assess(case)
    facts = case_facts(case)
    kinds = [q.kind for q in assessment.next_questions]
    screening = [n for n, k in enumerate(kinds) if k == "red_flag"]
    assert screening == list(range(len(screening)))  # red-flag questions first
    assert all(facts[q.key] is None for q in assessment.next_questions)
    gaps = {g.key for g in assessment.gaps if g.kind in ("red_flag", "precaution")}
    assert {q.key for q in assessment.next_questions if q.kind == "red_flag"} == gaps
    if assessment.referral == "emergency":
        assert set(kinds) <= {"red_flag"}
    rest = [q.expected_information for q in assessment.next_questions if q.kind != "red_flag"]
    assert rest == sorted(rest, reverse=True)
    assert all(q.p_positive is None or 0 < q.p_positive < 1 for q in assessment.next_questions)
