"""Drafts, practice attempts and uploaded vignettes, seen through one clinic.

Every answer the form receives is written here at once, so a refresh, a closed tab or a server
restart loses nothing. A draft is found again by its id, a random, unguessable token that the
form keeps in the page address (``?draft=...``); no clinical field ever goes in the address.
A draft of another clinic is, to every method here, a draft that does not exist.

Practice mode stores each student's attempt (``attempts``: what they asked, what they
committed, the score and the marks per part) and the vignettes instructors upload
(``vignettes``); a practice attempt in progress is found again by its id (``?practice=...``).

``Store`` is one per database (a connection pool, shared by every session); ``store.scoped(principal)``
is what a signed-in session works with: its drafts, attempts and vignettes, its clinic's records
(``intake.records``), accounts and the audit log. Nothing here logs the answers it stores.
"""

from __future__ import annotations

import builtins  # `list` is also a method of ClinicStore: annotations inside the class name the type this way
import json
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update

from intake.storage import DB_FILE_NAME, DEFAULT_DATA_DIR, Database, audit, database_url
from intake.storage.accounts import Accounts, Principal
from intake.storage.audit import AuditLog
from intake.storage.clinic_details import ClinicDetails
from intake.storage.database import StoreUnavailable
from intake.storage.records import Records
from intake.storage.schema import AttemptRow, DraftRow, PractitionerRow, VignetteRow

__all__ = [
    "DB_FILE_NAME",
    "DEFAULT_DATA_DIR",
    "AttemptRecord",
    "ClinicStore",
    "Draft",
    "DraftConflict",
    "DraftSummary",
    "Store",
    "StoreUnavailable",
    "VignetteRecord",
    "database_url",
    "new_draft_id",
    "student_key",
]

MAX_ANSWERS_BYTES = 1_000_000


@dataclass(frozen=True)
class Draft:
    """One assessment in progress, as stored: the answers are a nested dict shaped like a case."""

    id: str
    created: datetime
    updated: datetime
    step: str
    consent: bool
    answers: dict[str, Any]
    notes: str
    follows_id: str | None = None
    amends_id: str | None = None
    revision: int = 1
    amends_version: int | None = None


class DraftConflict(RuntimeError):
    """Another window saved this draft after the revision this save started from."""

    def __init__(self, revision: int, by: str, at: datetime, writer: str | None = None):
        self.revision, self.by, self.at, self.writer = revision, by, at.strftime("%H:%M:%S"), writer
        super().__init__(f"changed by {by or 'someone'} at {self.at}")


@dataclass(frozen=True)
class DraftSummary:
    """What the drafts list shows: enough to recognise a draft, no name and no free text."""

    id: str
    created: datetime
    updated: datetime
    step: str
    age: Any
    sex: str | None
    side: str | None
    practitioner: str = ""
    follows_id: str | None = None
    amends_id: str | None = None
    patient_alert: bool = False  # the patient reported a red flag on the pre-visit form


@dataclass(frozen=True)
class AttemptRecord:
    """A practice attempt as stored. `answers` is the Attempt (questions asked, tests done, and
    once committed the commitments); `score`, `marks`, `feedback` and `seconds` are None/empty
    until the student commits."""

    id: str
    student: str
    case_id: str
    case_title: str
    answers: dict[str, Any]
    expected: dict[str, Any]
    score: float | None
    marks: dict[str, Any]
    feedback: dict[str, Any]
    seconds: float | None
    unsafe: bool | None
    created: datetime
    committed: datetime | None

    @property
    def is_committed(self) -> bool:
        return self.committed is not None


@dataclass(frozen=True)
class VignetteRecord:
    id: str
    title: str
    difficulty: str
    data: dict[str, Any]
    created: datetime


