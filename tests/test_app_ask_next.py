"""AppTest: the sidebar's "Ask next" (top five by expected information, a click goes to the question)."""

from __future__ import annotations

from test_app_support import answers_of, new_app

from intake import assess
from intake.ui.ask_next import FOCUS_KEY, step_of
from intake.ui.evaluation import evaluate


def ask_next_buttons(at):
    return [b for b in at.sidebar.button if str(b.key).startswith("asknext:")]


def answers_without_tests(name: str) -> dict:
    """A shared example's answers with no tests, its screen completed with the version-2 questions answered no."""
    answers = answers_of(name)
    answers["exam"]["tests"] = {}
    for key in ("systemically_unwell", "low_energy_availability", "pulsatile_abdominal_mass", "vascular_claudication"):
        answers["red_flags"].setdefault(key, False)
    return answers


def test_the_top_five_match_the_engine_with_the_figure_in_words():
    answers = answers_without_tests("example-03-gluteal-tendinopathy.yaml")
    at = new_app(answers=answers)
    assert not at.exception
    buttons = ask_next_buttons(at)
    assert len(buttons) == 5
    expected = evaluate(answers, assess).assessment.next_questions[:5]
    assert [b.key.split(":", 2)[2] for b in buttons] == [q.key for q in expected]
    captions = "\n".join(str(c.value) for c in at.sidebar.caption)
    assert "likely to settle lateral hip" in captions.lower() and "bits" in captions


def test_a_click_goes_to_the_step_and_asks_for_the_focus():
    at = new_app(answers=answers_without_tests("example-04-l5-radiculopathy.yaml"))
    first = ask_next_buttons(at)[0]
    key = first.key.split(":", 2)[2]
    first.click().run()
    assert not at.exception
    assert at.session_state["step"] == step_of(f"exam.tests.{key}") in ("hip", "spine")
    # the focus script was emitted for this widget and the request consumed
    assert FOCUS_KEY not in at.session_state
    assert at.segmented_control(key=f"w:exam.tests.{key}") is not None


def test_unasked_red_flags_come_first_and_go_to_the_screen():
    at = new_app(answers={"patient": {"age": 44}, "history": {}, "red_flags": {}, "exam": {"tests": {}}})
    buttons = ask_next_buttons(at)
    assert buttons and buttons[0].key.endswith(":saddle_anaesthesia")
    captions = "\n".join(str(c.value) for c in at.sidebar.caption)
    assert "Red-flag screen: screens for suspected cauda equina" in captions
    buttons[0].click().run()
    assert at.session_state["step"] == "red_flags"


def test_an_emergency_lists_no_examination():
    at = new_app(answers=answers_of("example-10-cauda-equina-syndrome.yaml"))
    for button in ask_next_buttons(at):
        assert step_of_key(button.key) == "red_flags"


def step_of_key(button_key: str) -> str:
    from intake.answers import case_path

    return step_of(case_path(button_key.split(":", 2)[2]))
