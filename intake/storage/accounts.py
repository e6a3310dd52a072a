"""Clinics and the practitioners who sign in to them.

Passwords are hashed with Argon2id (``argon2-cffi``); a clinic is the boundary of every record,
draft and export. A signed-in session carries a ``Principal``: who, which clinic, which role.
When Streamlit's OpenID Connect sign-in (``st.login``) is configured, the identity provider's
e-mail address is matched to a practitioner here, so the clinic still comes from this database.
"""

from __future__ import annotations

import functools
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update

from intake.errors import InvalidInput
from intake.policy.roles import ROLES, may
from intake.storage import Database, audit, passwords
from intake.storage.database import StoreUnavailable
from intake.storage.schema import AttemptRow, ClinicRow, DraftRow, PractitionerRow, VignetteRow
from intake.storage.throttle import Throttle, Verdict, account_key, address_key

__all__ = ["ROLES", "AccountError", "Accounts", "Clinic", "Practitioner", "Principal", "SignInThrottled",
           "normalise_username"]

Role = Literal["admin", "practitioner", "student"]
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
_HASHER = PasswordHasher()
#: Audit entries of failed sign-ins that the database could not take when they happened; written
#: (with their own time) by the next sign-in that reaches it. Bounded, and never a password.
_UNWRITTEN: list[dict] = []
_UNWRITTEN_MAX = 10_000
#: How long an account check stands (`Accounts.still_valid`) before the database is read again. A change
#: made through any `Accounts` in this process (deactivation, password, sign-in or out) drops every
#: check at once, so it counts from the next click; one made by another process (the command line)
#: counts within this many seconds.
STILL_VALID_SECONDS = 10.0
#: (database URL, user id, clinic id, role) -> when the database last confirmed that account: one per
#: process, shared by every session (each Streamlit session would otherwise read it on every rerun).
_confirmed: dict[tuple[str, str, str, str], float] = {}
_changes = [0]  # how many account changes this process has made: a check read across one is not kept


def _account_changed() -> None:
    """Some account changed in this process: the next check of every session reads the database."""
    _changes[0] += 1
    _confirmed.clear()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when the username is unknown takes as long as a real check, so the
    time a failed sign-in takes does not tell whether the username exists. Made on first use, not
    at import (an Argon2 hash costs ~0.2 s, which every command would otherwise pay)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(InvalidInput):
    """A request about accounts that cannot be met; the message says why, in plain words."""


class SignInThrottled(AccountError):
    """Too many failed sign-ins for this account or address: wait, or (locked) ask an administrator."""

    def __init__(self, verdict: Verdict):
        self.verdict = verdict
        seconds = max(1, round(verdict.wait_seconds))
        if verdict.locked:
            minutes = max(1, round(seconds / 60))
            text = (f"Sign-in is locked for about {minutes} minute{'s' if minutes != 1 else ''} after repeated "
                    "failed attempts. A clinic administrator can unlock the account now.")
        else:
            text = f"Too many failed sign-ins: wait {seconds} second{'s' if seconds != 1 else ''} and try again."
        super().__init__(text)


@dataclass(frozen=True)
class Principal:
    """The signed-in practitioner: everything access control needs, nothing clinical."""

    user_id: str
    username: str
    display_name: str
    clinic_id: str
    clinic_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return may(self.role, "administer_clinic")

    @property
    def sees_patients(self) -> bool:
        return may(self.role, "see_patients")


@dataclass(frozen=True)
class Clinic:
    id: str
    name: str
    retention_days: int | None
    identified_referrals: bool = False


@dataclass(frozen=True)
class Practitioner:
    id: str
    username: str
    display_name: str
    email: str | None
    role: str
    active: bool
    last_sign_in: datetime | None


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFC", username).strip().casefold()


def _new_id() -> str:
    return secrets.token_urlsafe(16)


def _now() -> datetime:
    return datetime.now(UTC)


def _check_password(password: str, username: str = "", *names: str) -> None:
    problem = passwords.problem_with(password, username=username, names=names)
    if problem:
        raise AccountError(problem)


