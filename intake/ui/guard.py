"""A database that is down, locked or full never shows Streamlit's error page.

``section`` wraps a part of a page that reads the database (a step's panel): while the database is
away that part says so and the rest of the page, Back and Next included, is still drawn.
``db_safe`` wraps a button's callback: when the database cannot take the request, the callback
stops, nothing it meant to change is half-done (each store method is one transaction), and the
next run shows a plain note instead. ``unavailable_note`` is that note, also used by the app when
a page cannot be drawn for the same reason. The answers of an assessment in progress never depend
on this: they are kept in the session and written when the database is back (``state.flush``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import streamlit as st

from intake.storage.database import StoreUnavailable

__all__ = ["NOTE_KEY", "db_safe", "section", "show_note", "unavailable_note"]

NOTE_KEY = "guard:note"
F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


def unavailable_note(exc: StoreUnavailable, *, attempted: bool = True) -> str:
    """`attempted`: a request was refused (so nothing was changed), not a page that could not be read."""
    changed = " Nothing was changed." if attempted else ""
    return (f"**Not done: {exc.reason}.**{changed} Answers of the assessment in progress are kept "
            "in this session and saved when the database is back; try this again in a moment.")


@contextlib.contextmanager
def section(what: str) -> Iterator[None]:
    """Draw a part of a page that reads the database; while it is away, a note in its place instead of
    the rest of the page going missing (`what` names the part, for the log: never any values)."""
    try:
        yield
    except StoreUnavailable as exc:
        log.warning("database unavailable drawing %s (%s)", what, exc.reason)
        st.warning(unavailable_note(exc), icon=":material/cloud_off:")


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
