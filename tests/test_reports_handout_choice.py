"""The handout holds what the practitioner chose: the default follows the findings, a withheld item can
never be chosen (on screen, in the PDF or from the command line), doses and personal lines print as typed."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from intake import assess, load_case
from intake.knowledge import load_knowledge
from intake.models import Case
from reports import Branding, render_handout
from reports.content import HandoutChoiceError, check_handout_choice, handout_choices

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "cases"
L5 = SHARED / "example-04-l5-radiculopathy.yaml"
GLUTEAL = SHARED / "example-03-gluteal-tendinopathy.yaml"
KB = load_knowledge()
NEUTRAL = Branding()


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _anticoagulated() -> Case:
    data = load_case(GLUTEAL).to_data()
    data["red_flags"]["anticoagulant_use"] = True
    return Case.model_validate(data)


def test_no_repeated_movements_by_default_when_centralisation_tested_negative():
    case = load_case(L5)
    assert case.exam.tests.centralisation == "negative"
    a = assess(case)
    [directional] = [c for c in handout_choices(case, a, KB) if c.id == "directional_exercise"]
    assert not directional.chosen and directional.withheld_reason is None and "centralise" in directional.not_chosen_reason
    title = KB.therapies["directional_exercise"].self_care.title
    assert title not in _text(render_handout(case, a, branding=NEUTRAL))
    chosen = _text(render_handout(case, a, branding=NEUTRAL, self_care=["directional_exercise"]))  # still choosable
    assert title in chosen


def test_a_withheld_item_is_never_choosable_and_never_printed():
    case = _anticoagulated()
    a = assess(case)
    [floor] = [c for c in handout_choices(case, a, KB) if c.id == "ball_release_floor"]
    assert floor.withheld_reason and not floor.chosen
    every = [c.id for c in handout_choices(case, a, KB)]
    text = _text(render_handout(case, a, branding=NEUTRAL, self_care=every))
    assert KB.therapies["ball_release_floor"].self_care.title not in text
    with pytest.raises(HandoutChoiceError, match="'ball_release_floor' is withheld"):
        check_handout_choice(handout_choices(case, a, KB), ["ball_release_floor"], KB)


def test_only_the_chosen_items_with_the_dose_and_lines_as_typed():
    case = load_case(GLUTEAL)
    a = assess(case)
    text = _text(render_handout(case, a, branding=NEUTRAL, self_care=["hip_abductor_strengthening"],
                                doses={"hip_abductor_strengthening": "8 slow lifts, twice a day for two weeks"},
                                personal_note="Keep the walks to the park flat for now.",
                                next_appointment="Tuesday 8 December, 10:30", contact="Call Jo on 01234 567890"))
    assert KB.therapies["hip_abductor_strengthening"].self_care.title in text
    for other in ("tendon_load_advice", "heat_or_cold"):
        assert KB.therapies[other].self_care.title not in text
    for typed in ("8 slow lifts, twice a day for two weeks", "Keep the walks to the park flat for now.",
                  "Tuesday 8 December, 10:30", "Call Jo on 01234 567890"):
        assert typed in text, typed


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "intake", *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_command_line_prints_the_chosen_exercises_and_refuses_bad_ids_by_name(tmp_path):
    out = tmp_path / "h.pdf"
    result = _cli("handout", str(GLUTEAL), "-o", str(out), "--exercises", "heat_or_cold,tendon_load_advice")
    assert result.returncode == 0, result.stderr
    text = _text(out.read_bytes())
    assert KB.therapies["heat_or_cold"].self_care.title in text
    assert KB.therapies["hip_abductor_strengthening"].self_care.title not in text
    result = _cli("handout", str(GLUTEAL), "-o", str(tmp_path / "x.pdf"), "--exercises", "heat_or_cold,moonwalking")
    assert result.returncode == 2 and "'moonwalking' is not an exercise" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.pdf").exists()
    case = tmp_path / "anticoagulated.yaml"
    case.write_text(yaml.safe_dump(_anticoagulated().to_data()))
    result = _cli("handout", str(case), "-o", str(tmp_path / "y.pdf"), "--exercises", "ball_release_floor")
    assert result.returncode == 2 and "'ball_release_floor' is withheld for this patient" in result.stderr


def _with_plan(case: Case, **plan) -> Case:
    data = case.to_data()
    data["case_format"] = 2
    data["handout"] = plan
    return Case.model_validate(data)


def test_the_choice_kept_with_the_case_is_what_the_handout_prints():
    case = _with_plan(load_case(GLUTEAL), exercises=["heat_or_cold"], doses={"heat_or_cold": "Ten minutes, at night"},
                      personal_note="See you soon.", contact="Call Jo on 01234 567890")
    a = assess(case)
    text = _text(render_handout(case, a, branding=NEUTRAL))
    assert KB.therapies["heat_or_cold"].self_care.title in text
    assert KB.therapies["hip_abductor_strengthening"].self_care.title not in text
    for typed in ("Ten minutes, at night", "See you soon.", "Call Jo on 01234 567890"):
        assert typed in text, typed
    # what is given explicitly (the screen's current choice, --exercises) wins over what the case keeps
    text = _text(render_handout(case, a, branding=NEUTRAL, self_care=["hip_abductor_strengthening"]))
    assert KB.therapies["hip_abductor_strengthening"].self_care.title in text
    assert KB.therapies["heat_or_cold"].self_care.title not in text
    assert assess(case).model_dump() == assess(load_case(GLUTEAL)).model_dump()  # the engine never reads it


def test_a_kept_choice_never_prints_a_withheld_item():
    case = _with_plan(_anticoagulated(), exercises=["ball_release_floor", "heat_or_cold"])
    text = _text(render_handout(case, assess(case), branding=NEUTRAL))
    assert KB.therapies["ball_release_floor"].self_care.title not in text
    assert KB.therapies["heat_or_cold"].self_care.title in text


def test_the_handout_choice_is_a_version_2_field_checked_by_name():
    from intake.loader import CaseError, validate_case

    data = load_case(GLUTEAL).to_data()
    data["case_format"] = 1
    data["handout"] = {"personal_note": "hello"}
    with pytest.raises(CaseError, match="handout: needs case_format: 2"):
        validate_case(data)
    data["case_format"] = 2
    data["handout"] = {"personal_note": "x" * 501}
    with pytest.raises(CaseError, match=r"handout\.personal_note"):
        validate_case(data)
    data["handout"] = {"colour": "red"}
    with pytest.raises(CaseError, match=r"handout\.colour"):
        validate_case(data)


def test_command_line_prints_the_case_files_own_choice_and_refuses_a_bad_one_by_name(tmp_path):
    case = tmp_path / "chosen.yaml"
    case.write_text(yaml.safe_dump(_with_plan(load_case(GLUTEAL), exercises=["heat_or_cold"],
                                              next_appointment="Friday at 9").to_data()))
    out = tmp_path / "h.pdf"
    result = _cli("handout", str(case), "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = _text(out.read_bytes())
    assert KB.therapies["heat_or_cold"].self_care.title in text and "Friday at 9" in text
    assert KB.therapies["hip_abductor_strengthening"].self_care.title not in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_with_plan(load_case(GLUTEAL), exercises=["moonwalking"]).to_data()))
    result = _cli("handout", str(bad), "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 2 and "handout.exercises: 'moonwalking' is not an exercise" in result.stderr
    assert not (tmp_path / "x.pdf").exists()
