"""A clinic's details for its documents, set in the app by an administrator, and each practitioner's
registration: what every summary, referral letter and handout is headed and signed with.

Stored per clinic in the database (``clinic_settings``; ``practitioners.registration``) and laid
over ``clinic.toml``, which stays the default for the command line and a fresh install. Every
change is checked as clinic.toml is checked (the error names the field) and audited with the
administrator, in the same transaction; the audit entry names the fields changed, not their values.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intake.errors import InvalidInput
from intake.storage import audit
from intake.storage.accounts import AccountError, Principal
from intake.storage.database import Database
from intake.storage.schema import ClinicRow, ClinicSettingsRow, PractitionerRow

__all__ = ["ClinicDetails", "Details", "SettingsError"]

#: Where a clinic's logo is written out for the PDF code (named by its content: no patient data).
LOGO_DIR_ENV = "INTAKE_DATA_DIR"


class SettingsError(InvalidInput):
    """A clinic setting cannot be saved as given; the message names the field."""


@dataclass(frozen=True)
class Details:
    """One clinic's stored settings: the values set (only those), and its own logo if it has one."""

    clinic_name: str
    settings: dict[str, Any]
    logo: bytes | None
    logo_removed: bool = False

    def branding(self, base):
        """`base` (clinic.toml) with this clinic's name, settings and logo over it."""
        from reports.branding import with_settings

        if self.logo is not None:
            logo: Path | bool | None = _logo_file(self.logo)
        else:
            logo = None if self.logo_removed else True
        return with_settings(base, self.settings, name=self.clinic_name, logo=logo)


def _logo_file(data: bytes) -> Path:
    from reports.branding import check_logo

    suffix = check_logo(data)
    folder = Path(os.environ.get(LOGO_DIR_ENV) or "data") / "logos"
    path = folder / f"{hashlib.sha256(data).hexdigest()[:32]}{suffix}"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)
    return path.resolve()


_NO_LOGO = "none"  # stored in place of an image: the clinic asked for no logo at all


class ClinicDetails:
    def __init__(self, db: Database):
        self.db = db

    def get(self, clinic_id: str) -> Details | None:
        """The clinic's stored details (None for a clinic that no longer exists)."""
        with self.db.reading() as session:
            clinic = session.get(ClinicRow, clinic_id)
            if clinic is None:
                return None
            row = session.get(ClinicSettingsRow, clinic_id)
            if row is None:
                return Details(clinic.name, {}, None)
            logo = None if row.logo in (None, _NO_LOGO) else base64.b64decode(row.logo)
            return Details(clinic.name, json.loads(row.data or "{}"), logo, logo_removed=row.logo == _NO_LOGO)

    def save(self, actor: Principal, settings: dict[str, Any], *, logo: bytes | bool | None = True) -> Details:
        """Replace the clinic's settings (administrators only). Empty values fall back to clinic.toml.

        `logo`: new image bytes, None to print no logo, True to keep what is there, False to go back to
        the default (clinic.toml's).
        """
        from reports.branding import Branding, BrandingError, check_logo, with_settings

        if not actor.is_admin:
            raise AccountError("Only a clinic administrator can change the clinic's details.")
        kept = {k: v for k, v in settings.items() if v not in (None, "", [], ())}
        try:
            with_settings(Branding(), kept)  # checked exactly as clinic.toml is
            if isinstance(logo, bytes):
                check_logo(logo)
        except BrandingError as exc:
            raise SettingsError(str(exc).removeprefix("clinic settings: ")) from None
        with self.db.transaction() as session:
            if session.get(ClinicRow, actor.clinic_id) is None:
                raise AccountError("Your clinic no longer exists.")
            row = session.get(ClinicSettingsRow, actor.clinic_id)
            if row is None:
                row = ClinicSettingsRow(clinic_id=actor.clinic_id, data="{}", logo=None, updated=datetime.now(UTC))
                session.add(row)
            before = json.loads(row.data or "{}")
            row.data = json.dumps(kept, ensure_ascii=False, sort_keys=True)
            if logo is not True:
                row.logo = base64.b64encode(logo).decode("ascii") if isinstance(logo, bytes) else (
                    _NO_LOGO if logo is None else None)
            row.updated = datetime.now(UTC)
            changed = sorted(k for k in set(before) | set(kept) if before.get(k) != kept.get(k))
            if logo is not True:
                changed.append("logo")
            audit.write(session, actor=actor, action="settings", kind="clinic", record_id=actor.clinic_id,
                        detail={"changed": changed})
        return self.get(actor.clinic_id)  # type: ignore[return-value]

    # ------------------------------------------------------------ registrations

    def registration(self, practitioner_id: str | None) -> str | None:
        if not practitioner_id:
            return None
        with self.db.reading() as session:
            row = session.get(PractitionerRow, practitioner_id)
            return row.registration if row is not None else None

    def set_registration(self, actor: Principal, practitioner_id: str, registration: str | None) -> None:
        """A practitioner's registration (e.g. "HCPC PH123456"), set by their clinic's administrator."""
        value = (registration or "").strip() or None
        if value is not None and len(value) > 100:
            raise SettingsError("registration: is longer than 100 characters")
        if not actor.is_admin:
            raise AccountError("Only a clinic administrator can change a registration.")
        with self.db.transaction() as session:
            row = session.get(PractitionerRow, practitioner_id)
            if row is None or row.clinic_id != actor.clinic_id:
                raise AccountError("No such account in your clinic.")
            row.registration = value
            audit.write(session, actor=actor, action="account", kind="practitioner", record_id=row.id,
                        detail={"registration": "changed" if value else "removed"})
