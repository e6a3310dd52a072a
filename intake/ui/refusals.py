"""The one place the app turns a refusal (``intake.errors``) into a message instead of a traceback.

Two doors, one message. ``shown()`` wraps the page, for a refusal while it is drawn; ``caught()``
wraps a widget's callback, because Streamlit runs callbacks before the page, outside any block of
it. Either way the message is the error's own words after what was not done ("Not added: …"),
shown as text: Markdown in it is never read.

Nothing typed is lost. A callback's refusal leaves the session as the user left it. A refusal
while the page is drawn would leave the widgets below it undrawn, and Streamlit forgets what an
undrawn widget held; so the page is run again once, drawing every widget with what was typed,
with the message at its head. Only a refusal that comes back on that run (one from drawing, not
from a click) cuts the page short. The message never holds a patient's answers.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st

from intake.errors import ConfigurationError, IntakeError, NotAllowed
from intake.ui import guard
from intake.ui.practice_state import md

__all__ = ["PENDING", "REFUSED", "Refusal", "caught", "refusal", "show", "shown"]

PENDING = "refusals:pending"  # the refusal the head of the page shows next
Refusal = tuple[str, str]  # (message box, text that Markdown cannot read), as every message slot of the app holds
F = TypeVar("F", bound=Callable[..., Any])
# What is shown as a refusal: the hierarchy (every refusal the product makes on purpose is in it).
REFUSED: tuple[type[Exception], ...] = (IntakeError,)
_log = logging.getLogger(__name__)


def refusal(exc: Exception, action: str = "") -> Refusal:
    """The message for a refusal: what was not done (if given), which kind, and the error's own words."""
    text = md(str(exc).strip())
    if isinstance(exc, ConfigurationError):
        _log.error("configuration: %s", exc)  # the product's own files, never patient data
        needs = "the tool's set-up needs attention (tell your administrator)"
        return "error", f"{action}: {needs}: {text}" if action else f"{needs.capitalize()}: {text}"
    if isinstance(exc, NotAllowed):
        return "error", f"{action or 'Not allowed'}: {text}"
    return "error", f"{action}: {text}" if action else text


def show(message: Refusal | None) -> None:
    if message:
        box, text = message
        getattr(st, box)(text)


def caught(callback: F, action: str = "", *, slot: str = PENDING) -> F:
    """``callback`` as a widget's ``on_click``: a refusal it raises becomes ``slot``'s message, and a
    database that cannot take it the page's "not done" note (``guard.db_safe``)."""
    safe = guard.db_safe(callback)

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return safe(*args, **kwargs)
        except REFUSED as exc:
            st.session_state[slot] = refusal(exc, action)
            return None

    return run  # type: ignore[return-value]


@contextmanager
def shown() -> Iterator[None]:
    """Wrap the page: the pending refusal heads it; a refusal while drawing it is shown (see the module)."""
    pending = st.session_state.pop(PENDING, None)
    show(pending)
    try:
        yield
    except REFUSED as exc:
        message = refusal(exc)
        if pending is None:
            st.session_state[PENDING] = message
            st.rerun()  # every widget drawn again, holding what was typed
        if message != pending:  # a refusal while a message is pending comes from drawing: shown, never rerun again
            show(message)
