"""What the screen says about saving is what the database holds (AppTest).

An answer given in the same rerun as a step change is stored; while the database is away the
screen says "Not saved — retrying" (never an error page), keeps the answers and writes them when
it is back; a draft changed in another window is not overwritten unseen.
"""

from __future__ import annotations

from test_app_support import consent, new_app, texts

from intake.storage.database import StoreUnavailable
from intake.storage.store import ClinicStore


def _saved(at) -> str:
    return " ".join(str(c.value) for c in at.sidebar.caption) + " " + " ".join(str(w.value) for w in at.sidebar.warning)


def test_an_answer_and_next_in_one_rerun_are_both_kept(store):
    """The browser sends the answer and the Next click together when they come fast (coalesced)."""
    at = consent(new_app())
    at.number_input(key="w:patient.age").set_value(58)
    at.button(key="nav:next").click().run()
    assert at.session_state["step"] == "red_flags"
    at.segmented_control(key="w:red_flags.saddle_anaesthesia").set_value("no")
    at.segmented_control(key="w:red_flags.bladder_dysfunction").set_value("yes")
    at.button(key="nav:next").click().run()
    assert at.session_state["step"] == "history" and not at.exception
    stored = store.get(at.session_state["draft_id"])
    assert stored.answers["patient"]["age"] == 58
    assert stored.answers["red_flags"] == {"saddle_anaesthesia": False, "bladder_dysfunction": True}
    assert stored.step == "history" and "Saved (revision" in _saved(at)


def test_the_step_bar_of_a_step_already_left_is_never_taken_as_a_click(store):
    """The browser can still hold the step bar of the page it last drew when the app has moved on
    (a run cut short before the new bar reached it); what it says of that bar is stale, never a
    click that would send the practitioner back (seen with 8 sessions in Chromium)."""
    at = consent(new_app())
    at.button(key="nav:next").click().run()
    assert at.session_state["step"] == "red_flags"
    at.session_state["nav:step:patient"] = "reports"  # a click on the old page's bar, arriving after it was left
    at.run()
    assert at.session_state["step"] == "red_flags" and not at.exception
    at.button(key="nav:next").click().run()
    assert at.session_state["step"] == "history"
    at.segmented_control(key="nav:step:history").set_value("red_flags").run()  # a click on this page's bar
    assert at.session_state["step"] == "red_flags"
    assert at.segmented_control(key="nav:step:red_flags").value == "red_flags"


def test_a_segmented_control_clicked_off_is_not_asked_again(store):
    at = consent(new_app())
    at.button(key="nav:next").click().run()
    at.segmented_control(key="w:red_flags.iv_drug_use").set_value("yes").run()
    assert store.get(at.session_state["draft_id"]).answers["red_flags"] == {"iv_drug_use": True}
    at.segmented_control(key="w:red_flags.iv_drug_use").set_value(None).run()
    assert at.segmented_control(key="w:red_flags.iv_drug_use").value == "unasked"
    assert store.get(at.session_state["draft_id"]).answers["red_flags"] == {}


def test_database_away_says_not_saved_keeps_the_answers_and_writes_them_when_back(store, monkeypatch):
    at = consent(new_app())
    draft_id = at.session_state["draft_id"]
    real_save = ClinicStore.save
    down = {"on": True}

    def save(self, *args, **kwargs):
        if down["on"]:
            raise StoreUnavailable("the database is unavailable")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(ClinicStore, "save", save)
    at.number_input(key="w:patient.age").set_value(72).run()
    at.segmented_control(key="w:patient.sex").set_value("female").run()
    assert not at.exception
    shown = _saved(at)
    assert "Not saved — retrying" in shown and "The database is unavailable" in shown and "Saved (revision" not in shown
    assert at.session_state["answers"]["patient"] == {"age": 72, "sex": "female"}  # kept in the session
    assert store.get(draft_id).answers.get("patient", {}) == {}

    down["on"] = False
    at.session_state["_save_state"].next_try = 0  # the retry timer's pause has passed
    at.run()
    assert store.get(draft_id).answers["patient"] == {"age": 72, "sex": "female"}
    assert "Saved (revision" in _saved(at) and "Not saved" not in _saved(at)


def test_a_draft_changed_in_another_window_is_not_overwritten_unseen(store):
    at = consent(new_app())
    draft_id = at.session_state["draft_id"]
    at.number_input(key="w:patient.age").set_value(40).run()
    revision = store.get(draft_id).revision
    store.save(draft_id, answers={"patient": {"age": 44}}, expected_revision=revision)  # the other window
    at.number_input(key="w:patient.age").set_value(41).run()
    assert "This draft was changed in another window by Tester" in texts(at)
    assert store.get(draft_id).answers["patient"] == {"age": 44}  # not overwritten
    at.button(key="save:mine").click().run()
    assert store.get(draft_id).answers["patient"] == {"age": 41}
    assert "Saved (revision" in _saved(at)


def test_load_theirs_after_a_conflict_shows_the_other_windows_answers(store):
    at = consent(new_app())
    draft_id = at.session_state["draft_id"]
    revision = store.get(draft_id).revision
    store.save(draft_id, answers={"patient": {"age": 44}}, expected_revision=revision)
    at.number_input(key="w:patient.age").set_value(41).run()
    at.button(key="save:theirs").click().run()
    assert at.number_input(key="w:patient.age").value == 44 and "Saved (revision" in _saved(at)
