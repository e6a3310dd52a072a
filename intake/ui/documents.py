"""The PDFs the screens hand over: who signs them, which clinic heads them, what the files are called.

One place, so a letter made from the emergency banner, the Reports step or a filed record carries
the same clinic and the same practitioner, and no file name ever carries a patient's name.

A letter must print while the database is away (stopped, locked, full): the clinic's details and a
practitioner's registration last read in this process stand in, and without them the letter is
headed with the clinic's name over clinic.toml and signed without a registration number, never refused.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from intake.models import Assessment, Case
from intake.storage.database import StoreUnavailable
from intake.ui import state

__all__ = ["branding", "clinic_time", "file_name", "maker", "signer"]


log = logging.getLogger(__name__)
#: The clinic details and registrations last read, by (kind, id): no patient data, only what heads and
#: signs a letter, kept so the letter prints while the database is away.
_LAST_READ: dict[tuple[str, str], Any] = {}


def _last_known(kind: str, key: str, read: Callable[[], Any], fallback: Any) -> Any:
    try:
        value = read()
    except StoreUnavailable as exc:
        log.warning("database unavailable reading the %s for a document (%s); using the last known", kind, exc.reason)
        return _LAST_READ.get((kind, key), fallback)
    _LAST_READ[(kind, key)] = value
    return value


def branding(clinic=None):
    """The signed-in practitioner's clinic as printed on paper: its name and settings from the app, over
    clinic.toml (`clinic`: a ClinicStore, for a data function that runs outside the session)."""
    import reports

    clinic = clinic or state.store()
    base = reports.load_branding()
    missing = object()  # the database is away and nothing was read before: clinic.toml, with the clinic's name
    details = _last_known("clinic details", clinic.clinic_id, lambda: clinic.clinic_details.get(clinic.clinic_id), missing)
    if details is missing:
        from reports.branding import with_settings

        return with_settings(base, {}, name=clinic.principal.clinic_name)
    return details.branding(base) if details is not None else base


def clinic_time(moment: dt.datetime, zone: str | None = None) -> str:
    """`2026-12-01 14:05 GMT`: a stored (UTC) moment in the clinic's time zone, as the screens show it."""
    if zone is None:
        zone = st.session_state.setdefault("clinic:zone", branding().timezone or "")
    if not zone:
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def signer(clinic=None, practitioner_id: str | None = None, name: str | None = None) -> tuple[str | None, str | None]:
    """Who signs: the signed-in practitioner (or, for a filed record, the one who filed it), with the
    registration their administrator recorded."""
    clinic = clinic or state.store()
    if practitioner_id is None:
        practitioner_id, name = clinic.principal.user_id, clinic.principal.display_name
    registration = _last_known("registration", practitioner_id or "",
                               lambda: clinic.clinic_details.registration(practitioner_id), None)
    return name, registration


def file_name(document: str, *, pseudonym: str | None = None, when: dt.date | None = None) -> str:
    """`referral-letter-P-7KQ2M9XD-2026-12-01.pdf`: the document, the record's pseudonym (once filed) and the
    date; never the patient's name."""
    day = (when or dt.date.today()).isoformat()
    return "-".join(x for x in (document, pseudonym, day) if x) + ".pdf"


def maker(render: Callable[..., bytes], case: Case, assessment: Assessment, *, when: dt.datetime | None = None,
          practitioner_id: str | None = None, practitioner: str | None = None, **extra: Any) -> Callable[[], bytes]:
    """The data function of a download button: the PDF is made only when it is clicked (Streamlit runs it
    outside the session, so the clinic goes with it), headed by the clinic's details, signed by the
    signed-in practitioner (or a filed record's own), dated `when` (default: the click, as the
    assessment is being completed)."""
    clinic = state.store()

    def make() -> bytes:
        who, registration = signer(clinic, practitioner_id, practitioner)
        return render(case, assessment, practitioner=who, registration=registration, branding=branding(clinic),
                      date=when or dt.datetime.now(dt.UTC), **extra)

    return make
