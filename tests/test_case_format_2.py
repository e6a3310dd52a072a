"""Case format 2 on every path out: the case file, the command line, FHIR, the PDF, the practice library."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from intake import assess, load_case
from intake.fhir import questionnaire, questionnaire_response
from intake.models import V2_FIELDS
from intake.practice import presenting_history, reveal
from reports import Branding, render_summary

ROOT = Path(__file__).resolve().parents[1]
STRESS_FRACTURE = ROOT / "intake" / "cases" / "lib-advanced-31-femoral-neck-stress-fracture-runner.yaml"
UPPER_LUMBAR = ROOT / "intake" / "cases" / "lib-advanced-36-upper-lumbar-root-mimics-hip.yaml"
V2 = {
    "case_format": 2,
    "visit_date": "2026-11-30",
    "patient": {"age": 30, "sex": "female", "language": "pt-BR", "name": "Zoë Ferreira"},
    "history": {"minor_fall": False, "training_load_increase": True, "hip_replacement": False, "eased_sitting": True, "eased_bending_forward": False},
    "red_flags": {"systemically_unwell": False, "low_energy_availability": True, "pulsatile_abdominal_mass": False, "vascular_claudication": False},
    "exam": {"neuro_deficit": True, "neuro_deficit_level": "upper_lumbar",
             "tests": {"hop_test": "negative", "patellar_pubic_percussion": "negative", "aslr": "positive", "fortin_finger": "positive"}},
    "outcomes": [{"measure": "nprs", "answers": {"1": 4, "2": 2, "3": 7}}],
    "handout": {"exercises": [], "personal_note": "See you on Friday."},
}


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_a_version_2_case_round_trips_through_its_case_file():
    case = load_case(V2)
    data = case.to_data()
    assert data["case_format"] == 2 and data["visit_date"] == "2026-11-30"
    assert load_case(json.loads(json.dumps(data))) == case
    assert [f for f in V2_FIELDS if not _has(data, f)] == [], "every version-2 field is written back"


def _has(data: dict, dotted: str) -> bool:
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_the_command_line_validates_and_assesses_version_2(tmp_path):
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(V2))
    run = subprocess.run([sys.executable, "-m", "intake", "validate", str(path)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and "valid case (format version 2)" in run.stdout
    bad = tmp_path / "v1.json"
    bad.write_text(json.dumps({**V2, "case_format": 1}))
    run = subprocess.run([sys.executable, "-m", "intake", "validate", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2 and "visit_date: needs case_format: 2" in run.stderr and "Traceback" not in run.stderr
    out = subprocess.run([sys.executable, "-m", "intake", "assess", str(STRESS_FRACTURE), "--json"], capture_output=True, text=True, cwd=ROOT)
    assessment = json.loads(out.stdout)
    assert assessment["differential_provisional"] is True and assessment["referral"] == "urgent"
    text = subprocess.run([sys.executable, "-m", "intake", "assess", str(STRESS_FRACTURE)], capture_output=True, text=True, cwd=ROOT).stdout
    assert "PROVISIONAL" in text and "Provisional: a red flag decides this visit" in text


def _items(items) -> dict:
    out = {}
    for item in items or []:
        out[item.linkId] = item
        out |= _items(item.item)
    return out


def test_fhir_carries_the_new_questions_with_their_types():
    items = _items(questionnaire().item)
    assert items["exam.neuro_deficit_level"].type == "choice"
    assert {o.valueCoding.code for o in items["exam.neuro_deficit_level"].answerOption} >= {"upper_lumbar", "l5", "s1"}
    assert items["patient.language"].type == "string"
    assert "patient.name" not in items
    assert items["history.minor_fall"].type == "boolean"
    assert items["red_flags.pulsatile_abdominal_mass"].type == "boolean"
    assert items["exam.tests.hop_test"].type == "choice"
    case = load_case(V2)
    response = json.loads(questionnaire_response(case, assess(case)).model_dump_json())
    def leaves(items):
        for i in items:
            yield from leaves(i["item"]) if "item" in i else [i]
    answers = {i["linkId"]: i["answer"] for i in leaves(response["item"])}
    assert answers["patient.language"] == [{"valueString": "pt-BR"}]
    assert [a["valueCoding"]["code"] for a in answers["exam.neuro_deficit_level"]] == ["upper_lumbar"]
    assert [a["valueCoding"]["display"] for a in answers["exam.tests.aslr"]] == ["Positive"]  # SNOMED CT qualifier
    assert answers["history.minor_fall"] == [{"valueBoolean": False}]
    assert response["authored"] == "2026-11-30"
    assert {"url": "urn:hip-intake:differential-provisional", "valueBoolean": False} in response["extension"]
    assert "Zoë" not in json.dumps(response)


def test_the_clinician_summary_prints_the_new_answers_and_marks_a_provisional_differential():
    case = load_case(STRESS_FRACTURE)
    text = _text(render_summary(case, assess(case), branding=Branding()))
    assert "Differential: where the pain most likely comes from (provisional)" in text
    assert "Provisional: a red flag decides this visit" in text
    for label in ("Hop test", "Rapid increase in training load", "Low energy availability", "Minor fall in this episode"):
        assert label in text, label
    assert "30 November 2026" in text, "the visit date is the summary's date"
    routine = load_case(UPPER_LUMBAR)
    text = _text(render_summary(routine, assess(routine), branding=Branding()))
    assert "(provisional)" not in text and "Level of the neurological deficit upper lumbar" in text


def test_the_practice_library_reveals_version_2_answers():
    case = load_case(UPPER_LUMBAR)
    assert reveal(case, "neuro_deficit_level") == "upper_lumbar"
    assert reveal(case, "prone_knee_bend") == "positive"
    stress = load_case(STRESS_FRACTURE)
    assert reveal(stress, "hop_test") == "positive" and reveal(stress, "low_energy_availability") is True
    assert presenting_history(stress)["history"]["training_load_increase"] is True
