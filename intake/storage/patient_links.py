"""Patient links: how a patient answers their own questions before the visit, with no sign-in.

A link names one draft of one clinic. Its secret (an unguessable ``secrets.token_urlsafe`` string)
is shown once to the practitioner as a link and QR code; only its SHA-256 is stored. The link
expires (the clinic's setting, 7 days by default), is refused once revoked or used up (sent), and
lookups are throttled (counted in the database, for every app instance: intake.storage.link_throttle).
Through a link the patient can only write their own answers into that one
draft, never read any other record: there is no method here that returns a draft or a record.
Every creation, opening, answer and sending goes in the audit log (never the answers themselves).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select

from intake.errors import NotAllowed
from intake.storage import audit
from intake.storage.database import Database
from intake.storage.link_throttle import SharedThrottle
from intake.storage.patient_form_settings import LONGEST_DAYS, PatientFormSettings
from intake.storage.schema import DraftRow, PatientLinkRow

__all__ = ["PATIENT_WRITER", "LinkInfo", "LinkRefused", "PatientLink", "PatientLinks", "Throttle", "merge_patient_answers"]

PATIENT_ACTOR = "patient link"
#: A draft written through a patient link says so (``writer``): a practitioner's window with the
#: same draft open merges the patient's answers into its own instead of writing over them.
PATIENT_WRITER = "patient-link"
TOKEN_BYTES = 32
MAX_OPENS = 500  # a link opened more often than any patient would is treated as leaked

Refusal = Literal["unknown", "expired", "revoked", "used", "throttled"]


class LinkRefused(NotAllowed):
    """The link cannot be used; `reason` says why (shown to the patient in plain words)."""

    def __init__(self, reason: Refusal, language: str | None = None):
        self.reason = reason
        self.language = language  # the link's language, when the link itself was found
        super().__init__(reason)


@dataclass(frozen=True)
class PatientLink:
    """What the patient page may know: which questions to ask, in which language. No clinical data."""

    id: str
    language: str
    measures: tuple[str, ...]
    expires: datetime
    answers: dict[str, Any]  # only what the patient entered through this link


@dataclass(frozen=True)
class LinkInfo:
    """A link as the practitioner sees it in the draft (never its secret after creation)."""

    id: str
    created: datetime
    expires: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    language: str
    measures: tuple[str, ...]
    opens: int

    def state(self, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        if self.revoked_at:
            return "revoked"
        if self.used_at:
            return "sent"
        return "expired" if self.expires <= now else "open"


class Throttle:
    """At most `limit` failed lookups in any `window` seconds in this process (for tests and tools; the app
    uses `intake.storage.link_throttle.SharedThrottle`, counted in the database for every instance)."""

    def __init__(self, limit: int = 20, window: float = 60.0):
        self.limit, self.window = limit, window
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        while self._failures and now - self._failures[0] > self.window:
            self._failures.popleft()

    def blocked(self) -> bool:
        with self._lock:
            self._trim(time.monotonic())
            return len(self._failures) >= self.limit

    def failed(self) -> None:
        with self._lock:
            now = time.monotonic()
            self._trim(now)
            self._failures.append(now)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def merge_patient_answers(draft: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """The draft's answers with the patient's own merged in, each marked patient-reported.

    A present red flag is never dropped: a patient's "yes" wins over an earlier "no", and a
    patient's "no" never clears a "yes" the practitioner recorded. Other answers fill only what the
    practitioner has not answered. Measures land as given, marked reported by the patient.
    """
    out = json.loads(json.dumps(draft))
    pending = dict(out.get("patient_reported") or {})
    for section in ("history", "red_flags"):
        given = form.get(section) or {}
        target = out.setdefault(section, {})
        for key, value in given.items():
            if value is None:
                continue
            current, path = target.get(key), f"{section}.{key}"
            from_patient = bool(pending.get(path))  # the patient's own earlier answer may change
            if section == "red_flags":
                if value is True or current is None or (from_patient and current is not True):
                    target[key] = value
                    pending[path] = True
            elif current in (None, [], "") or from_patient:
                target[key] = value
                pending[path] = True
    outcomes = out.setdefault("outcomes", {})
    for measure_id, entry in (form.get("outcomes") or {}).items():
        if not isinstance(entry, dict):
            continue
        outcomes[measure_id] = {**entry, "reported_by": "patient"}
        pending[measure_id] = True
        choice = list(out.get("outcome_choice") or [])
        if measure_id not in choice:
            out["outcome_choice"] = [*choice, measure_id]
    if any(v is True for v in (form.get("red_flags") or {}).values()):
        out["patient_alert"] = True  # the Drafts list puts this draft at the top, flagged
    if pending:
        out["patient_reported"] = pending
    return out


class PatientLinks:
    """Creating and revoking links (a practitioner, for a draft of their clinic) and using one (a patient)."""

    def __init__(self, db: Database, throttle: Throttle | SharedThrottle | None = None):
        self.db = db
        self.throttle = throttle or SharedThrottle(db)

    # ------------------------------------------------------------ the practitioner

    def create(self, principal: Any, draft_id: str, *, days: int | None = None, language: str = "en",
               measures: list[str] | tuple[str, ...] = ()) -> tuple[LinkInfo, str]:
        """A new link for one of the principal's clinic's drafts: (the link, its secret, shown once).

        `days` defaults to the clinic's setting (intake.storage.patient_form_settings; 7 days unless changed)."""
        if days is None:
            days = PatientFormSettings(self.db).get(principal.clinic_id).link_days
        if not 1 <= days <= LONGEST_DAYS:
            raise ValueError(f"days: a link lasts between 1 and {LONGEST_DAYS} days")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = _now()
        with self.db.transaction() as session:
            draft = session.get(DraftRow, draft_id) if draft_id else None
            if draft is None or draft.clinic_id != principal.clinic_id:
                raise PermissionError("draft not found in your clinic")
            row = PatientLinkRow(id=uuid.uuid4().hex, token_hash=_hash(token), clinic_id=principal.clinic_id,
                                 draft_id=draft_id, created=now, created_by=principal.user_id,
                                 expires=now + timedelta(days=days), language=language[:16],
                                 measures=json.dumps(list(measures)), opens=0)
            session.add(row)
            audit.write(session, actor=principal, action="create", kind="patient_link", record_id=draft_id,
                        detail={"link": row.id, "days": days, "language": row.language})
            info = _info(row)
        return info, token

    def for_draft(self, principal: Any, draft_id: str) -> list[LinkInfo]:
        query = (select(PatientLinkRow).where(PatientLinkRow.draft_id == draft_id, PatientLinkRow.clinic_id == principal.clinic_id)
                 .order_by(PatientLinkRow.created.desc()))
        with self.db.reading() as session:
            return [_info(r) for r in session.scalars(query)]

    def revoke(self, principal: Any, link_id: str) -> bool:
        with self.db.transaction() as session:
            row = session.get(PatientLinkRow, link_id)
            if row is None or row.clinic_id != principal.clinic_id:
                return False
            if row.revoked_at is None:
                row.revoked_at = _now()
                audit.write(session, actor=principal, action="update", kind="patient_link", record_id=row.draft_id,
                            detail={"link": row.id, "revoked": True})
            return True

    # ------------------------------------------------------------ the patient

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """Refuse every lookup while guessing is throttled; count each unknown secret (in its own
        transaction, after the lookup's has ended, so the count survives the refusal)."""
        if self.throttle.blocked():
            raise LinkRefused("throttled")
        try:
            yield
        except LinkRefused as exc:
            if exc.reason == "unknown":
                self.throttle.failed()
            raise

    def _usable(self, session, token: str, *, now: datetime) -> tuple[PatientLinkRow, DraftRow]:
        """The link and the draft it answers, if the link can be used now (else LinkRefused)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            raise LinkRefused("unknown")
        row = session.scalars(select(PatientLinkRow).where(PatientLinkRow.token_hash == _hash(token))).first()
        if row is None:
            raise LinkRefused("unknown")
        if row.revoked_at is not None or row.opens >= MAX_OPENS:
            raise LinkRefused("revoked", row.language)
        if row.used_at is not None:
            raise LinkRefused("used", row.language)
        if row.expires <= now:
            raise LinkRefused("expired", row.language)
        # Locked until the end of the transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE already is):
        # a practitioner's save cannot land between reading the draft and writing the merge.
        draft = session.get(DraftRow, row.draft_id, with_for_update=True)
        if draft is None or draft.clinic_id != row.clinic_id:
            raise LinkRefused("revoked", row.language)  # the draft was filed or deleted: nothing left to answer
        return row, draft

    def open(self, token: str) -> PatientLink:
        """The link, if it can be used now (else LinkRefused with the reason). Audited as a view."""
        with self._guarded(), self.db.transaction() as session:
            row, draft = self._usable(session, token, now=_now())
            row.opens += 1
            audit.write(session, actor=None, action="view", kind="patient_link", record_id=row.draft_id,
                        clinic_id=row.clinic_id, username=PATIENT_ACTOR, detail={"link": row.id})
            form = json.loads(draft.answers or "{}").get("patient_form") or {}
            return PatientLink(id=row.id, language=row.language, measures=tuple(json.loads(row.measures or "[]")),
                               expires=row.expires, answers=form)

    def save(self, token: str, form: dict[str, Any]) -> None:
        """Store the patient's answers as given and merge them into the draft, marked patient-reported."""
        with self._guarded(), self.db.transaction() as session:
            row, draft = self._usable(session, token, now=_now())
            answers = json.loads(draft.answers or "{}")
            answers = merge_patient_answers(answers, form)
            answers["patient_form"] = form
            draft.answers = json.dumps(answers, ensure_ascii=False, sort_keys=True)
            draft.updated = _now()
            draft.revision = (draft.revision or 1) + 1  # a window with the draft open sees it changed
            draft.writer = PATIENT_WRITER
            audit.write(session, actor=None, action="update", kind="draft", record_id=row.draft_id,
                        clinic_id=row.clinic_id, username=PATIENT_ACTOR, detail={"link": row.id})

    def send(self, token: str) -> None:
        """The patient has finished: the link is used up; the clinic sees the draft's answers."""
        with self._guarded(), self.db.transaction() as session:
            row, _draft = self._usable(session, token, now=_now())
            row.used_at = _now()
            audit.write(session, actor=None, action="update", kind="patient_link", record_id=row.draft_id,
                        clinic_id=row.clinic_id, username=PATIENT_ACTOR, detail={"link": row.id, "sent": True})


def _info(row: PatientLinkRow) -> LinkInfo:
    return LinkInfo(id=row.id, created=row.created, expires=row.expires, used_at=row.used_at, revoked_at=row.revoked_at,
                    language=row.language, measures=tuple(json.loads(row.measures or "[]")), opens=row.opens)
