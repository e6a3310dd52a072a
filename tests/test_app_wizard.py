"""AppTest: every step, back and forward, validation, the red-flag banner."""

from __future__ import annotations

import pytest
from test_app_support import EMERGENCY_CASE, answers_of, chart_svg, goto, new_app, shaded, texts

from intake.models import RED_FLAG_KEYS
from intake.ui.state import STEP_TITLES, STEPS


def test_first_screen_is_step_one_with_consent_and_disclaimer():
    at = new_app()
    assert not at.exception
    assert at.header[0].value == STEP_TITLES["patient"]
    assert at.checkbox(key="w::consent").value is False
    shown = texts(at)
    assert "Reasoning aid, not a diagnosis" in shown
    assert f"Step 1 of {len(STEPS)}" in at.get("progress")[0].proto.text


@pytest.mark.parametrize("step", STEPS)
def test_every_step_renders_with_a_case(step):
    at = new_app(answers=answers_of("example-01-hip-osteoarthritis.yaml"))
    at = goto(at, step)
    assert not at.exception
    assert at.header[0].value == STEP_TITLES[step]
    assert at.session_state["step"] == step
    # the live panel is on every step
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    assert "Leading origins" in sidebar
    assert any("Hip joint" in p.proto.text or "hip" in p.proto.text.lower() for p in at.sidebar.get("progress"))


def test_every_step_renders_empty():
    at = new_app()
    for step in STEPS:
        at = goto(at, step)
        assert not at.exception, step
        assert at.header[0].value == STEP_TITLES[step]


def test_next_and_back_walk_the_steps_in_order_and_keep_answers():
    at = new_app()
    at.number_input(key="w:patient.age").set_value(58).run()
    at.segmented_control(key="w:patient.sex").set_value("female").run()
    for expected in STEPS[1:]:
        at.button(key="nav:next").click().run()
        assert at.session_state["step"] == expected
    assert not [b for b in at.button if b.key == "nav:next"]
    at = goto(at, "red_flags")
    at.segmented_control(key="w:red_flags.fever_or_unwell").set_value("no").run()
    at.button(key="nav:back").click().run()
    assert at.session_state["step"] == "patient"
    # widgets that were not drawn on the other steps come back with their answers
    assert at.number_input(key="w:patient.age").value == 58
    assert at.segmented_control(key="w:patient.sex").value == "female"
    at.button(key="nav:next").click().run()
    assert at.segmented_control(key="w:red_flags.fever_or_unwell").value == "no"
    assert at.session_state["answers"]["red_flags"] == {"fever_or_unwell": False}


def test_not_asked_is_distinct_from_no():
    at = new_app()
    at = goto(at, "red_flags")
    key = "w:red_flags.saddle_anaesthesia"
    assert at.segmented_control(key=key).value == "unasked"
    at.segmented_control(key=key).set_value("no").run()
    assert at.session_state["answers"]["red_flags"]["saddle_anaesthesia"] is False
    at.segmented_control(key=key).set_value("unasked").run()
    assert "saddle_anaesthesia" not in at.session_state["answers"]["red_flags"]
    # clicking the selected option again (no selection) is read as not asked, and shown so
    at.segmented_control(key=key).set_value("yes").run()
    at.segmented_control(key=key).set_value(None).run()
    assert "saddle_anaesthesia" not in at.session_state["answers"]["red_flags"]
    assert at.segmented_control(key=key).value == "unasked"


def test_test_results_are_tri_state():
    at = new_app()
    at = goto(at, "hip")
    at.segmented_control(key="w:exam.tests.faber").set_value("positive").run()
    at.segmented_control(key="w:exam.tests.scour").set_value("negative").run()
    assert at.session_state["answers"]["exam"]["tests"] == {"faber": "positive", "scour": "negative"}
    at.segmented_control(key="w:exam.tests.faber").set_value("untested").run()
    assert at.session_state["answers"]["exam"]["tests"] == {"scour": "negative"}


def test_validation_messages_sit_next_to_the_field_and_keep_the_value():
    at = new_app()
    at.number_input(key="w:patient.age").set_value(150).run()
    errors = [e.value for e in at.error]
    assert any("150 is out of range" in e and "at most 120" in e for e in errors), errors
    assert at.number_input(key="w:patient.age").value == 150  # still on screen, not dropped
    assert at.session_state["answers"]["patient"]["age"] == 150
    # nothing the case format refuses reaches the reports
    at = goto(at, "reports")
    assert not at.get("download_button")
    assert any("valid" in w.value for w in at.warning)
    at = goto(at, "patient")
    at.number_input(key="w:patient.age").set_value(64).run()
    assert not [e.value for e in at.error]


def test_out_of_range_pain_score_and_negative_duration_are_refused():
    at = new_app()
    at.number_input(key="w:patient.age").set_value(40).run()
    at = goto(at, "history")
    at.number_input(key="w:history.pain_now").set_value(11).run()
    at.number_input(key="w:history.duration_weeks").set_value(-2.0).run()
    errors = " ".join(e.value for e in at.error)
    assert "11 is out of range: must be at most 10" in errors
    assert "must be at least 0" in errors
    # the rest of the case is still assessed (the refused fields are left out)
    assert "Leading origins" in "\n".join(str(m.value) for m in at.sidebar.markdown)


def test_notes_longer_than_the_format_allows_are_refused():
    at = new_app()
    at.number_input(key="w:patient.age").set_value(40).run()
    at = goto(at, "review")
    at.text_area(key="w:notes").input("x" * 10_001).run()
    assert any("at most 10000 characters" in e.value for e in at.error)


