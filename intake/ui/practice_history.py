"""A student's own history: every attempt they committed under the name they entered."""

from __future__ import annotations

import streamlit as st

from intake.ui import state
from intake.ui.practice_state import md, open_attempt

__all__ = ["duration", "render"]

RECENT = 5  # shown at once; older attempts fold away


def duration(seconds: float | None) -> str:
    minutes, secs = divmod(round(seconds or 0), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def render(student: str) -> None:
    attempts = state.store().list_attempts(student)
    st.markdown("### Your attempts")
    if not attempts:
        st.markdown("No attempts under this name yet.")
        return
    scores = [a.score for a in attempts if a.score is not None]
    st.caption(f"{len(attempts)} attempt(s); mean score {sum(scores) / len(scores):.0f} / 100." if scores else "")
    for n, record in enumerate(attempts):
        if n == RECENT:
            older = st.expander(f"Earlier attempts ({len(attempts) - RECENT})")
        row = (older if n >= RECENT else st).container(border=True)
        text, button = row.columns([6, 1.2], vertical_alignment="center")
        flag = " · :red[unsafe]" if record.unsafe else ""
        text.markdown(f"**{md(record.case_title or record.case_id)}**  \n{record.created:%Y-%m-%d %H:%M} UTC · "
                      f"score **{record.score:g} / 100** · {duration(record.seconds)}{flag}")
        button.button("Feedback", key=f"p:open:{record.id}", on_click=open_attempt, args=(record.id,),
                      icon=":material/grading:", help=f"Open the feedback for {record.case_title or record.case_id}")