class Accounts:
    def __init__(self, db: Database):
        self.db = db
        self.throttle = Throttle(db)

    # ---------------------------------------------------------------- set-up

    def has_practitioners(self) -> bool:
        with self.db.reading() as session:
            return (session.scalar(select(func.count()).select_from(PractitionerRow)) or 0) > 0

    def create_clinic(self, name: str, *, claim_unowned: bool = False) -> Clinic:
        """A new clinic. `claim_unowned` gives it the drafts, attempts and vignettes saved before
        sign-in existed (used when the first clinic is set up on an existing database)."""
        name = _clinic_name(name)
        with self.db.transaction() as session:
            if _clinic_named(session, name):
                raise AccountError(f"A clinic called {name!r} already exists.")
            row = _insert_clinic(session, name)
            if claim_unowned:
                _claim_unowned(session, row.id)
            return Clinic(row.id, row.name, None)

    def clinic(self, clinic_id: str) -> Clinic | None:
        with self.db.reading() as session:
            row = session.get(ClinicRow, clinic_id)
            return None if row is None else Clinic(row.id, row.name, row.retention_days, row.identified_referrals)

    def clinic_by_name(self, name: str) -> Clinic | None:
        with self.db.reading() as session:
            row = _clinic_named(session, _clinic_name(name, required=False))
            return None if row is None else Clinic(row.id, row.name, row.retention_days, row.identified_referrals)

    def clinics(self) -> list[Clinic]:
        with self.db.reading() as session:
            return [Clinic(r.id, r.name, r.retention_days, r.identified_referrals) for r in session.scalars(select(ClinicRow).order_by(ClinicRow.name))]

    def add_practitioner(self, clinic_id: str, username: str, display_name: str, *, password: str | None = None,
                         email: str | None = None, role: str = "practitioner", actor: Principal | None = None) -> Practitioner:
        """A new account in `clinic_id`. It needs a password, an e-mail for single sign-on, or both."""
        if actor is not None and (not actor.is_admin or actor.clinic_id != clinic_id):
            raise AccountError("Only an administrator of this clinic can add practitioners to it.")
        with self.db.transaction() as session:
            return self._insert_practitioner(session, clinic_id, username, display_name, password=password, email=email,
                                             role=role, actor=actor)

    def set_up(self, clinic_name: str, username: str, display_name: str, password: str) -> Principal:
        """First run: the clinic and its administrator together, or neither (a refused password must
        not leave a clinic with nobody able to sign in to it). Claims rows saved before sign-in
        existed; refused once any account exists."""
        _check_password(password, normalise_username(username), display_name, clinic_name)
        name = _clinic_name(clinic_name)
        with self.db.transaction() as session:
            if session.scalar(select(func.count()).select_from(PractitionerRow)):
                raise AccountError("This installation is already set up. Sign in instead.")
            # (a clinic made from the command line, with no account yet, is used as it is)
            clinic = _clinic_named(session, name) or _insert_clinic(session, name)
            _claim_unowned(session, clinic.id)
            person = self._insert_practitioner(session, clinic.id, username, display_name, password=password, role="admin")
            row = session.get(PractitionerRow, person.id)
            assert row is not None  # inserted just above, in this transaction
            row.last_sign_in = _now()
            principal = _principal(session, row)
            audit.write(session, actor=principal, action="sign_in", kind="session", detail={"method": "set-up"})
            return principal

    @staticmethod
    def _insert_practitioner(session, clinic_id: str, username: str, display_name: str, *, password: str | None,
                             email: str | None = None, role: str = "practitioner", actor: Principal | None = None) -> Practitioner:
        key = normalise_username(username)
        if not key or len(key) > 100 or any(c.isspace() for c in key):
            raise AccountError("The username must be 1 to 100 characters with no spaces.")
        if role not in ROLES:
            raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
        if password is None and not email:
            raise AccountError("The account needs a password or an e-mail address for single sign-on.")
        if password is not None:
            _check_password(password, key, display_name)
        email_key = email.strip().casefold() if email else None
        if session.get(ClinicRow, clinic_id) is None:
            raise AccountError("That clinic does not exist.")
        if session.scalar(select(PractitionerRow.id).where(PractitionerRow.username == key)):
            raise AccountError(f"The username {key!r} is taken.")
        if email_key and session.scalar(select(PractitionerRow.id).where(PractitionerRow.email == email_key)):
            raise AccountError("That e-mail address already belongs to an account.")
        row = PractitionerRow(id=_new_id(), clinic_id=clinic_id, username=key,
                              display_name=(" ".join(display_name.split()) or key)[:200], email=email_key,
                              password_hash=_HASHER.hash(password) if password is not None else None,
                              role=role, active=True, created=_now())
        session.add(row)
        session.flush()
        audit.write(session, actor=actor, action="account", kind="practitioner", record_id=row.id, clinic_id=clinic_id,
                    detail={"created": key, "role": role})
        return _practitioner(row)

    def id_of(self, username: str) -> str | None:
        """The account id of a username (any clinic), for the administrator's command line."""
        with self.db.reading() as session:
            return session.scalar(select(PractitionerRow.id).where(PractitionerRow.username == normalise_username(username)))

    def practitioners(self, clinic_id: str) -> list[Practitioner]:
        with self.db.reading() as session:
            query = select(PractitionerRow).where(PractitionerRow.clinic_id == clinic_id).order_by(PractitionerRow.display_name)
            return [_practitioner(row) for row in session.scalars(query)]

    def set_active(self, actor: Principal, practitioner_id: str, active: bool) -> None:
        self._admin_update(actor, practitioner_id, {"active": active}, {"active": active})

    def set_password(self, actor: Principal | None, practitioner_id: str, password: str) -> None:
        """A new password, set by the practitioner themself, their clinic's admin, or the command line."""
        with self.db.transaction() as session:
            row = session.get(PractitionerRow, practitioner_id)
            if row is None or (actor is not None and actor.user_id != row.id
                               and (not actor.is_admin or actor.clinic_id != row.clinic_id)):
                raise AccountError("No such account in your clinic.")
            _check_password(password, row.username, row.display_name)
            row.password_hash = _HASHER.hash(password)
            audit.write(session, actor=actor, action="account", kind="practitioner", record_id=row.id,
                        clinic_id=row.clinic_id, detail={"password": "changed"})
        _account_changed()

    def change_own_password(self, principal: Principal, current: str, new: str) -> None:
        """The signed-in practitioner's new password, only with the current one: an unattended
        session cannot be used to take the account over. A wrong current password is audited."""
        _check_password(new, principal.username, principal.display_name)
        with self.db.transaction() as session:
            row = session.get(PractitionerRow, principal.user_id)
            if row is None or not row.active or row.clinic_id != principal.clinic_id:
                raise AccountError("Your account is no longer active here.")
            if not row.password_hash:
                raise AccountError("This account signs in with single sign-on and has no password here.")
            ok: bool
            try:
                ok = _HASHER.verify(row.password_hash, current)
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok:
                audit.write(session, actor=principal, action="account", kind="practitioner", record_id=row.id,
                            detail={"password": "change refused: current password wrong"})
            else:
                row.password_hash = _HASHER.hash(new)
                audit.write(session, actor=principal, action="account", kind="practitioner", record_id=row.id,
                            detail={"password": "changed"})
        _account_changed()
        if not ok:
            raise AccountError("Your current password is not right, so the password was not changed.")

    def set_retention(self, actor: Principal, days: int | None) -> None:
        """How long the clinic keeps records (None: until deleted by hand). Admins only."""
        if not actor.is_admin:
            raise AccountError("Only a clinic administrator can change the retention period.")
        if days is not None and not 1 <= days <= 365 * 100:
            raise AccountError("The retention period must be between 1 day and 100 years.")
        with self.db.transaction() as session:
            row = session.get(ClinicRow, actor.clinic_id)
            if row is None:
                raise AccountError("Your clinic no longer exists.")
            row.retention_days = days
            audit.write(session, actor=actor, action="settings", kind="clinic", record_id=row.id,
                        detail={"retention_days": days})

    def set_identified_referrals(self, actor: Principal, on: bool) -> None:
        """Whether FHIR referrals from this clinic name the patient (a Patient with name and identifier),
        for clinics that send referrals into a record system. Admins only; audited."""
        if not actor.is_admin:
            raise AccountError("Only a clinic administrator can change how referrals name the patient.")
        with self.db.transaction() as session:
            row = session.get(ClinicRow, actor.clinic_id)
            if row is None:
                raise AccountError("Your clinic no longer exists.")
            row.identified_referrals = bool(on)
            audit.write(session, actor=actor, action="settings", kind="clinic", record_id=row.id,
                        detail={"identified_referrals": bool(on)})

    def _admin_update(self, actor: Principal, practitioner_id: str, values: dict, detail: dict) -> None:
        if not actor.is_admin:
            raise AccountError("Only a clinic administrator can change accounts.")
        if practitioner_id == actor.user_id and values.get("active") is False:
            raise AccountError("You cannot deactivate your own account.")
        with self.db.transaction() as session:
            row = session.get(PractitionerRow, practitioner_id)
            if row is None or row.clinic_id != actor.clinic_id:
                raise AccountError("No such account in your clinic.")
            for key, value in values.items():
                setattr(row, key, value)
            audit.write(session, actor=actor, action="account", kind="practitioner", record_id=row.id, detail=detail)
        _account_changed()

    # ---------------------------------------------------------------- sign-in

    def authenticate(self, username: str, password: str, address: str | None = None) -> Principal | None:
        """The principal for a correct username and password of an active account, else None.

        Every attempt, failed or not, is in the audit log (the username as typed, never the password),
        even when the database could not take the entry at the time (it is written by the next sign-in
        that reaches it). Failures are throttled per account and per client ``address``: after a few,
        each try waits longer, then the account is locked for a while (``SignInThrottled``). The
        password is checked outside any transaction, so a sign-in holds no lock while Argon2 works.
        """
        key = normalise_username(username)
        keys = [account_key(key), address_key(address)] if key else [address_key(address)]
        try:
            verdict = self.throttle.wait_for(keys)
        except StoreUnavailable:
            self._spool_failure(key, None, {"reason": "database unavailable"})
            raise
        if not verdict.allowed:
            self._record_failure(key, None, keys, {"throttled": "locked" if verdict.locked else "waiting"},
                                 count=False)
            raise SignInThrottled(verdict)
        _account_changed()
        with self.db.reading() as session:
            row = session.scalar(select(PractitionerRow).where(PractitionerRow.username == key)) if key else None
            found = (row.id, row.clinic_id, row.password_hash, bool(row.active)) if row is not None else None
        stored = found[2] if found and found[2] else _dummy_hash()
        try:
            ok = _HASHER.verify(stored, password) and found is not None and found[2] is not None and found[3]
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or found is None:
            self._record_failure(key, found[1] if found else None, keys, None)
            return None
        rehashed = _HASHER.hash(password) if _HASHER.check_needs_rehash(stored) else None

        def signed_in(session) -> Principal:
            self._write_spooled(session)
            person = session.get(PractitionerRow, found[0])
            assert person is not None  # found just above; accounts are deactivated, never deleted
            if rehashed:
                person.password_hash = rehashed
            person.last_sign_in = _now()
            self.throttle.succeeded(session, account_key(key))
            principal = _principal(session, person)
            audit.write(session, actor=principal, action="sign_in", kind="session", detail={"method": "password"})
            return principal

        return self.db.write(signed_in)

    def _record_failure(self, key: str, clinic_id: str | None, keys: list, detail: dict | None, *,
                        count: bool = True) -> None:
        def record(session) -> None:
            self._write_spooled(session)
            locked = self.throttle.failed(session, keys) if count else []
            audit.write(session, actor=None, action="sign_in_failed", kind="session", username=key[:100],
                        clinic_id=clinic_id, detail=detail)
            if account_key(key) in locked:
                audit.write(session, actor=None, action="account", kind="session", username=key[:100],
                            clinic_id=clinic_id, detail={"locked": "after repeated failed sign-ins"})

        try:
            self.db.write(record)
        except StoreUnavailable:
            self._spool_failure(key, clinic_id, {**(detail or {}), "reason": "database unavailable"})
            raise

    @staticmethod
    def _spool_failure(key: str, clinic_id: str | None, detail: dict) -> None:
        if len(_UNWRITTEN) < _UNWRITTEN_MAX:
            _UNWRITTEN.append({"username": key[:100], "clinic_id": clinic_id, "detail": detail, "at": _now()})

    @staticmethod
    def _write_spooled(session) -> None:
        while _UNWRITTEN:
            entry = _UNWRITTEN.pop(0)
            audit.write(session, actor=None, action="sign_in_failed", kind="session", username=entry["username"],
                        clinic_id=entry["clinic_id"], detail=entry["detail"], at=entry["at"])

    def unlock(self, actor: Principal | None, practitioner_id: str) -> bool:
        """Lift a sign-in lock now (a clinic administrator, or the command line); True if it was locked."""
        if actor is not None and not actor.is_admin:
            raise AccountError("Only a clinic administrator can unlock accounts.")

        def lift(session) -> bool:
            row = session.get(PractitionerRow, practitioner_id)
            if row is None or (actor is not None and row.clinic_id != actor.clinic_id):
                raise AccountError("No such account in your clinic.")
            was = self.throttle.unlock(session, account_key(row.username))
            audit.write(session, actor=actor, action="account", kind="practitioner", record_id=row.id,
                        clinic_id=row.clinic_id, detail={"unlocked": was})
            return was

        return self.db.write(lift)

    def locked_usernames(self, clinic_id: str) -> set[str]:
        return self.throttle.locked_accounts(p.username for p in self.practitioners(clinic_id))

    def principal_for_email(self, email: str) -> Principal | None:
        """Single sign-on: the active practitioner registered with this e-mail address, if any."""
        if not email:
            return None
        _account_changed()
        with self.db.transaction() as session:
            row = session.scalar(select(PractitionerRow).where(PractitionerRow.email == email.strip().casefold()))
            if row is None or not row.active:
                audit.write(session, actor=None, action="sign_in_failed", kind="session", username=email[:100],
                            clinic_id=row.clinic_id if row is not None else None, detail={"method": "oidc"})
                return None
            row.last_sign_in = _now()
            principal = _principal(session, row)
            audit.write(session, actor=principal, action="sign_in", kind="session", detail={"method": "oidc"})
            return principal

    def still_valid(self, principal: Principal) -> bool:
        """The account still exists, is active, and is in the same clinic with the same role: read from
        the database at most every `STILL_VALID_SECONDS` per account, and at once after any account
        change in this process (the app asks on every rerun)."""
        key = (self.db.url, principal.user_id, principal.clinic_id, principal.role)
        confirmed = _confirmed.get(key)
        if confirmed is not None and time.monotonic() - confirmed < STILL_VALID_SECONDS:
            return True
        changes = _changes[0]
        with self.db.reading() as session:
            row = session.get(PractitionerRow, principal.user_id)
            valid = bool(row and row.active and row.clinic_id == principal.clinic_id and row.role == principal.role)
        if valid and changes == _changes[0]:
            _confirmed[key] = time.monotonic()
        else:
            _confirmed.pop(key, None)
        return valid

    def sign_out(self, principal: Principal, *, timed_out: bool = False) -> None:
        _account_changed()
        with self.db.transaction() as session:
            audit.write(session, actor=principal, action="timeout" if timed_out else "sign_out", kind="session")