def student_key(name: str) -> str:
    """How a student's history is found again: the name as typed, ignoring case, spacing and Unicode form."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def new_draft_id() -> str:
    """A random id (about 190 bits): knowing one draft's address tells nothing about another's."""
    return secrets.token_urlsafe(24)


def _now() -> datetime:
    return datetime.now(UTC)




class Store:
    """One per database: the connection, accounts, records and the audit log."""

    def __init__(self, url: str | None = None):
        self.db = Database(url)
        self.url = self.db.url
        self.engine = self.db.engine
        self.accounts = Accounts(self.db)
        self.records = Records(self.db)
        self.audit = AuditLog(self.db)
        from intake.storage.patient_form_settings import PatientFormSettings
        from intake.storage.patient_links import PatientLinks  # its own module; imports the schema only

        self.patient_links = PatientLinks(self.db)
        self.clinic_details = ClinicDetails(self.db)
        self.patient_form = PatientFormSettings(self.db)

    def scoped(self, principal: Principal) -> ClinicStore:
        return ClinicStore(self, principal)

    def dispose(self) -> None:
        self.db.dispose()


class ClinicStore:
    """What one signed-in practitioner can reach: their clinic's drafts, attempts and vignettes.

    Every query here is filtered by the principal's clinic; there is no unscoped method.
    """

    def __init__(self, root: Store, principal: Principal):
        self.root = root
        self.db = root.db
        self.principal = principal
        self.clinic_id = principal.clinic_id
        self.records = root.records
        self.accounts = root.accounts
        self.audit = root.audit
        self.clinic_details = root.clinic_details
        self.patient_form = root.patient_form

    # ------------------------------------------------------------ drafts

    def create(self, answers: dict[str, Any] | None = None, step: str = "", consent: bool = False, notes: str = "", *,
               follows_id: str | None = None, amends_id: str | None = None, pseudonym: str | None = None,
               amends_version: int | None = None, writer: str | None = None) -> Draft:
        """A new draft at revision 1; ``writer`` (as for ``save``) names the browser session that made it."""
        now = _now()
        text = _dump(answers or {})

        def insert(session) -> str:
            row = DraftRow(id=new_draft_id(), created=now, updated=now, step=step, consent=consent, answers=text,
                           notes=notes, clinic_id=self.clinic_id, practitioner_id=self.principal.user_id,
                           follows_id=follows_id, amends_id=amends_id, pseudonym=pseudonym, revision=1,
                           updated_by=self.principal.user_id, amends_version=amends_version, writer=writer)
            session.add(row)
            audit.write(session, actor=self.principal, action="create", kind="draft", record_id=row.id,
                        detail={"follows": follows_id, "amends": amends_id} if follows_id or amends_id else None)
            return row.id

        draft_id = self.db.write(insert)
        return Draft(id=draft_id, created=now, updated=now, step=step, consent=consent, answers=_load(text), notes=notes,
                     follows_id=follows_id, amends_id=amends_id, revision=1, amends_version=amends_version)

    def save(self, draft_id: str, *, answers: dict[str, Any] | None = None, step: str | None = None,
             consent: bool | None = None, notes: str | None = None, expected_revision: int | None = None,
             writer: str | None = None) -> int | None:
        """Write what changed, in one short transaction; the draft's new revision, or None when it no
        longer exists (deleted elsewhere) or is not this clinic's.

        With ``expected_revision`` the write happens only if the draft is still at that revision
        (a compare-and-set in the database itself): otherwise ``DraftConflict`` says who wrote in
        between and when, and nothing is written.
        """
        values: dict[str, Any] = {"updated": _now(), "updated_by": self.principal.user_id,
                                  "revision": DraftRow.revision + 1, "writer": writer}
        if answers is not None:
            values["answers"] = _dump(answers)
        if step is not None:
            values["step"] = step
        if consent is not None:
            values["consent"] = consent
        if notes is not None:
            values["notes"] = notes

        def write(session) -> int | None:
            where = [DraftRow.id == draft_id, DraftRow.clinic_id == self.clinic_id]
            if expected_revision is not None:
                where.append(DraftRow.revision == expected_revision)
            done = session.execute(update(DraftRow).where(*where).values(**values).returning(DraftRow.revision)).first()
            if done is not None:
                return int(done[0])
            row = self._own_draft(session, draft_id)
            if row is None:
                return None
            who = session.get(PractitionerRow, row.updated_by) if row.updated_by else None
            raise DraftConflict(row.revision, who.display_name if who else "", row.updated, row.writer)

        if not draft_id or len(draft_id) > 64:
            return None
        return self.db.write(write)

    def get(self, draft_id: str) -> Draft | None:
        with self.db.reading() as session:
            row = self._own_draft(session, draft_id)
            if row is None:
                return None
            return Draft(id=row.id, created=row.created, updated=row.updated, step=row.step,
                         consent=bool(row.consent), answers=_load(row.answers), notes=row.notes or "",
                         follows_id=row.follows_id, amends_id=row.amends_id, revision=row.revision or 1,
                         amends_version=row.amends_version)

    def list(self, limit: int = 200) -> list[DraftSummary]:
        """The clinic's drafts, most recently updated first."""
        query = (select(DraftRow, PractitionerRow.display_name).outerjoin(PractitionerRow, PractitionerRow.id == DraftRow.practitioner_id)
                 .where(DraftRow.clinic_id == self.clinic_id).order_by(DraftRow.updated.desc()).limit(limit))
        with self.db.reading() as session:
            out = []
            for row, practitioner in session.execute(query):
                answers = _load(row.answers)
                patient = answers.get("patient") or {}
                out.append(DraftSummary(id=row.id, created=row.created, updated=row.updated, step=row.step,
                                        age=patient.get("age"), sex=patient.get("sex"), side=patient.get("side"),
                                        practitioner=practitioner or "", follows_id=row.follows_id, amends_id=row.amends_id,
                                        patient_alert=bool(answers.get("patient_alert"))))
            out.sort(key=lambda d: not d.patient_alert)  # a red flag the patient reported comes first (stable)
            return out

    def delete(self, draft_id: str) -> bool:
        with self.db.transaction() as session:
            if self._own_draft(session, draft_id) is None:
                return False
            session.execute(delete(DraftRow).where(DraftRow.id == draft_id))
            audit.write(session, actor=self.principal, action="delete", kind="draft", record_id=draft_id)
            return True

    def log_view(self, draft_id: str) -> bool:
        """Audit that one of the clinic's drafts was opened (resumed from the list or the address)."""
        with self.db.transaction() as session:
            if self._own_draft(session, draft_id) is None:
                return False
            audit.write(session, actor=self.principal, action="view", kind="draft", record_id=draft_id)
            return True

    def file(self, draft_id: str | None, case, assessment):
        """File the finished assessment as a record and remove its draft, in one transaction."""
        draft = self.get(draft_id) if draft_id else None
        return self.records.file(self.principal, case, assessment, draft_id=draft.id if draft else None,
                                 follows_id=draft.follows_id if draft else None, amends_id=draft.amends_id if draft else None,
                                 amends_version=draft.amends_version if draft else None)

    def _own_draft(self, session, draft_id: str) -> DraftRow | None:
        if not draft_id or len(draft_id) > 64:
            return None
        row = session.get(DraftRow, draft_id)
        return row if row is not None and row.clinic_id == self.clinic_id else None

    # ------------------------------------------------------------ practice attempts

    def start_attempt(self, student: str, case_id: str, case_title: str = "", answers: dict[str, Any] | None = None) -> AttemptRecord:
        """A new attempt, in progress, started now (the time taken counts from here)."""
        student = student.strip()
        if not student:
            raise ValueError("a student name or pseudonym is needed")
        row = AttemptRow(id=new_draft_id(), student=student[:200], student_key=student_key(student)[:200], case_id=case_id,
                         case_title=case_title[:200], answers=_dump(answers or {}), created=_now(), clinic_id=self.clinic_id)
        with self.db.transaction() as session:
            session.add(row)
            attempt_id = row.id
        return self.get_attempt(attempt_id)  # type: ignore[return-value]

    def save_attempt_answers(self, attempt_id: str, answers: dict[str, Any]) -> bool:
        """Record the questions and tests asked so far; False when the attempt is gone or already committed."""
        with self.db.transaction() as session:
            row = self._own_attempt(session, attempt_id)
            if row is None or row.committed is not None:
                return False
            row.answers = _dump(answers)
        return True

    def commit_attempt(self, attempt_id: str, *, answers: dict[str, Any], expected: dict[str, Any], score: float,
                       marks: dict[str, Any], feedback: dict[str, Any], seconds: float, unsafe: bool) -> bool:
        """Store the committed answer and its score, once; False when gone or already committed."""
        with self.db.transaction() as session:
            row = self._own_attempt(session, attempt_id)
            if row is None or row.committed is not None:
                return False
            row.answers, row.expected = _dump(answers), _dump(expected)
            row.score, row.marks, row.feedback = float(score), _dump(marks), _dump(feedback)
            row.seconds, row.unsafe, row.committed = float(seconds), bool(unsafe), _now()
        return True

    def get_attempt(self, attempt_id: str) -> AttemptRecord | None:
        with self.db.reading() as session:
            row = self._own_attempt(session, attempt_id)
            return None if row is None else _attempt(row)

    def list_attempts(self, student: str | None = None, *, committed_only: bool = True, limit: int = 10_000) -> builtins.list[AttemptRecord]:
        """Most recent first; `student` matches the name as typed (case and spacing aside)."""
        query = select(AttemptRow).where(AttemptRow.clinic_id == self.clinic_id)
        if student is not None:
            query = query.where(AttemptRow.student_key == student_key(student))
        if committed_only:
            query = query.where(AttemptRow.committed.is_not(None))
        query = query.order_by(AttemptRow.created.desc()).limit(limit)
        with self.db.reading() as session:
            return [_attempt(row) for row in session.scalars(query).all()]

    def elapsed_seconds(self, attempt_id: str) -> float | None:
        """Seconds since the attempt started (server clock); None when it does not exist."""
        record = self.get_attempt(attempt_id)
        return None if record is None else max(0.0, (_now() - record.created).total_seconds())

    def _own_attempt(self, session, attempt_id: str) -> AttemptRow | None:
        if not attempt_id or len(attempt_id) > 64:
            return None
        row = session.get(AttemptRow, attempt_id)
        return row if row is not None and row.clinic_id == self.clinic_id else None

    # ------------------------------------------------------------ uploaded vignettes

    def add_vignette(self, data: dict[str, Any], *, title: str = "", difficulty: str = "") -> VignetteRecord:
        """Keep an uploaded vignette (already validated by the caller) under a new random id."""
        row = VignetteRow(id=new_draft_id(), title=title[:200], difficulty=difficulty[:40], data=_dump(data), created=_now(),
                          clinic_id=self.clinic_id)
        with self.db.transaction() as session:
            session.add(row)
            vignette_id = row.id
        return self.get_vignette(vignette_id)  # type: ignore[return-value]

    def get_vignette(self, vignette_id: str) -> VignetteRecord | None:
        if not vignette_id or len(vignette_id) > 64:
            return None
        with self.db.reading() as session:
            row = session.get(VignetteRow, vignette_id)
            return None if row is None or row.clinic_id != self.clinic_id else _vignette(row)

    def list_vignettes(self) -> builtins.list[VignetteRecord]:
        """Oldest first, so the case picker keeps its order as vignettes are added."""
        query = select(VignetteRow).where(VignetteRow.clinic_id == self.clinic_id).order_by(VignetteRow.created)
        with self.db.reading() as session:
            return [_vignette(row) for row in session.scalars(query).all()]

    def delete_vignette(self, vignette_id: str) -> bool:
        with self.db.transaction() as session:
            result = session.execute(delete(VignetteRow).where(VignetteRow.id == vignette_id, VignetteRow.clinic_id == self.clinic_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]  # a DELETE gives a CursorResult


def _attempt(row: AttemptRow) -> AttemptRecord:
    return AttemptRecord(
        id=row.id, student=row.student, case_id=row.case_id, case_title=row.case_title or "",
        answers=_load(row.answers), expected=_load(row.expected), score=row.score, marks=_load(row.marks),
        feedback=_load(row.feedback), seconds=row.seconds, unsafe=row.unsafe, created=row.created,
        committed=row.committed,
    )


def _vignette(row: VignetteRow) -> VignetteRecord:
    return VignetteRecord(id=row.id, title=row.title or "", difficulty=row.difficulty or "", data=_load(row.data),
                          created=row.created)


def _dump(answers: dict[str, Any]) -> str:
    text = json.dumps(answers, ensure_ascii=False, sort_keys=True, allow_nan=False)
    if len(text.encode("utf-8")) > MAX_ANSWERS_BYTES:
        raise ValueError("the draft is too large to store")
    return text


def _load(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
