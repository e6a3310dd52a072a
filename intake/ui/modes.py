"""The app's modes (Intake, Records, Practice, Instructor): the sidebar switch and the router for every
mode other than the intake wizard (which streamlit_app draws)."""

from __future__ import annotations

import streamlit as st

from intake.ui import practice_case, practice_pick, records_page
from intake.ui.practice_state import MODES, allowed_modes, practice, set_mode

__all__ = ["render", "switch"]

_ICONS = {"intake": ":material/assignment:", "records": ":material/folder_shared:", "practice": ":material/school:",
          "instructor": ":material/insights:"}
_HELP = {
    "intake": "Assess a patient (the intake wizard).",
    "records": "The clinic's filed assessments: find, open, re-issue, follow up, export.",
    "practice": "Students: work a practice case and get feedback.",
    "instructor": "Results of every attempt, exports and the case library.",
}
_PRACTICE_VIEWS = {"pick": practice_pick, "case": practice_case}


def switch() -> None:
    """One button per mode this account may open; the current mode is the highlighted one."""
    row = st.container(gap="small", key="mode-switch")
    for mode, word in MODES.items():
        if mode not in allowed_modes():
            continue
        current = st.session_state.mode == mode
        row.button(word, key=f"mode:{mode}", on_click=set_mode, args=(mode,), icon=_ICONS[mode], help=_HELP[mode],
                   type="primary" if current else "secondary", width="stretch")
    st.divider()


def render() -> None:
    """The page of the current mode other than the intake wizard (which streamlit_app draws)."""
    if st.session_state.mode == "records":
        records_page.render()
    elif st.session_state.mode == "instructor":
        from intake.ui import practice_instructor  # pandas and altair: imported by the pages that draw with them

        practice_instructor.render()
    elif practice()["view"] == "feedback":
        from intake.ui import practice_feedback

        practice_feedback.render()
    else:
        _PRACTICE_VIEWS.get(practice()["view"], practice_pick).render()
