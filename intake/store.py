"""Drafts, practice attempts and uploaded vignettes: the only module that touches the database.

Every answer the form receives is written here at once, so a refresh, a closed tab or a server
restart loses nothing. A draft is found again by its id, a random, unguessable token that the
form keeps in the page address (``?draft=...``); no clinical field ever goes in the address.

Practice mode stores each student's attempt (``attempts``: what they asked, what they
committed, the score and the marks per part) and the vignettes instructors upload
(``vignettes``); a practice attempt in progress is found again by its id (``?practice=...``).

The database is SQLite in ``$INTAKE_DATA_DIR/intake.sqlite3`` (``./data`` by default), or
whatever ``$DATABASE_URL`` names. Nothing here logs the answers it stores.
"""

from __future__ import annotations

import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, String, Text, create_engine, delete, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

__all__ = [
    "DEFAULT_DATA_DIR",
    "AttemptRecord",
    "Draft",
    "DraftStore",
    "DraftSummary",
    "Store",
    "VignetteRecord",
    "database_url",
    "new_draft_id",
    "student_key",
]

DEFAULT_DATA_DIR = "data"
DB_FILE_NAME = "intake.sqlite3"
MAX_ANSWERS_BYTES = 1_000_000


class _Base(DeclarativeBase):
    pass


