"""The wizard asks the version-2 questions in their clinical steps, with Not asked / No / Yes, and writes version 2."""

from __future__ import annotations

import datetime as dt

from test_app_support import goto, new_app, texts

from intake.ui.evaluation import build_case_data

BLANK = {"patient": {"age": 30, "sex": "female"}, "history": {}, "red_flags": {}, "exam": {"tests": {}}}


def fresh(age: int = 30):
    return new_app(answers={**BLANK, "patient": {"age": age, "sex": "female"}})


def test_each_new_question_sits_in_its_step_as_not_asked_first():
    steps = {
        "red_flags": ["red_flags.systemically_unwell", "red_flags.low_energy_availability"],
        "history": ["history.minor_fall", "history.training_load_increase", "history.hip_replacement",
                    "history.eased_sitting", "history.eased_bending_forward"],
        "hip": ["exam.tests.hop_test", "exam.tests.patellar_pubic_percussion"],
        "spine": ["exam.tests.aslr", "exam.tests.fortin_finger"],
    }
    for step, paths in steps.items():
        at = goto(fresh(), step)
        controls = {w.key: w for w in at.segmented_control}
        for path in paths:
            widget = controls[f"w:{path}"]
            assert widget.value in ("unasked", "untested"), path
    older = goto(fresh(age=70), "red_flags")
    assert {"w:red_flags.pulsatile_abdominal_mass", "w:red_flags.vascular_claudication"} <= {w.key for w in older.segmented_control}


def test_a_new_answer_is_stored_and_reaches_the_reasoning():
    at = goto(fresh(age=22), "history")
    at.segmented_control(key="w:history.training_load_increase").set_value("yes").run()
    at = goto(at, "hip")
    at.segmented_control(key="w:exam.tests.hop_test").set_value("positive").run()
    answers = at.session_state["answers"]
    assert answers["history"]["training_load_increase"] is True and answers["exam"]["tests"]["hop_test"] == "positive"
    at = goto(at, "review")
    shown = texts(at)
    assert "Possible fracture" in shown and "(provisional)" in shown
    assert "Provisional: a red flag decides this visit" in shown
    assert "provisional" in "\n".join(str(m.value) for m in at.sidebar.markdown)


def test_the_deficit_level_is_refused_without_a_deficit_and_says_so():
    at = goto(new_app(answers={**BLANK, "exam": {"neuro_deficit_level": "upper_lumbar", "tests": {}}}), "spine")
    assert any("given only with neuro_deficit: true" in e.value for e in at.error)


def test_the_visit_date_is_empty_until_given_then_written_to_the_case():
    at = fresh()
    widget = at.date_input(key="w:visit_date")
    assert widget.value is None
    assert "visit_date" not in build_case_data(at.session_state["answers"])
    widget.set_value(dt.date(2026, 11, 30)).run()
    data = build_case_data(at.session_state["answers"])
    assert data["visit_date"] == "2026-11-30" and data["case_format"] == 2
    assert not at.exception
