"""What the screen says about saving, and only what the database has confirmed.

"Saved" is shown only when the answers in this session are the revision the database last
confirmed. Otherwise the screen says they are not saved and why: the database is unavailable
(the answers stay in this session and are written as soon as it is back: a timer tries again),
or another window changed the same draft (the practitioner chooses which answers to keep).
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from intake.ui import state

__all__ = ["show"]

RETRY_EVERY = timedelta(seconds=3)


def show() -> None:
    ss = st.session_state
    saved = state.save_state()
    if saved.pending and saved.problem == "unavailable":
        _retrying()
    elif not ss.get("draft_id") and not ss.get("consent"):
        st.caption(":material/info: Not saved yet: record the patient's consent on step 1 to keep a draft.")
    elif not ss.get("consent"):
        st.caption(":material/pause_circle: Consent withdrawn: new answers are not being saved.")
    elif saved.problem == "conflict":
        _conflict(saved)
    else:
        st.caption(f":material/cloud_done: Saved (revision {saved.revision}). This page's address resumes the assessment.")


def _conflict(saved: state.SaveState) -> None:
    st.warning(f"**Not saved.** This draft was changed in another window by {saved.conflict_by or 'someone'} at "
               f"{saved.conflict_at} UTC. Your answers here are kept on this screen.", icon=":material/sync_problem:")
    left, right = st.columns(2)
    left.button("Keep mine", key="save:mine", on_click=state.post, args=(state.inbox(), "keep_mine"),
                help="Save the answers on this screen over the other window's.", width="stretch")
    right.button("Load theirs", key="save:theirs", on_click=state.post, args=(state.inbox(), "load_theirs"),
                 help="Show the other window's answers instead (yours here are dropped).", width="stretch")


@st.fragment(run_every=RETRY_EVERY)
def _retrying() -> None:
    """Tries the write again every few seconds while the database is away, without a click."""
    saved = state.save_state()
    if saved.pending and saved.problem != "conflict":
        state.flush()
        saved = state.save_state()
    if saved.pending:
        st.warning(f"**Not saved — retrying.** {saved.reason.capitalize() or 'The database is unavailable'}. "
                   "Your answers are kept in this session and will be saved when it is back; "
                   "do not close this tab.", icon=":material/cloud_off:")
    else:
        st.caption(f":material/cloud_done: Saved again (revision {saved.revision}).")
        st.rerun()  # the whole page, so every part of it shows the saved state