def test_pain_sites_update_the_body_chart_and_none_is_an_answer():
    at = new_app()
    at = goto(at, "history")
    at.pills(key="w:history.pain_sites").set_value(["groin", "buttock"]).run()
    assert at.session_state["answers"]["history"]["pain_sites"] == ["buttock", "groin"]  # the format's order
    svg = chart_svg(at)
    assert shaded(svg, "groin") and shaded(svg, "buttock") and not shaded(svg, "knee")
    assert any("Shaded:" in c.value and "groin" in c.value for c in at.caption)
    at.pills(key="w:history.pain_sites").set_value([]).run()
    assert "pain_sites" not in at.session_state["answers"]["history"]
    at.checkbox(key="w:history.pain_sites:none").check().run()
    assert at.session_state["answers"]["history"]["pain_sites"] == []


def test_emergency_banner_appears_at_once_and_stays_on_every_later_step():
    at = new_app()
    at.number_input(key="w:patient.age").set_value(45).run()
    at = goto(at, "red_flags")
    assert not any("EMERGENCY" in (e.proto.title or "") for e in at.error)
    at.segmented_control(key="w:red_flags.saddle_anaesthesia").set_value("yes").run()
    banners = [e for e in at.error if "EMERGENCY" in (e.proto.title or "")]
    assert banners, [e.value for e in at.error]
    assert "What to do" in banners[0].value and "Refer to" in banners[0].value
    for step in STEPS[2:] + STEPS[:1]:
        at = goto(at, step)
        assert any("EMERGENCY" in (e.proto.title or "") for e in at.error), step
        assert "EMERGENCY" in "\n".join(str(e.value) for e in at.sidebar.error)
    # answered no again: the banner goes
    at = goto(at, "red_flags")
    at.segmented_control(key="w:red_flags.saddle_anaesthesia").set_value("no").run()
    assert not any("EMERGENCY" in (e.proto.title or "") for e in at.error)


def test_emergency_case_shows_referral_in_review():
    at = new_app(answers=answers_of(EMERGENCY_CASE))
    at = goto(at, "review")
    assert any("EMERGENCY" in (e.proto.title or "") for e in at.error)
    shown = texts(at)
    assert "Referral:** emergency" in shown
    assert "Safety net" in shown


def test_red_flag_screen_lists_every_key():
    at = new_app()
    at = goto(at, "red_flags")
    keys = {w.key for w in at.segmented_control}
    assert {f"w:red_flags.{k}" for k in RED_FLAG_KEYS} <= keys


def test_review_shows_reasons_sources_muscles_therapies_and_gaps():
    at = new_app(answers=answers_of("example-08-tfl-trigger-points-on-anticoagulants.yaml"))
    at = goto(at, "review")
    assert not at.exception
    shown = texts(at)
    for heading in ("Origins, most likely first", "Suspected muscles", "Suggested therapies", "Withheld, and why",
                    "Gaps: still not asked", "Practitioner's notes"):
        assert heading in shown, heading
    assert "Source:" in shown
    assert "Tensor fasciae latae" in shown
    at.text_area(key="w:notes").input("Reviewed with the patient.").run()
    assert at.session_state["answers"]["notes"] == "Reviewed with the patient."


def test_reports_step_offers_two_pdfs_and_the_case_without_rerunning():
    at = new_app(answers=answers_of("example-03-gluteal-tendinopathy.yaml"))
    at = goto(at, "reports")
    buttons = {b.label: b for b in at.get("download_button")}
    assert set(buttons) == {"Clinician summary (PDF)", "Patient handout (PDF)", "Case as YAML", "Case as JSON"}
    for b in buttons.values():
        assert b.proto.deferred_file_id or b.proto.url  # made on click, not on every rerun
        assert b.proto.ignore_rerun


def test_an_answer_whose_callback_was_dropped_is_still_recorded():
    """Streamlit can drop an on_change callback when clicks arrive during callback dispatch;
    the widget then shows a value the answers lack. The form catches up on the next draw."""
    at = new_app()
    at = goto(at, "red_flags")
    at.session_state["w:red_flags.calf_swelling_or_redness"] = "no"  # a value with no callback run
    at.run()
    assert at.session_state["answers"]["red_flags"]["calf_swelling_or_redness"] is False
    assert not at.exception


def test_pregnancy_is_not_asked_of_a_man_but_is_of_a_woman():
    man = goto(new_app(answers={"patient": {"age": 40, "sex": "male"}}), "red_flags")
    assert "w:red_flags.pregnant" not in {w.key for w in man.segmented_control}
    assert "not applicable for this patient" in texts(man)
    # 23 red-flag questions (not the aneurysm question before 50) and the anticoagulant precaution.
    assert "0 of 24 asked" in texts(man)
    assert "24 of 24 screening questions not asked yet." in texts(man)
    woman = goto(new_app(answers={"patient": {"age": 30, "sex": "female"}}), "red_flags")
    # 22 red-flag questions (neither aneurysm nor vascular claudication at 30) and both precautions.
    assert "0 of 24 asked" in texts(woman)
    assert "w:red_flags.pregnant" in {w.key for w in woman.segmented_control}
    assert "w:red_flags.pulsatile_abdominal_mass" not in {w.key for w in woman.segmented_control}
    older = goto(new_app(answers={"patient": {"age": 70, "sex": "male"}}), "red_flags")
    assert {"w:red_flags.pulsatile_abdominal_mass", "w:red_flags.vascular_claudication"} <= {w.key for w in older.segmented_control}
    assert "w:red_flags.low_energy_availability" not in {w.key for w in older.segmented_control}
