"""The PDFs the screens hand over: who signs them, which clinic heads them, what the files are called.

One place, so a letter made from the emergency banner, the Reports step or a filed record carries
the same clinic and the same practitioner, and no file name ever carries a patient's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from intake.models import Assessment, Case
from intake.ui import state

__all__ = ["branding", "file_name", "maker", "signer"]


def branding():
    """The signed-in practitioner's clinic as printed on paper: its settings in the app, over clinic.toml."""
    import reports

    base = reports.load_branding()
    clinic = state.store()
    details = getattr(clinic, "clinic_details", None)
    return details.branding(base) if details is not None else base


def signer() -> tuple[str | None, str | None]:
    """The signed-in practitioner's name and registration, as every document made here is signed."""
    principal = st.session_state.get("principal")
    if principal is None:
        return None, None
    return principal.display_name, getattr(principal, "registration", None) or None


def file_name(document: str, *, pseudonym: str | None = None, when: dt.date | None = None) -> str:
    """`referral-letter-P-7KQ2M9XD-2026-12-01.pdf`: the document, the record's pseudonym (once filed) and the
    date; never the patient's name."""
    day = (when or dt.date.today()).isoformat()
    return "-".join(x for x in (document, pseudonym, day) if x) + ".pdf"


def maker(render: Callable[..., bytes], case: Case, assessment: Assessment, **extra: Any) -> Callable[[], bytes]:
    """The data function of a download button: the PDF is made only when it is clicked, signed by whoever
    is signed in, headed by their clinic, dated now (the moment the assessment is being completed)."""
    who, registration = signer()
    clinic = branding()
    moment = dt.datetime.now(dt.UTC)
    return lambda: render(case, assessment, practitioner=who, registration=registration, branding=clinic,
                          date=moment, **extra)
