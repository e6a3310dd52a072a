"""Drafts of assessments in progress: the only module that touches the database.

Every answer the form receives is written here at once, so a refresh, a closed tab or a server
restart loses nothing. A draft is found again by its id, a random, unguessable token that the
form keeps in the page address (``?draft=...``); no clinical field ever goes in the address.

The database is SQLite in ``$INTAKE_DATA_DIR/intake.sqlite3`` (``./data`` by default), or
whatever ``$DATABASE_URL`` names. Nothing here logs the answers it stores.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, DateTime, String, Text, create_engine, delete, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

__all__ = ["DEFAULT_DATA_DIR", "Draft", "DraftStore", "DraftSummary", "database_url", "new_draft_id"]

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
    """Create, save, find, list and delete drafts. Safe to share between sessions (one engine)."""

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

    def dispose(self) -> None:
        self.engine.dispose()


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
