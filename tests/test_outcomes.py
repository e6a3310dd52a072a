"""Case format 2 `outcomes`: validated against each item's range, scored into the assessment."""

from __future__ import annotations

import pytest

from intake.cli import render_text
from intake.engine import assess
from intake.loader import CaseError, validate_case

ODI = {"measure": "odi", "date": "2026-11-30",
       "answers": {"1": 2, "2": 0, "3": 3, "4": 1, "5": 2, "6": 3, "7": 1, "8": 0, "9": 2, "10": 1}}
PSFS = {"measure": "psfs", "activities": ["walking the dog", "gardening", "getting out of a car"],
        "answers": {"1": 4, "2": 6, "3": 3}}
START_HIGH = {"measure": "start_back", "answers": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1, "6": 1, "7": 1, "8": 0, "9": 4}}


def case(*outcomes, version=2):
    return {"case_format": version, "patient": {"age": 48, "sex": "female", "side": "left"}, "outcomes": list(outcomes)}


def test_assessment_outcomes_have_the_contract_keys():
    assessment = assess(validate_case(case(ODI, PSFS)))
    odi, psfs = (o.model_dump(mode="json") for o in assessment.outcomes)
    assert {"measure", "date", "scores", "valid", "interpretation"} <= set(odi)
    assert odi["measure"] == "odi" and odi["date"] == "2026-11-30" and odi["scores"] == {"percent": 30}
    assert psfs["scores"] == {"average": 4.3} and psfs["valid"] is True


def test_start_back_risk_informs_the_plan_with_its_source():
    assessment = assess(validate_case(case(START_HIGH)))
    (start,) = assessment.outcomes
    assert start.scores["risk"] == "high"
    assert "psychologically informed physiotherapy" in start.plan["text"]
    assert "Hill 2011" in start.plan["citations"]
    text = render_text(validate_case(case(START_HIGH)), assessment)
    assert "psychologically informed physiotherapy" in text and "Hill 2011" in text
    assert "Keele University" in text  # the attribution the licence requires


def test_an_answer_code_out_of_range_is_refused_naming_measure_and_item():
    bad = {**ODI, "answers": {**ODI["answers"], "4": 7}}
    with pytest.raises(CaseError) as info:
        validate_case(case(bad))
    assert [str(p) for p in info.value.problems] == ["outcomes[0]: odi item '4': 7 is out of range 0-5"]


def test_an_unknown_measure_is_refused():
    with pytest.raises(CaseError) as info:
        validate_case(case({"measure": "womac", "answers": {}}))
    assert info.value.problems[0].field == "outcomes[0].measure"


def test_version_1_may_not_carry_outcomes():
    with pytest.raises(CaseError, match="outcomes: needs case_format: 2"):
        validate_case(case(ODI, version=1))


def test_an_unscored_measure_is_shown_as_such():
    partial = {"measure": "odi", "answers": {"1": 2, "2": 1}}
    (odi,) = assess(validate_case(case(partial))).outcomes
    assert odi.valid is False and odi.scores == {}
    assert "not scored" in odi.interpretation


def test_outcomes_change_nothing_in_the_reasoning():
    plain = assess(validate_case({"case_format": 1, "patient": {"age": 48, "sex": "female", "side": "left"}}))
    with_outcomes = assess(validate_case(case(ODI, START_HIGH)))
    assert plain.model_dump(exclude={"outcomes"}) == with_outcomes.model_dump(exclude={"outcomes"})


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_the_clinician_summary_prints_each_measure_the_change_against_the_mcid_and_the_attribution():
    import reports

    patient_odi = {**ODI, "reported_by": "patient"}
    c = validate_case(case(patient_odi, START_HIGH))
    text = pdf_text(reports.render_summary(c, assess(c), date="1 December 2026", previous_outcomes={"odi": {"percent": 44}}))
    assert "Outcome measures" in text
    assert "ODI 2.1a disability 30%: moderate disability (2026-11-30 · patient-reported)" in text
    assert "44% → 30% (-14 points; better by at least the MCID of 10)" in text
    assert "psychologically informed physiotherapy" in text and "Hill 2011" in text
    assert "Mapi Research Trust" in text and "Keele University" in text


def test_a_summary_without_measures_has_no_outcome_section():
    import reports

    c = validate_case({"case_format": 1, "patient": {"age": 48}})
    assert "Outcome measures" not in pdf_text(reports.render_summary(c, assess(c), date="1 December 2026"))


def test_patient_language_is_a_version_2_field():
    assert validate_case({"case_format": 2, "patient": {"age": 40, "language": "es-MX"}}).patient.language == "es-MX"
    with pytest.raises(CaseError, match=r"patient\.language: needs case_format: 2"):
        validate_case({"case_format": 1, "patient": {"age": 40, "language": "es"}})
    with pytest.raises(CaseError) as info:
        validate_case({"case_format": 2, "patient": {"age": 40, "language": "not a tag"}})
    assert info.value.problems[0].field == "patient.language"


def test_outcome_tokens_round_trip_and_the_service_audit_counts_changes_against_the_mcid():
    from intake.outcome_tracking import outcome_text, outcome_tokens, parse_tokens, service_audit

    first = assess(validate_case(case({"measure": "odi", "answers": {str(n): 4 for n in range(1, 11)}}, START_HIGH)))
    tokens = outcome_tokens(first.model_dump(mode="json"))
    assert parse_tokens(tokens) == {"odi": {"percent": 80}, "start_back": {"total": 4, "psychosocial": 4, "risk": "high"}}
    assert outcome_text(tokens).startswith("ODI 2.1a percent 80; STarT Back total 4")
    rows = [("P-A", 1, "odi.percent=80"), ("P-B", 1, "odi.percent=40"), ("P-A", 2, "odi.percent=30"),
            ("P-B", 2, "odi.percent=36"), ("P-C", 1, "odi.percent=50")]  # P-C has one visit only
    [odi] = service_audit(rows)
    assert (odi["patients"], odi["mean_first"], odi["mean_latest"], odi["mean_change"]) == (2, 60.0, 33.0, -27.0)
    assert (odi["improved_by_mcid"], odi["worse_by_mcid"], odi["mcid"]) == (1, 0, 10)
