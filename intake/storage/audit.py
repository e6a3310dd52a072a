"""The audit log: who created, viewed, changed, exported or deleted which record, and when.

Entries are written in the same transaction as the change they describe, so a change is never
stored without its entry (nor an entry without its change). They name records by id and never
hold a patient's name or answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.storage import Database
from intake.storage.schema import AuditRow

__all__ = ["ACTIONS", "AuditEntry", "AuditLog", "write"]

Action = Literal["create", "view", "update", "export", "delete", "purge", "sign_in", "sign_in_failed", "sign_out",
                 "timeout", "restore", "backup", "settings", "account"]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    username: str
    action: str
    kind: str
    record_id: str | None
    detail: dict[str, Any]


def write(session: Session, *, actor: Any | None, action: str, kind: str, record_id: str | None = None,
          detail: dict[str, Any] | None = None, clinic_id: str | None = None, username: str | None = None) -> None:
    """Add one entry to `session` (committed with whatever else the session writes).

    `actor` is the signed-in Principal (or None for the command line and failed sign-ins).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(AuditRow(
        at=datetime.now(UTC),
        clinic_id=clinic_id if clinic_id is not None else getattr(actor, "clinic_id", None),
        practitioner_id=getattr(actor, "user_id", None),
        username=(username if username is not None else getattr(actor, "username", "")) or "",
        action=action, kind=kind, record_id=record_id,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
    ))


class AuditLog:
    """Reading the log, one clinic at a time."""

    def __init__(self, db: Database):
        self.db = db

    def entries(self, clinic_id: str, *, record_id: str | None = None, limit: int = 500) -> list[AuditEntry]:
        """Most recent first."""
        with self.db.reading() as session:
            return _entries(session, clinic_id, record_id, limit)

    def export(self, principal: Any, *, limit: int = 100_000) -> list[AuditEntry]:
        """The clinic's entries for a download (administrators only); the download is itself logged."""
        if not getattr(principal, "is_admin", False):
            raise PermissionError("Only a clinic administrator can export the audit log.")
        with self.db.transaction() as session:
            found = _entries(session, principal.clinic_id, None, limit)
            write(session, actor=principal, action="export", kind="audit", detail={"count": len(found)})
            return found


def _entries(session: Session, clinic_id: str, record_id: str | None, limit: int) -> list[AuditEntry]:
    query = select(AuditRow).where(AuditRow.clinic_id == clinic_id)
    if record_id is not None:
        query = query.where(AuditRow.record_id == record_id)
    query = query.order_by(AuditRow.id.desc()).limit(limit)
    return [AuditEntry(id=row.id, at=row.at, username=row.username,
                       action=row.action, kind=row.kind, record_id=row.record_id, detail=json.loads(row.detail or "{}"))
            for row in session.scalars(query)]
