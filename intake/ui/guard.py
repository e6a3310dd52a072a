"""A database that is down, locked or full never shows Streamlit's error page.

``db_safe`` wraps a button's callback: when the database cannot take the request, the callback
stops, nothing it meant to change is half-done (each store method is one transaction), and the
next run shows a plain note instead. ``unavailable_note`` is that note, also used by the app when
a page cannot be drawn for the same reason. The answers of an assessment in progress never depend
on this: they are kept in the session and written when the database is back (``state.flush``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from intake.storage.database import StoreUnavailable

__all__ = ["NOTE_KEY", "db_safe", "show_note", "unavailable_note"]

NOTE_KEY = "guard:note"
F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


def unavailable_note(exc: StoreUnavailable) -> str:
    return (f"**Not done: {exc.reason}.** Nothing was changed. Answers of the assessment in progress are kept "
            "in this session and saved when the database is back; try this again in a moment.")


def db_safe(callback: F) -> F:
    @functools.wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except StoreUnavailable as exc:
            log.warning("database unavailable in %s (%s)", callback.__name__, exc.reason)  # never any values
            st.session_state[NOTE_KEY] = unavailable_note(exc)
            return None

    return guarded  # type: ignore[return-value]


def show_note() -> None:
    note = st.session_state.pop(NOTE_KEY, None)
    if note:
        st.warning(note, icon=":material/cloud_off:")
