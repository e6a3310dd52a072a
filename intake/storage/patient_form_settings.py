"""A clinic's choices for the patient's pre-visit form: how long a new link lasts and which outcome
measures the form asks. Set in the app by an administrator, per clinic, in the database
(``patient_form_settings``); a clinic that has set nothing gets 7 days and the ODI and PSFS. Every
change is checked (the error names the field) and audited with the administrator in the same
transaction, naming what changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from intake.storage import audit
from intake.storage.accounts import AccountError, Principal
from intake.storage.clinic_details import SettingsError
from intake.storage.database import Database
from intake.storage.schema import ClinicRow, PatientFormSettingsRow

__all__ = ["DEFAULT_FORM", "LONGEST_DAYS", "FormSettings", "PatientFormSettings"]

LONGEST_DAYS = 90


@dataclass(frozen=True)
class FormSettings:
    link_days: int
    measures: tuple[str, ...]


DEFAULT_FORM = FormSettings(link_days=7, measures=("odi", "psfs"))


def _known_measures() -> dict[str, str]:
    from intake.measures import load_measures

    return {m.id: m.short for m in load_measures().measures.values()}


class PatientFormSettings:
    def __init__(self, db: Database):
        self.db = db

    def get(self, clinic_id: str) -> FormSettings:
        """The clinic's choice, or the defaults; a measure no longer in the knowledge base is left out."""
        with self.db.reading() as session:
            row = session.get(PatientFormSettingsRow, clinic_id)
            if row is None:
                return DEFAULT_FORM
            known = _known_measures()
            return FormSettings(row.link_days, tuple(m for m in json.loads(row.measures or "[]") if m in known))

    def save(self, actor: Principal, *, link_days: int, measures: list[str] | tuple[str, ...]) -> FormSettings:
        """Replace the clinic's choice (administrators only)."""
        if not actor.is_admin:
            raise AccountError("Only a clinic administrator can change the patient form.")
        if isinstance(link_days, bool) or not isinstance(link_days, int) or not 1 <= link_days <= LONGEST_DAYS:
            raise SettingsError(f"link_days: a patient link lasts between 1 and {LONGEST_DAYS} days, got {link_days!r}")
        known = _known_measures()
        unknown = [m for m in measures if m not in known]
        if unknown:
            raise SettingsError(f"measures: {', '.join(map(repr, unknown))} is not a measure (known: {', '.join(known)})")
        chosen = list(dict.fromkeys(measures))
        with self.db.transaction() as session:
            if session.get(ClinicRow, actor.clinic_id) is None:
                raise AccountError("Your clinic no longer exists.")
            row = session.get(PatientFormSettingsRow, actor.clinic_id)
            before = (DEFAULT_FORM.link_days, list(DEFAULT_FORM.measures)) if row is None else (row.link_days, json.loads(row.measures))
            if row is None:
                row = PatientFormSettingsRow(clinic_id=actor.clinic_id)
                session.add(row)
            row.link_days, row.measures, row.updated = link_days, json.dumps(chosen), datetime.now(UTC)
            changed = [name for name, old, new in (("link_days", before[0], link_days), ("measures", before[1], chosen))
                       if old != new]
            audit.write(session, actor=actor, action="settings", kind="patient_form", record_id=actor.clinic_id,
                        detail={"changed": changed, "link_days": link_days, "measures": chosen})
        return FormSettings(link_days, tuple(chosen))
