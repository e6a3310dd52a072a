"""The one place the app turns a refusal (``intake.errors``) into a message instead of a traceback.

Widgets that can explain a refusal next to the field still do; anything they leave reaches this
handler, which says which kind it is. The message never holds a patient's answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from intake.errors import ConfigurationError, IntakeError, NotAllowed

__all__ = ["shown"]

_log = logging.getLogger(__name__)


@contextmanager
def shown() -> Iterator[None]:
    try:
        yield
    except NotAllowed as exc:
        st.error(f"Not allowed: {exc}", icon=":material/block:")
    except ConfigurationError as exc:
        _log.error("configuration: %s", exc)  # the product's own files, never patient data
        st.error(f"The tool's set-up needs attention (tell your administrator): {exc}", icon=":material/build:")
    except IntakeError as exc:
        st.error(str(exc), icon=":material/error:")