def _clinic_name(name: str, *, required: bool = True) -> str:
    """A clinic's name as stored: runs of spaces made one; clinics are told apart ignoring case."""
    name = " ".join(name.split())
    if required and not name:
        raise AccountError("The clinic needs a name.")
    return name


def _clinic_named(session, name: str) -> ClinicRow | None:
    return session.scalar(select(ClinicRow).where(func.lower(ClinicRow.name) == name.lower()))


def _insert_clinic(session, name: str) -> ClinicRow:
    row = ClinicRow(id=_new_id(), name=name[:200], created=_now())
    session.add(row)
    session.flush()
    audit.write(session, actor=None, action="account", kind="clinic", record_id=row.id, clinic_id=row.id,
                detail={"created": "clinic"})
    return row


def _claim_unowned(session, clinic_id: str) -> None:
    """Drafts, attempts and vignettes saved before sign-in existed become this clinic's."""
    for table in (DraftRow, AttemptRow, VignetteRow):
        session.execute(update(table).where(table.clinic_id.is_(None)).values(clinic_id=clinic_id))


def _principal(session, row: PractitionerRow) -> Principal:
    clinic = session.get(ClinicRow, row.clinic_id)
    return Principal(user_id=row.id, username=row.username, display_name=row.display_name, clinic_id=row.clinic_id,
                     clinic_name=clinic.name if clinic else "", role=row.role)


def _practitioner(row: PractitionerRow) -> Practitioner:
    return Practitioner(id=row.id, username=row.username, display_name=row.display_name, email=row.email, role=row.role,
                        active=bool(row.active), last_sign_in=row.last_sign_in)
