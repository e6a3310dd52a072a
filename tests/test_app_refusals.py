"""A refusal (intake.errors) is caught in one place and shown as text, and nothing typed is lost.

Small pages built on intake.ui.refusals stand in for the app's: one with a click that is refused
while the page is drawn, with a field below it; one whose callback is refused; one that is refused
on every run. The app's own pages are covered where they are (test_app_records, test_app_auth).
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from test_app_support import as_shown

from intake.errors import ConfigurationError, InvalidInput, NotAllowed
from intake.ui.refusals import refusal

HOSTILE = "Refused: **bold** [link](https://example.org) :red[red] `code` <b>x</b>"


def _page_refused_while_drawn() -> None:
    import streamlit as st

    from intake.errors import InvalidInput
    from intake.ui import refusals

    st.session_state.setdefault("runs", 0)
    st.session_state.runs += 1
    with refusals.shown():
        st.text_input("Above", key="above")
        if st.button("Act", key="act"):
            raise InvalidInput("Refused: **bold** [link](https://example.org) :red[red] `code` <b>x</b>")
        st.text_input("Below", key="below")  # not drawn on the run the click was refused
        st.checkbox("Ticked below", key="tick")


def _page_refused_in_callback() -> None:
    import streamlit as st

    from intake.errors import NotAllowed
    from intake.ui import refusals

    def act() -> None:
        st.session_state.done = "half"  # what a callback did before it was refused stays as it left it
        raise NotAllowed("Only an administrator may do this.")

    with refusals.shown():
        st.text_input("Name", key="name")
        st.button("Act", key="act", on_click=refusals.caught(act, "Not added"))
        st.button("Elsewhere", key="elsewhere", on_click=refusals.caught(act, slot="own:slot"))
        refusals.show(st.session_state.get("own:slot"))


def _page_refused_on_every_run() -> None:
    import streamlit as st

    from intake.errors import InvalidInput
    from intake.ui import refusals

    st.session_state.setdefault("runs", 0)
    st.session_state.runs += 1
    with refusals.shown():
        st.text_input("Name", key="name")
        raise InvalidInput("This page cannot be drawn for these answers.")


def test_a_refusal_while_drawing_is_shown_as_text_and_every_field_keeps_what_was_typed():
    at = AppTest.from_function(_page_refused_while_drawn).run()
    at.text_input(key="above").input("typed above")
    at.text_input(key="below").input("typed below")
    at.checkbox(key="tick").check()
    at.run()
    runs = at.session_state.runs
    at.button(key="act").click().run()
    assert not at.exception
    [error] = at.error
    assert as_shown(error.value) == HOSTILE  # the message's own words, every Markdown mark escaped
    assert "**" not in error.value.replace("\\*", "")
    assert at.text_input(key="above").value == "typed above"
    assert at.text_input(key="below").value == "typed below"  # drawn again on the one extra run
    assert at.checkbox(key="tick").value is True
    assert at.session_state.runs == runs + 2
    at.text_input(key="above").input("more").run()  # the message has done its job
    assert not at.error
    assert at.text_input(key="below").value == "typed below"


def test_a_refused_callback_names_what_was_not_done_and_keeps_the_page_and_its_fields():
    at = AppTest.from_function(_page_refused_in_callback).run()
    at.text_input(key="name").input("Dana")
    at.button(key="act").click().run()
    assert not at.exception
    assert [as_shown(e.value) for e in at.error] == ["Not added: Only an administrator may do this."]
    assert at.session_state.done == "half"
    assert at.text_input(key="name").value == "Dana"
    at.run()
    assert not at.error  # shown once
    at.button(key="elsewhere").click().run()  # a message slot of its own (the sign-in page, the sidebar's popover)
    assert [as_shown(e.value) for e in at.error] == ["Not allowed: Only an administrator may do this."]


def test_a_refusal_on_every_run_is_shown_once_per_run_and_never_loops():
    at = AppTest.from_function(_page_refused_on_every_run).run()
    assert not at.exception
    assert [as_shown(e.value) for e in at.error] == ["This page cannot be drawn for these answers."]
    assert at.session_state.runs == 2  # the one extra run, then it is shown where it stands
    at.run()
    assert [as_shown(e.value) for e in at.error] == ["This page cannot be drawn for these answers."]
    assert at.session_state.runs == 4


def test_each_kind_of_refusal_says_which_kind_it_is(caplog):
    assert refusal(InvalidInput("patient.age: must be 0-120"), "Not saved") == ("error", r"Not saved: patient\.age\: must be 0\-120")
    assert as_shown(refusal(NotAllowed("a student may not file"))[1]) == "Not allowed: a student may not file"
    assert as_shown(refusal(NotAllowed("only the author"), "Not deleted")[1]) == "Not deleted: only the author"
    with caplog.at_level("ERROR"):
        text = as_shown(refusal(ConfigurationError("form.yaml: slot x is not a model field"))[1])
    assert text == "The tool's set-up needs attention (tell your administrator): form.yaml: slot x is not a model field"
    assert "form.yaml" in caplog.text  # the product's own file, for the administrator


def test_storage_settings_error_is_shown_as_refused_input():
    from intake.storage.clinic_details import SettingsError

    assert refusal(SettingsError("field 'accent': must be a colour"), "Not saved") == (
        "error", r"Not saved: field 'accent'\: must be a colour")


def _page_whose_callback_meets_a_database_away() -> None:
    import streamlit as st

    from intake.storage.database import StoreUnavailable
    from intake.ui import guard, refusals

    def save() -> None:
        raise StoreUnavailable("the database is unavailable")

    guard.show_note()
    with refusals.shown():
        st.text_input("Setting", key="setting")
        st.button("Save", key="save", on_click=refusals.caught(save, "Not saved"))


def test_a_caught_callback_that_meets_a_database_away_shows_the_not_done_note_not_an_error_page():
    at = AppTest.from_function(_page_whose_callback_meets_a_database_away).run()
    at.text_input(key="setting").input("kept")
    at.button(key="save").click().run()
    assert not at.exception
    [note] = at.warning
    assert note.value.startswith("**Not done: the database is unavailable.** Nothing was changed.")
    assert at.text_input(key="setting").value == "kept"
