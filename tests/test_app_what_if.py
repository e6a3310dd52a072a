"""AppTest: what-if on the review; side by side, nothing saved until applied."""

from __future__ import annotations

import copy

from test_app_support import answers_of, new_app

CASE = "example-01-hip-osteoarthritis.yaml"


def on_review():
    answers = answers_of(CASE)
    return new_app(answers=answers, step="review"), answers


def sides(at) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def try_answer(at, key: str, answer):
    at.selectbox(key="whatif:key").set_value(key).run()
    at.segmented_control(key=f"whatif:answer:{key}").set_value(answer).run()
    return at.button(key="whatif:add").click().run()


def test_what_if_shows_both_sides_and_saves_nothing():
    at, _ = on_review()
    before = copy.deepcopy(at.session_state["answers"])
    at = try_answer(at, "resisted_external_derotation", "Positive")
    assert not at.exception
    shown = sides(at)
    assert "#### As recorded" in shown and "#### What if (not saved)" in shown
    assert "Resisted external de-rotation: not tested → **positive**" in shown
    assert at.session_state["answers"] == before  # nothing saved
    assert "tests" not in at.session_state["answers"]["exam"] or \
        "resisted_external_derotation" not in at.session_state["answers"]["exam"]["tests"]
    # the move in words (a band, or the direction within it), never a probability
    assert any("Lateral hip" in line and ("(more likely)" in line or "(was " in line) for line in shown.splitlines())
    assert not [line for line in shown.splitlines() if " — " in line and "%" in line.split(" — ", 1)[1][:30]]


def test_a_red_flag_in_the_what_if_shows_the_emergency_there_only():
    at, _ = on_review()
    at = try_answer(at, "saddle_anaesthesia", "Yes")
    shown = sides(at)
    assert "**Referral:** emergency (changed)" in shown
    assert "**Referral:** none" in shown
    assert at.session_state["answers"]["red_flags"].get("saddle_anaesthesia") is not True


def test_apply_writes_the_changes_and_discard_forgets_them():
    at, _ = on_review()
    at = try_answer(at, "resisted_external_derotation", "Positive")
    at.button(key="whatif:discard").click().run()
    assert "What if (not saved)" not in sides(at)
    at = try_answer(at, "resisted_external_derotation", "Positive")
    at.button(key="whatif:apply").click().run()
    assert not at.exception
    assert at.session_state["answers"]["exam"]["tests"]["resisted_external_derotation"] == "positive"
    assert "What if (not saved)" not in sides(at)
    assert any("applied" in str(s.value) for s in at.success)


def test_a_number_and_a_decimal_can_be_tried():
    at, _ = on_review()
    at.selectbox(key="whatif:key").set_value("hip_internal_rotation_deg").run()
    at.number_input(key="whatif:answer:hip_internal_rotation_deg").set_value(40).run()
    at = at.button(key="whatif:add").click().run()
    assert not at.exception
    assert "→ **40**" in sides(at)
    at.selectbox(key="whatif:key").set_value("duration_weeks").run()
    at.number_input(key="whatif:answer:duration_weeks").set_value(2.5).run()
    at = at.button(key="whatif:add").click().run()
    assert not at.exception
    assert "→ **2.5**" in sides(at)
    assert not [e for e in at.error if "not a valid case" in str(e.value)]
