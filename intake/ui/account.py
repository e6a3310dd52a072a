"""The signed-in practitioner's own account: change the password (the current one is asked first)."""

from __future__ import annotations

import streamlit as st

from intake.ui import state
from intake.ui.refusals import caught

__all__ = ["password_popover"]

K = "acct:"
_MESSAGE = K + "message"


def _change() -> None:
    ss = st.session_state
    current, new, again = (ss.get(K + name) or "" for name in ("current", "new", "new2"))
    for name in ("current", "new", "new2"):
        ss[K + name] = ""  # passwords are not kept in the session once used
    if new != again:
        ss[_MESSAGE] = ("error", "The two new passwords differ; nothing was changed.")
        return
    store = state.store()
    store.accounts.change_own_password(store.principal, current, new)
    ss[_MESSAGE] = ("success", "Password changed. Use the new one next time you sign in.")


def password_popover() -> None:
    """A small popover (in the sidebar) with the change-password form, built only while it is open
    (opening it reruns the app): every other rerun of every page would otherwise build the form."""
    with st.popover("", icon=":material/key:", help="Change your password", key=K + "popover",
                    on_change="rerun") as popover:
        if not popover.open:
            return
        st.markdown("**Change your password**")
        message = st.session_state.get(_MESSAGE)
        if message:
            getattr(st, message[0])(message[1])
        with st.form(K + "form", border=False):
            st.text_input("Current password", type="password", key=K + "current", autocomplete="current-password")
            st.text_input("New password (at least 10 characters)", type="password", key=K + "new", autocomplete="new-password")
            st.text_input("New password again", type="password", key=K + "new2", autocomplete="new-password")
            st.form_submit_button("Change password", on_click=caught(_change, slot=_MESSAGE), type="primary")
