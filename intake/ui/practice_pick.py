"""Practice, first page: the student's name, the case library by difficulty (titles only), their history."""

from __future__ import annotations

import streamlit as st

from intake.practice.library import DIFFICULTIES
from intake.ui import practice_history
from intake.ui.practice_state import WIDGET, entries, md, practice, start_case, student_account_name

__all__ = ["DIFFICULTY_WORDS", "render"]

STUDENT_KEY = WIDGET + "student"
DIFFICULTY_KEY = WIDGET + "difficulty"
DIFFICULTY_WORDS = {"foundation": "Foundation", "intermediate": "Intermediate", "advanced": "Advanced",
                    "example": "Worked examples", "uploaded": "Uploaded by an instructor"}


def _on_student() -> None:
    practice()["student"] = (st.session_state.get(STUDENT_KEY) or "").strip()


def _on_difficulty() -> None:
    practice()["difficulty"] = list(st.session_state.get(DIFFICULTY_KEY) or [])


def render() -> None:
    p = practice()
    st.header("Practice a case")
    st.markdown(
        "Work a case as you would in clinic. You see the presenting history first; then ask the red-flag "
        "questions and perform the tests you choose, **one at a time**, and see only those answers. When you are "
        "ready, commit your answer: the feedback, the teaching notes and the answer are shown only after that. "
        "A clock runs from the moment you open the case (time is shown, not scored)."
    )
    own = student_account_name()
    if own is not None:  # a student account: its own attempts only, never another name's
        p["student"] = own
        st.caption(f"Your attempts and your history are kept under your account, **{md(own)}**.")
    else:
        if STUDENT_KEY not in st.session_state:
            st.session_state[STUDENT_KEY] = p["student"]
        name = st.text_input("Your name or pseudonym", key=STUDENT_KEY, on_change=_on_student, max_chars=100,
                             help="Your attempts and your history are kept under this name. A pseudonym is fine.")
        p["student"] = (name or "").strip()
    if p["student"]:
        practice_history.render(p["student"])

    st.markdown("### Cases")
    library = entries()
    present = [d for d in DIFFICULTIES if any(e.difficulty == d for e in library)]
    if DIFFICULTY_KEY not in st.session_state:
        st.session_state[DIFFICULTY_KEY] = [d for d in p["difficulty"] if d in present]
    chosen = st.pills("Difficulty", present, selection_mode="multi", format_func=DIFFICULTY_WORDS.__getitem__,
                      key=DIFFICULTY_KEY, on_change=_on_difficulty, help="Choose none to see every case.")
    p["difficulty"] = list(chosen or [])

    shown = [e for e in library if not p["difficulty"] or e.difficulty in p["difficulty"]]
    st.caption(f"{len(shown)} of {len(library)} cases.")
    if not p["student"]:
        st.info("Enter your name or a pseudonym above to start a case.", icon=":material/badge:")
    for entry in shown:
        row = st.container(border=True)
        text, button = row.columns([6, 1.2], vertical_alignment="center")
        text.markdown(f"**{md(entry.title)}**  \n{DIFFICULTY_WORDS.get(entry.difficulty, entry.difficulty)}")
        button.button("Start", key=f"p:start:{entry.key}", on_click=start_case, args=(entry.key,),
                      disabled=not p["student"], icon=":material/play_arrow:",
                      help=f"Start: {entry.title}")
