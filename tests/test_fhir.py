"""FHIR R4 export, validated by fhir.resources (R4B)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from intake import assess, load_case
from intake.fhir import bundle, questionnaire, questionnaire_response, service_requests
from tests.conftest import ROOT, SHARED_CASES

CASES = sorted(SHARED_CASES.glob("*.yaml"))


def items(resource) -> dict[str, dict]:
    """Every question or answer item by linkId, at whatever depth of groups it sits."""
    out = {}
    for item in resource["item"]:
        if "item" in item:
            out.update(items(item))
        else:
            out[item["linkId"]] = item
    return out


def test_questionnaire_covers_every_field_and_validates():
    q = Questionnaire.model_validate_json(questionnaire().model_dump_json())
    links = items(q.model_dump(mode="json"))
    assert "red_flags.saddle_anaesthesia" in links and "exam.tests.faber" in links and "history.pain_sites" in links
    assert links["history.pain_sites"]["repeats"] is True
    assert "patient.name" not in links


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bundle_round_trips_and_keeps_every_red_flag(path):
    case = load_case(path)
    assessment = assess(case)
    text = bundle(case, assessment).model_dump_json(exclude_none=True)
    parsed = Bundle.model_validate_json(text)
    assert parsed.type == "collection"
    data = json.loads(text)
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds[0] == "QuestionnaireResponse"
    referrals = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "ServiceRequest"]
    needing = [f for f in assessment.red_flags if f.urgency != "monitor"]
    assert sorted(r["reasonCode"][0]["coding"][0]["code"] for r in referrals) == sorted(f.id for f in needing)
    raised = [x["valueCoding"]["code"] for x in data["entry"][0]["resource"].get("extension", [])
              if x["url"] == "urn:hip-intake:red-flag"]
    assert raised == [f.id for f in assessment.red_flags]  # every one, monitor-only flags too
    answers = items(data["entry"][0]["resource"])
    for key, value in case.red_flags.model_dump().items():
        if value is None:
            assert f"red_flags.{key}" not in answers  # not asked stays not asked
        else:
            assert answers[f"red_flags.{key}"]["answer"] == [{"valueBoolean": value}]


@pytest.mark.parametrize(("urgency_case", "priority"), [("example-10-cauda-equina-syndrome", "stat"), ("example-12-back-pain-with-cancer-history", "urgent")])
def test_priority_follows_urgency(urgency_case, priority):
    case = load_case(SHARED_CASES / f"{urgency_case}.yaml")
    (request,) = service_requests(case, assess(case))
    assert request.priority == priority


def test_routine_referral_and_monitor_flags():
    case = load_case({"case_format": 1, "patient": {"age": 30}, "red_flags": {"inflammatory_back_pain": True, "osteoporosis": True}})
    assessment = assess(case)
    (request,) = service_requests(case, assessment)
    assert request.priority == "routine"
    assert request.reasonCode[0].coding[0].code == "inflammatory"
    monitored = [f for f in assessment.red_flags if f.urgency == "monitor"]
    assert monitored  # osteoporosis alone is watched, not referred ...
    extensions = questionnaire_response(case, assessment).model_dump(mode="json")["extension"]
    shown = {x["valueCoding"]["code"]: x["valueCoding"]["display"] for x in extensions if x["url"] == "urn:hip-intake:red-flag"}
    assert all(f.id in shown and "(monitor)" in shown[f.id] for f in monitored)  # ... and still in the export


def test_name_never_leaves_in_fhir_and_export_is_deterministic():
    case = load_case({"case_format": 1, "patient": {"age": 30, "name": "Zoë O'Brien"}, "red_flags": {"saddle_anaesthesia": True}})
    first = bundle(case, assess(case)).model_dump_json()
    assert "Zoë" not in first
    assert first == bundle(case, assess(case)).model_dump_json()
    response = questionnaire_response(case).model_dump(mode="json")
    assert "patient.name" not in items(response)


def test_a_filed_records_pseudonym_is_the_subject_never_the_name():
    case = load_case({"case_format": 1, "id": "case-7", "patient": {"age": 30, "name": "Zoë O'Brien"},
                      "red_flags": {"saddle_anaesthesia": True}})
    plain = json.loads(bundle(case, assess(case)).model_dump_json(exclude_none=True))
    assert "subject" not in plain["entry"][0]["resource"]  # unchanged without one
    assert plain["entry"][1]["resource"]["subject"] == {"display": "case-7"}
    text = bundle(case, assess(case), subject="P-7KQ2M9XD").model_dump_json(exclude_none=True)
    Bundle.model_validate_json(text)
    data = json.loads(text)
    assert [e["resource"]["subject"] for e in data["entry"]] == [{"display": "P-7KQ2M9XD"}] * 2
    assert "Zoë" not in text and "O'Brien" not in text


def test_command_line_writes_a_valid_bundle(tmp_path):
    out = tmp_path / "bundle.json"
    result = subprocess.run(
        [sys.executable, "-m", "intake", "fhir", str(SHARED_CASES / "example-11-fracture-after-fall-from-height.yaml"), "-o", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    parsed = Bundle.model_validate_json(out.read_text())
    assert [e.resource.get_resource_type() for e in parsed.entry] == ["QuestionnaireResponse", "ServiceRequest"]
