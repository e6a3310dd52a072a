"""The derived facts (intake/derived.py): a tender muscle's referral map, the referral, and which
rule of a correlated group counts. The engine and the next-question ranking both read these, so
what they say is what the clinician reads as the findings behind a reason."""

from __future__ import annotations

from intake import assess, load_case
from intake.derived import derive_muscle_facts, derived_facts, referral_of
from intake.facts import case_facts
from intake.knowledge import load_knowledge


def _facts(case_format: int = 1, **sections) -> dict:
    data = {"case_format": case_format, "patient": {"age": 50, "sex": "female", "side": "left"}, **sections}
    return case_facts(load_case(data))


def test_a_tender_muscle_with_the_pain_map_unasked_is_unknown_not_a_mismatch():
    kb = load_knowledge()
    unasked = _facts(exam={"tender_muscles": ["piriformis"]})
    derive_muscle_facts(unasked, kb)
    assert unasked["referral_map.piriformis"] is None
    assert unasked["tender_muscle_matches_pain"] is None
    elsewhere = _facts(history={"pain_sites": ["groin"]}, exam={"tender_muscles": ["piriformis"]})
    derive_muscle_facts(elsewhere, kb)
    assert elsewhere["referral_map.piriformis"] is False  # the map was drawn and misses the muscle's zones
    assert elsewhere["tender_muscle_matches_pain"] is False


def test_every_matching_muscle_and_its_sites_are_the_findings_of_a_match():
    kb = load_knowledge()
    facts = _facts(history={"pain_sites": ["buttock", "groin"]}, exam={"tender_muscles": ["piriformis", "adductors"]})
    expansions = derive_muscle_facts(facts, kb)
    assert facts["tender_muscle_matches_pain"] is True
    assert expansions["tender_muscle_matches_pain"] == [
        "tender_muscles.piriformis", "pain_sites.buttock", "tender_muscles.adductors", "pain_sites.groin"]
    assert expansions["referral_map.adductors"] == ["tender_muscles.adductors", "pain_sites.groin"]
    assert expansions["tender_muscle_any"] == ["tender_muscles.piriformis", "tender_muscles.adductors"]


def test_with_no_tender_muscle_the_finding_is_the_palpation_as_a_whole():
    kb = load_knowledge()
    facts = _facts(history={"pain_sites": ["buttock"]}, exam={"tender_muscles": []})
    expansions = derive_muscle_facts(facts, kb)
    assert (facts["tender_muscle_any"], facts["tender_muscle_matches_pain"]) == (False, False)
    assert expansions["tender_muscle_any"] == ["tender_muscles"]
    assert expansions["tender_muscle_matches_pain"] == ["tender_muscles", "pain_sites"]


def test_derived_facts_work_out_the_referral_unless_told_not_to():
    kb = load_knowledge()
    facts = _facts(red_flags={"saddle_anaesthesia": True})
    assert derived_facts(facts, kb)["referral"] == "emergency"
    assert "referral" not in derived_facts(facts, kb, referral=False)
    assert "referral" not in facts  # the caller's facts are left as they were


def test_the_referral_is_the_most_urgent_flag_that_refers():
    assert referral_of([]) == "none"
    assert referral_of(["monitor"]) == "none"
    assert referral_of(["routine", "monitor", "urgent"]) == "urgent"
    assert referral_of(["urgent", "emergency", "routine"]) == "emergency"


def test_of_two_equally_strong_rules_in_a_group_the_first_counts():
    # sij.site and sij.fortin_finger share the group sij_site with the same strength (origins.yaml).
    found = assess(load_case({"case_format": 2, "patient": {"age": 40, "sex": "female", "side": "left"},
                              "history": {"pain_sites": ["sacroiliac"]}, "exam": {"tests": {"fortin_finger": "positive"}}}))
    sij = next(o for o in found.origins if o.id == "sacroiliac")
    reasons = {r.rule: r for r in sij.because}
    assert reasons["sij.site"].counted and reasons["sij.site"].covered_by is None
    assert not reasons["sij.fortin_finger"].counted and reasons["sij.fortin_finger"].covered_by == "sij.site"
