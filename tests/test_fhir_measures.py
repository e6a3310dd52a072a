"""FHIR for the outcome measures: Questionnaires whose calculated scores agree with the scorer,
QuestionnaireResponses and score Observations (with the change against the MCID)."""

from __future__ import annotations

import json
import random

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhirpathpy import evaluate
from fhirpathpy.models import models

from intake.engine import assess
from intake.fhir_bundle import bundle
from intake.fhir_measures import CALCULATED, measure_questionnaire, measure_resources
from intake.loader import validate_case
from intake.measures import load_measures, score

MEASURE_IDS = list(load_measures().measures)
ODI = {"measure": "odi", "date": "2026-12-01", "reported_by": "patient",
       "answers": {"1": 2, "2": 0, "3": 3, "4": 1, "5": 2, "6": 3, "7": 1, "8": 0, "9": 2, "10": 1}}


def two_visit_case(*outcomes):
    return validate_case({"case_format": 2, "id": "fu-1", "patient": {"age": 52, "sex": "male", "side": "right"},
                          "outcomes": list(outcomes)})


@pytest.mark.parametrize("measure_id", MEASURE_IDS)
def test_each_measure_is_a_valid_questionnaire_with_its_copyright(measure_id):
    q = measure_questionnaire(measure_id)
    data = json.loads(q.model_dump_json(exclude_none=True))
    assert data["resourceType"] == "Questionnaire" and data["status"] == "active"
    assert load_measures().get(measure_id).licence.attribution in data["copyright"]


def _calculated(q) -> dict[str, str]:
    out = {}
    for item in json.loads(q.model_dump_json(exclude_none=True))["item"]:
        for ext in item.get("extension", []):
            if ext["url"] == CALCULATED:
                out[item["linkId"].removeprefix("score-")] = ext["valueExpression"]["expression"]
    return out


@pytest.mark.parametrize("measure_id", ["nprs", "lefs", "hoos12", "odi"])
def test_calculated_expressions_agree_with_the_scorer(measure_id):
    m = load_measures().get(measure_id)
    expressions = _calculated(measure_questionnaire(measure_id))
    assert expressions, "these measures' scores can be said in FHIRPath"
    rng = random.Random(14)
    for _ in range(40):
        answers = {i.id: rng.randint(*m.item_range(i.id)) for i in m.items if rng.random() > 0.15}
        qr = {"resourceType": "QuestionnaireResponse", "status": "completed",
              "item": [{"linkId": k, "answer": [{"valueInteger": v}]} for k, v in answers.items()]}
        expected = score(measure_id, answers)
        for score_id, expression in expressions.items():
            got = evaluate(qr, expression, {"resource": qr}, model=models["r4"])
            if score_id in expected["scores"]:
                # FHIRPath's round() is half-up, as the scorer rounds; fhirpathpy rounds an exact half
                # to even (31.25 -> 31.2 against 31.3), so allow one unit in the last place and no more.
                places = m.score_rule(score_id).round or 0
                assert len(got) == 1, (score_id, answers)
                assert abs(float(got[0]) - expected["scores"][score_id]) <= 10 ** -places + 1e-9, (score_id, answers)
            else:
                assert got == [], (score_id, answers)  # not scored by the rule: empty, never a guess


def test_a_score_that_fhirpath_cannot_say_simply_has_no_calculated_expression():
    assert "score" not in _calculated(measure_questionnaire("hoos_ps"))  # a lookup table
    assert "risk" not in _calculated(measure_questionnaire("start_back"))  # a category


def test_bundle_holds_the_measure_response_and_score_observation():
    case = two_visit_case(ODI)
    data = json.loads(bundle(case, assess(case), subject="P-TEST0001").model_dump_json(exclude_none=True))
    Bundle.model_validate(data)
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds.count("QuestionnaireResponse") == 2 and kinds.count("Observation") == 1
    qr = next(e["resource"] for e in data["entry"] if e["resource"].get("questionnaire", "").endswith(":odi"))
    assert qr["source"]["display"].startswith("the patient")
    assert {i["linkId"]: i["answer"][0]["valueInteger"] for i in qr["item"]} == ODI["answers"]
    obs = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation")
    assert obs["valueQuantity"]["value"] == 30 and obs["derivedFrom"][0]["reference"] == f"urn:uuid:{qr['id']}"
    main_response = next(e["resource"] for e in data["entry"] if e["resource"].get("questionnaire", "").find(":odi") < 0
                         and e["resource"]["resourceType"] == "QuestionnaireResponse")
    assert obs["subject"] == qr["subject"] == main_response["subject"]  # one patient, named one way, in the bundle
    assert obs["subject"]["display"] == "P-TEST0001" and "component" not in obs
    # LOINC's own code for the ODI score (97909-6, checked on its LOINC term page), then the project's
    assert [c["code"] for c in obs["code"]["coding"]] == ["97909-6", "odi.percent"]
    assert obs["code"]["coding"][0]["system"] == "http://loinc.org"


def test_follow_up_observation_carries_the_change_against_the_mcid():
    case = two_visit_case(ODI)
    (_, obs) = measure_resources(case, assess(case), previous={"odi": {"percent": 44}})
    components = {c.code.text: c for c in obs.component}
    assert components["Change since the previous visit"].valueQuantity.value == -14
    assert components["Minimal clinically important difference"].valueQuantity.value == 10
    assert components["Change against the MCID"].valueString == "improved"
    assert any("MCID of 10" in n.text for n in obs.note)


def test_an_unanswered_item_has_no_answer_item():
    partial = {"measure": "odi", "answers": {"1": 2, "3": 1}}
    case = two_visit_case(partial)
    qr, *observations = measure_resources(case, assess(case))
    assert [i.linkId for i in qr.item] == ["1", "3"]
    assert observations == []  # not scored: no score Observation