class _DraftRow(_Base):
    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    step: Mapped[str] = mapped_column(String(40), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    answers: Mapped[str] = mapped_column(Text, default="{}")
    notes: Mapped[str] = mapped_column(Text, default="")


class _AttemptRow(_Base):
    """One student's go at one case: started when the case opens, scored when they commit."""

    __tablename__ = "attempts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    student: Mapped[str] = mapped_column(String(200))
    student_key: Mapped[str] = mapped_column(String(200), index=True)
    case_id: Mapped[str] = mapped_column(String(100), index=True)
    case_title: Mapped[str] = mapped_column(String(200), default="")
    answers: Mapped[str] = mapped_column(Text, default="{}")
    expected: Mapped[str] = mapped_column(Text, default="{}")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    marks: Mapped[str] = mapped_column(Text, default="{}")
    feedback: Mapped[str] = mapped_column(Text, default="{}")
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    unsafe: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    committed: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class _VignetteRow(_Base):
    """A vignette an instructor uploaded: the whole file's data (case + `expected`) as JSON."""

    __tablename__ = "vignettes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    difficulty: Mapped[str] = mapped_column(String(40), default="")
    data: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


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


def database_url(environ: dict[str, str] | None = None) -> str:
    """``$DATABASE_URL`` if set, else SQLite in ``$INTAKE_DATA_DIR`` (default ``./data``)."""
    env = os.environ if environ is None else environ
    url = env.get("DATABASE_URL", "").strip()
    if url:
        return url
    data_dir = Path(env.get("INTAKE_DATA_DIR", "").strip() or DEFAULT_DATA_DIR)
    return f"sqlite:///{(data_dir / DB_FILE_NAME).resolve()}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class DraftStore:
    """Drafts (create, save, find, list, delete), practice attempts and uploaded vignettes. Safe to share
    between sessions (one engine)."""

    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url, echo=False, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        _Base.metadata.create_all(self.engine)

    def create(self, answers: dict[str, Any] | None = None, step: str = "", consent: bool = False, notes: str = "") -> Draft:
        now = _now()
        draft_id = new_draft_id()
        row = _DraftRow(id=draft_id, created=now, updated=now, step=step, consent=consent,
                        answers=_dump(answers or {}), notes=notes)
        with Session(self.engine) as session, session.begin():
            session.add(row)
        return self.get(draft_id)  # type: ignore[return-value]

    def save(self, draft_id: str, *, answers: dict[str, Any] | None = None, step: str | None = None,
             consent: bool | None = None, notes: str | None = None) -> bool:
        """Write what changed; False when the draft no longer exists (deleted elsewhere)."""
        with Session(self.engine) as session, session.begin():
            row = session.get(_DraftRow, draft_id)
            if row is None:
                return False
            if answers is not None:
                row.answers = _dump(answers)
            if step is not None:
                row.step = step
            if consent is not None:
                row.consent = consent
            if notes is not None:
                row.notes = notes
            row.updated = _now()
        return True

    def get(self, draft_id: str) -> Draft | None:
        if not draft_id or len(draft_id) > 64:
            return None
        with Session(self.engine) as session:
            row = session.get(_DraftRow, draft_id)
            if row is None:
                return None
            return Draft(id=row.id, created=_aware(row.created), updated=_aware(row.updated), step=row.step,
                         consent=bool(row.consent), answers=_load(row.answers), notes=row.notes or "")

    def list(self, limit: int = 200) -> list[DraftSummary]:
        """Most recently updated first."""
        with Session(self.engine) as session:
            rows = session.scalars(select(_DraftRow).order_by(_DraftRow.updated.desc()).limit(limit)).all()
            out = []
            for row in rows:
                patient = _load(row.answers).get("patient") or {}
                out.append(DraftSummary(id=row.id, created=_aware(row.created), updated=_aware(row.updated), step=row.step,
                                        age=patient.get("age"), sex=patient.get("sex"), side=patient.get("side")))
            return out

    def delete(self, draft_id: str) -> bool:
        with Session(self.engine) as session, session.begin():
            result = session.execute(delete(_DraftRow).where(_DraftRow.id == draft_id))
            return bool(result.rowcount)

    # ------------------------------------------------------------ practice attempts

    def start_attempt(self, student: str, case_id: str, case_title: str = "", answers: dict[str, Any] | None = None) -> AttemptRecord:
        """A new attempt, in progress, started now (the time taken counts from here)."""
        student = student.strip()
        if not student:
            raise ValueError("a student name or pseudonym is needed")
        row = _AttemptRow(id=new_draft_id(), student=student[:200], student_key=student_key(student)[:200],
                          case_id=case_id, case_title=case_title[:200], answers=_dump(answers or {}), created=_now())
        with Session(self.engine) as session, session.begin():
            session.add(row)
            attempt_id = row.id
        return self.get_attempt(attempt_id)  # type: ignore[return-value]

    def save_attempt_answers(self, attempt_id: str, answers: dict[str, Any]) -> bool:
        """Record the questions and tests asked so far; False when the attempt is gone or already committed."""
        with Session(self.engine) as session, session.begin():
            row = session.get(_AttemptRow, attempt_id)
            if row is None or row.committed is not None:
                return False
            row.answers = _dump(answers)
        return True

    def commit_attempt(self, attempt_id: str, *, answers: dict[str, Any], expected: dict[str, Any], score: float,
                       marks: dict[str, Any], feedback: dict[str, Any], seconds: float, unsafe: bool) -> bool:
        """Store the committed answer and its score, once; False when gone or already committed."""
        with Session(self.engine) as session, session.begin():
            row = session.get(_AttemptRow, attempt_id)
            if row is None or row.committed is not None:
                return False
            row.answers, row.expected = _dump(answers), _dump(expected)
            row.score, row.marks, row.feedback = float(score), _dump(marks), _dump(feedback)
            row.seconds, row.unsafe, row.committed = float(seconds), bool(unsafe), _now()
        return True

    def get_attempt(self, attempt_id: str) -> AttemptRecord | None:
        if not attempt_id or len(attempt_id) > 64:
            return None
        with Session(self.engine) as session:
            row = session.get(_AttemptRow, attempt_id)
            return None if row is None else _attempt(row)

    def list_attempts(self, student: str | None = None, *, committed_only: bool = True, limit: int = 10_000) -> list[AttemptRecord]:
        """Most recent first; `student` matches the name as typed (case and spacing aside)."""
        query = select(_AttemptRow)
        if student is not None:
            query = query.where(_AttemptRow.student_key == student_key(student))
        if committed_only:
            query = query.where(_AttemptRow.committed.is_not(None))
        query = query.order_by(_AttemptRow.created.desc()).limit(limit)
        with Session(self.engine) as session:
            return [_attempt(row) for row in session.scalars(query).all()]

    def elapsed_seconds(self, attempt_id: str) -> float | None:
        """Seconds since the attempt started (server clock); None when it does not exist."""
        record = self.get_attempt(attempt_id)
        return None if record is None else max(0.0, (_now() - record.created).total_seconds())

    # ------------------------------------------------------------ uploaded vignettes

    def add_vignette(self, data: dict[str, Any], *, title: str = "", difficulty: str = "") -> VignetteRecord:
        """Keep an uploaded vignette (already validated by the caller) under a new random id."""
        row = _VignetteRow(id=new_draft_id(), title=title[:200], difficulty=difficulty[:40], data=_dump(data), created=_now())
        with Session(self.engine) as session, session.begin():
            session.add(row)
            vignette_id = row.id
        return self.get_vignette(vignette_id)  # type: ignore[return-value]

    def get_vignette(self, vignette_id: str) -> VignetteRecord | None:
        if not vignette_id or len(vignette_id) > 64:
            return None
        with Session(self.engine) as session:
            row = session.get(_VignetteRow, vignette_id)
            return None if row is None else _vignette(row)

    def list_vignettes(self) -> list[VignetteRecord]:
        """Oldest first, so the case picker keeps its order as vignettes are added."""
        with Session(self.engine) as session:
            return [_vignette(row) for row in session.scalars(select(_VignetteRow).order_by(_VignetteRow.created)).all()]

    def delete_vignette(self, vignette_id: str) -> bool:
        with Session(self.engine) as session, session.begin():
            return bool(session.execute(delete(_VignetteRow).where(_VignetteRow.id == vignette_id)).rowcount)

    def dispose(self) -> None:
        self.engine.dispose()


#: The store holds drafts, practice attempts and uploaded vignettes; the old name stays.
Store = DraftStore


def _attempt(row: _AttemptRow) -> AttemptRecord:
    return AttemptRecord(
        id=row.id, student=row.student, case_id=row.case_id, case_title=row.case_title or "",
        answers=_load(row.answers), expected=_load(row.expected), score=row.score, marks=_load(row.marks),
        feedback=_load(row.feedback), seconds=row.seconds, unsafe=row.unsafe, created=_aware(row.created),
        committed=_aware(row.committed) if row.committed else None,
    )


def _vignette(row: _VignetteRow) -> VignetteRecord:
    return VignetteRecord(id=row.id, title=row.title or "", difficulty=row.difficulty or "", data=_load(row.data),
                          created=_aware(row.created))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer (two sessions)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


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
