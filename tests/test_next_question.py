"""The next best question: the expected-information identity against `assess`, order, emergencies."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from intake import assess, load_knowledge, load_vignette, validate_case
from intake.answers import answer_in, with_answer
from intake.engine import assess_facts
from intake.facts import LIST_FIELDS, case_facts
from intake.knowledge import KNOWLEDGE_DIR
from intake.next_question import entropy, kind_of, sn_sp_from_lrs
from tests.conftest import ROOT, SHARED_CASES, vignette_paths

EXAMINATION = {"exam", "test"}


def without_tests(path):
    case, _ = load_vignette(path)
    data = case.to_data()
    data.get("exam", {}).pop("tests", None)
    return validate_case(data)


def fully_screened(case):
    """The case with the version-2 red-flag questions answered no too, so no screening question is left."""
    data = case.to_data()
    data["case_format"] = 2
    for key in ("systemically_unwell", "low_energy_availability", "pulsatile_abdominal_mass", "vascular_claudication"):
        data["red_flags"].setdefault(key, False)
    return validate_case(data)


def entropy_of(facts, kb):
    return entropy(o.probability for o in assess_facts(facts, kb, next_questions=False).origins)


def branch_facts(case, key, answer):
    """The facts with one answer added: through a real case wherever a case can hold it."""
    field, _, value = key.partition(".")
    if value and field in LIST_FIELDS and answer_in(case.to_data(), key) is None:
        # A list never filled in: the value is asked on its own and the rest stay not asked.
        facts = case_facts(case)
        facts[key] = answer
        return facts
    return case_facts(validate_case(with_answer(case.to_data(), key, answer)))


def check_identity(case, question, kb):
    """EI = H(now) - [p H(if positive) + (1 - p) H(if negative)], each H from an assessment."""
    h_now = entropy_of(case_facts(case), kb)
    h_pos = entropy_of(branch_facts(case, question.key, question.positive), kb)
    h_neg = entropy_of(branch_facts(case, question.key, question.negative), kb)
    p = question.p_positive
    expected = 0.0 if p is None else h_now - (p * h_pos + (1 - p) * h_neg)
    assert question.expected_information == pytest.approx(expected, abs=2e-4), question.key
    if p is None:
        assert h_pos == pytest.approx(h_now) and h_neg == pytest.approx(h_now), question.key


@pytest.mark.parametrize("path", vignette_paths(), ids=lambda p: p.stem)
def test_top_suggestion_matches_both_assessed_answers(path, kb):
    case = without_tests(path)
    questions = assess(case, kb).next_questions
    ranked = [q for q in questions if q.kind != "red_flag"]
    for question in questions[:1] + ranked[:3]:
        check_identity(case, question, kb)


def test_every_suggestion_matches_on_a_sparse_case(kb):
    """Lists never filled in, numbers and values too: every candidate, both answers assessed."""
    case = validate_case({"case_format": 1, "patient": {"age": 58}, "history": {"back_pain": True}})
    questions = assess(case, kb).next_questions
    kinds = {q.kind for q in questions}
    assert kinds == {"red_flag", "history", "exam", "test"}
    assert any(q.key == "hip_internal_rotation_deg" for q in questions)
    assert any(q.key == "onset" for q in questions)
    assert any(q.key.startswith("pain_sites.") for q in questions)
    for question in questions:
        check_identity(case, question, kb)


def test_red_flag_questions_come_first_then_by_information(kb):
    case = validate_case({"case_format": 1, "patient": {"age": 40, "sex": "male"},
                          "red_flags": {"saddle_anaesthesia": False}})
    questions = assess(case, kb).next_questions
    kinds = [q.kind for q in questions]
    first_other = next(n for n, kind in enumerate(kinds) if kind != "red_flag")
    assert set(kinds[:first_other]) == {"red_flag"}
    assert "red_flag" not in kinds[first_other:]
    keys = [q.key for q in questions]
    assert "saddle_anaesthesia" not in keys  # asked
    assert "pregnant" not in keys  # does not apply to this patient
    rest = [q.expected_information for q in questions[first_other:]]
    assert rest == sorted(rest, reverse=True)
    assert rest[0] > 0.1


@pytest.mark.parametrize("name", ["example-10-cauda-equina-syndrome", "example-11-fracture-after-fall-from-height"])
def test_an_emergency_proposes_no_examination(name, kb):
    case = without_tests(SHARED_CASES / f"{name}.yaml")
    assessment = assess(case, kb)
    assert assessment.referral == "emergency"
    assert {q.kind for q in assessment.next_questions} <= {"red_flag"}


def test_an_emergency_still_lists_the_unasked_screening():
    case = validate_case({"case_format": 1, "patient": {"age": 50}, "red_flags": {"saddle_anaesthesia": True}})
    questions = assess(case).next_questions
    assert questions and all(q.kind == "red_flag" for q in questions)
    assert "bladder_dysfunction" in [q.key for q in questions]


def test_sensitivity_and_specificity_reproduce_the_likelihood_ratio_pair():
    sn, sp = sn_sp_from_lrs(4.9, 0.19)
    assert sn / (1 - sp) == pytest.approx(4.9) and (1 - sn) / sp == pytest.approx(0.19)
    sn, sp = sn_sp_from_lrs(0.5, 1.8)  # an answer that argues against
    assert sn / (1 - sp) == pytest.approx(0.5) and (1 - sn) / sp == pytest.approx(1.8)
    sn, sp = sn_sp_from_lrs(2.0, 1.0)  # one side only (a clinical rule x2): taken as balanced
    assert sn == sp == pytest.approx(2 / 3)
    sn, sp = sn_sp_from_lrs(1.0, 0.25)
    assert sn == sp and (1 - sn) / sp == pytest.approx(0.25)


def test_p_positive_from_one_test_is_the_predictive_probability(kb):
    """Trendelenburg moves only lateral hip: p = P(lat) Sn + (1 - P(lat)) (1 - Sp)."""
    case = validate_case({"case_format": 1, "patient": {"age": 50}, "history": {"pain_sites": ["lateral_hip"]}})
    assessment = assess(case, kb)
    question = next(q for q in assessment.next_questions if q.key == "trendelenburg")
    lateral = next(o.probability for o in assessment.origins if o.id == "lateral_hip")
    movers = [o.id for o in assessment.origins if any("trendelenburg" in kb.rule_keys[r.id] for r in kb.origins[o.id].rules)]
    assert movers == ["lateral_hip"]  # read by the lateral-hip rules alone (one LR pair)
    sn, sp = sn_sp_from_lrs(6.83, 0.25)
    assert question.p_positive == pytest.approx(lateral * sn + (1 - lateral) * (1 - sp), abs=1e-4)
    assert question.settles[0] == "lateral_hip"
    assert "lateral hip" in question.phrase


def test_answered_findings_are_not_proposed(kb):
    path = SHARED_CASES / "example-04-l5-radiculopathy.yaml"
    case, _ = load_vignette(path)
    facts = case_facts(case)
    for question in assess(case, kb).next_questions:
        assert facts[question.key] is None


def test_kinds_follow_the_case_sections():
    assert kind_of("slump") == "test"
    assert kind_of("saddle_anaesthesia") == "red_flag"
    assert kind_of("hip_internal_rotation_deg") == "exam"
    assert kind_of("tender_muscles.piriformis") == "exam"
    assert kind_of("pain_sites.groin") == "history"
    assert kind_of("limp") == "history"


def test_the_json_carries_next_questions():
    case = fully_screened(without_tests(SHARED_CASES / "example-03-gluteal-tendinopathy.yaml"))
    data = assess(case).model_dump(mode="json")
    first = data["next_questions"][0]
    assert {"key", "label", "kind", "p_positive", "expected_information"} <= set(first)
    assert first["key"] in {"resisted_external_derotation", "single_leg_stance_30s"}
    assert isinstance(first["expected_information"], float) and first["expected_information"] > 0.3


def test_a_new_rule_in_the_knowledge_base_is_picked_up_with_no_code_change(tmp_path):
    """A rule added to origins.yaml makes the finding it reads a candidate, with a figure."""
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, folder)
    origins = yaml.safe_load((folder / "origins.yaml").read_text(encoding="utf-8"))
    hip = next(o for o in origins["origins"] if o.get("id") == "hip_joint")
    hip["rules"].append({"id": "hip.thomas_test_example", "summary": "Thomas test positive", "when": {"present": "thomas"},
                         "lr": 3.0, "evidence": "likelihood_ratio", "sources": ["kb_conventions"]})
    (folder / "origins.yaml").write_text(yaml.safe_dump(origins, sort_keys=False), encoding="utf-8")
    kb = load_knowledge(folder)
    case = validate_case({"case_format": 1, "patient": {"age": 60}, "history": {"pain_sites": ["groin"]}})
    before = next(q for q in assess(case).next_questions if q.key == "thomas")
    after = next(q for q in assess(case, kb).next_questions if q.key == "thomas")
    assert before.p_positive is None and before.expected_information == 0
    assert after.p_positive is not None and after.expected_information > 0.01
    check_identity(case, after, kb)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_command_line_next_prints_the_ranked_list_and_json(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(fully_screened(without_tests(SHARED_CASES / "example-03-gluteal-tendinopathy.yaml")).to_data()),
                    encoding="utf-8")
    text = run("-m", "intake", "next", str(path))
    assert text.returncode == 0, text.stderr
    first = text.stdout.splitlines()[1]
    assert first.startswith("  1. [test]") and "bits" in first and "lateral hip" in first
    assert "not a diagnosis" in text.stdout
    data = json.loads(run("-m", "intake", "next", str(path), "--json").stdout)
    assert data == assess(validate_case(yaml.safe_load(path.read_text(encoding="utf-8")))).model_dump(mode="json")["next_questions"]


def test_command_line_next_in_an_emergency_proposes_no_examination():
    result = run("-m", "intake", "next", str(SHARED_CASES / "example-10-cauda-equina-syndrome.yaml"))
    assert result.returncode == 0
    assert result.stdout.startswith("Referral: EMERGENCY\nA red flag decides this visit: refer now. Examination can wait; "
                                     "only the red-flag questions still unasked are shown.\n")
    assert "[test]" not in result.stdout and "[exam]" not in result.stdout


def test_the_benchmark_runs_in_smoke_mode():
    result = run("bench/bench_next.py", "--smoke")
    assert result.returncode == 0, result.stderr
    assert "ms per case" in result.stdout
