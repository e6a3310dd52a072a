"""What if: answers changed on a copy, assessed again, compared; the recorded case never changes."""

from __future__ import annotations

import pytest

from intake import assess, load_vignette
from intake.answers import answer_in, case_path, with_answer
from intake.loader import CaseError
from intake.what_if import compare, what_if_case
from tests.conftest import SHARED_CASES

HIP_OA = SHARED_CASES / "example-01-hip-osteoarthritis.yaml"


def case_of(path=HIP_OA):
    return load_vignette(path)[0]


def test_a_positive_test_moves_the_differential_and_leaves_the_record_alone(kb):
    case = case_of()
    before = case.to_data()
    comparison = compare(case, {"resisted_external_derotation": True}, kb)
    assert case.to_data() == before
    lateral = {o: (b, a) for o, b, a in comparison.origins_moved}["lateral_hip"]
    assert lateral[1] > lateral[0] + 0.2
    assert comparison.case.exam.tests.resisted_external_derotation == "positive"
    assert comparison.recorded.model_dump() == assess(case, kb).model_dump()
    assert comparison.any_change


def test_a_red_flag_answered_yes_raises_it_changes_the_referral_and_withholds(kb):
    comparison = compare(case_of(), {"saddle_anaesthesia": True}, kb)
    assert "cauda_equina" in comparison.red_flags_raised
    assert comparison.referral == ("none", "emergency")
    assert comparison.therapies_withheld  # hands-on treatment is withheld in an emergency
    assert not any(q.kind in ("exam", "test") for q in comparison.changed.next_questions)


def test_taking_a_recorded_red_flag_back_shows_it_cleared_only_in_the_what_if(kb):
    case = case_of(SHARED_CASES / "example-10-cauda-equina-syndrome.yaml")
    flagged = [k for k, v in case.to_data()["red_flags"].items() if v is True]
    comparison = compare(case, dict.fromkeys(flagged), kb)
    assert "cauda_equina" in comparison.red_flags_cleared
    assert any(f.id == "cauda_equina" for f in comparison.recorded.red_flags)  # the record keeps it
    assert any(f.id == "cauda_equina" for f in assess(case, kb).red_flags)


def test_list_values_and_not_asked(kb):
    data = case_of().to_data()
    assert "groin" in data["history"]["pain_sites"]
    without = with_answer(data, "pain_sites.groin", False)
    assert "groin" not in without["history"]["pain_sites"] and answer_in(without, "pain_sites.groin") is False
    again = with_answer(without, "pain_sites.groin", True)
    assert "groin" in again["history"]["pain_sites"]
    unasked = with_answer(data, "limp", None)
    assert "limp" not in unasked["history"] and answer_in(unasked, "limp") is None
    assert case_path("tender_muscles.piriformis") == "exam.tender_muscles"
    assert case_path("slump") == "exam.tests.slump"


def test_an_impossible_answer_is_refused_with_the_field_named():
    with pytest.raises(CaseError, match="hip_internal_rotation_deg"):
        what_if_case(case_of(), {"hip_internal_rotation_deg": 200})


def test_a_filed_record_keeps_the_reasoning_but_not_the_live_next_questions(store):
    case = case_of()
    assessment = assess(case)
    assert assessment.next_questions
    filed = store.records.file(store.principal, case, assessment)
    assert "next_questions" not in filed.assessment_data
    assert filed.assessment().origins == assessment.origins
