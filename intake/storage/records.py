"""Filed assessments: file, find, open, amend, follow up, export, delete and purge, one clinic at a time.

Every method takes the signed-in ``Principal`` and touches only rows of that principal's clinic:
a record of another clinic is, to every route here, a record that does not exist. Each change is
one transaction with its audit entry; a record is confirmed to the practitioner only after that
transaction has committed.

A patient is known across visits by a pseudonym (``P-7KQ2M9XD``): random when first filed, carried
over by a follow-up. The name stays in the record for the practitioner's search and the PDFs; the
tabular export and FHIR carry the pseudonym only.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from intake.loader import load_case
from intake.models import ORIGINS, RED_FLAG_CONDITIONS, Assessment, Case
from intake.storage import Database, audit
from intake.storage.accounts import Principal
from intake.storage.schema import ClinicRow, DraftRow, PractitionerRow, RecordRow, RecordVersionRow

__all__ = ["EXPORT_COLUMNS", "AccessDenied", "Record", "RecordFilter", "RecordSummary", "Records", "leading_origins",
           "new_pseudonym"]

_PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: easy to read aloud and type
EXPORT_COLUMNS = ("record_id", "patient_pseudonym", "assessed_on", "practitioner", "leading_origins", "red_flags",
                  "referral", "muscles", "version", "follow_up_of", "knowledge_version")
MAX_LIST = 500


class AccessDenied(PermissionError):
    """The principal may not do this (the message says what is needed)."""


def new_pseudonym() -> str:
    return "P-" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(8))


def leading_origins(assessment: Assessment) -> list[str]:
    """The origins the reasoning leads with: every 'likely' one, or else the top-ranked one."""
    likely = [o.id for o in assessment.origins if o.likelihood == "likely"]
    if likely:
        return likely
    return [assessment.origins[0].id] if assessment.origins else []


def _tokens(values: list[str]) -> str:
    return "|" + "".join(f"{v}|" for v in values)


def _untoken(text: str) -> tuple[str, ...]:
    return tuple(t for t in (text or "").split("|") if t)


def _search_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class RecordFilter:
    """What the records page filters on; every part optional (and all must hold)."""

    patient: str = ""  # part of the name or the pseudonym, any case
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    origin: str | None = None  # among the leading origins
    red_flag: str | None = None  # a red-flag condition, or "any"
    practitioner_id: str | None = None
    referral: str | None = None


@dataclass(frozen=True)
class RecordSummary:
    """One line of the records list: no clinical JSON."""

    id: str
    pseudonym: str
    patient_name: str
    assessed_at: datetime
    practitioner_id: str
    practitioner: str
    origins: tuple[str, ...]
    red_flags: tuple[tuple[str, str], ...]  # (condition, urgency)
    referral: str
    muscles: tuple[str, ...]
    version: int
    follows_id: str | None


@dataclass(frozen=True)
class Record(RecordSummary):
    """A whole record: the case and the assessment exactly as filed."""

    case_data: dict[str, Any] = field(default_factory=dict)
    assessment_data: dict[str, Any] = field(default_factory=dict)
    knowledge_version: str = ""

    def case(self) -> Case:
        return load_case(self.case_data)

    def assessment(self) -> Assessment:
        """The reasoning as it was when filed (not re-run on today's knowledge base)."""
        return Assessment.model_validate(self.assessment_data)


_SUMMARY_COLUMNS = (RecordRow.id, RecordRow.pseudonym, RecordRow.patient_name, RecordRow.assessed_at, RecordRow.practitioner_id,
                    PractitionerRow.display_name, RecordRow.origins, RecordRow.red_flags, RecordRow.referral, RecordRow.muscles,
                    RecordRow.version, RecordRow.follows_id)


def _summary(row) -> RecordSummary:
    flags = tuple(tuple(t.split(":", 1)) if ":" in t else (t, "") for t in _untoken(row.red_flags))
    return RecordSummary(id=row.id, pseudonym=row.pseudonym, patient_name=row.patient_name, assessed_at=row.assessed_at,
                         practitioner_id=row.practitioner_id, practitioner=row.display_name, origins=_untoken(row.origins),
                         red_flags=flags, referral=row.referral, muscles=_untoken(row.muscles),  # type: ignore[arg-type]
                         version=row.version, follows_id=row.follows_id)


class Records:
    def __init__(self, db: Database):
        self.db = db

    # ------------------------------------------------------------------ filing

    def file(self, principal: Principal, case: Case, assessment: Assessment, *, draft_id: str | None = None,
             follows_id: str | None = None, amends_id: str | None = None, assessed_at: datetime | None = None) -> Record:
        """Store a finished assessment (or replace the one `amends_id` names), remove the draft it
        came from, and audit it — all in one transaction. Returns the record as committed."""
        _require_clinical(principal)
        now = datetime.now(UTC)
        case_data = case.to_data()
        assessment_data = assessment.model_dump(mode="json", by_alias=True)
        columns = {
            "patient_name": (case.patient.name or "")[:200],
            "patient_key": _search_key(case.patient.name or "")[:200],
            "origins": _tokens(leading_origins(assessment)),
            "red_flags": _tokens([f"{f.id}:{f.urgency}" for f in assessment.red_flags]),
            "referral": assessment.referral,
            "muscles": _tokens([m.id for m in assessment.muscles]),
            "knowledge_version": assessment.knowledge_version,
            "case_data": _dump(case_data),
            "assessment_data": _dump(assessment_data),
            "updated": now,
        }
        with self.db.transaction() as session:
            if amends_id is not None:
                row = self._own(session, principal, amends_id)
                if row is None:
                    raise AccessDenied("The record being amended does not exist in your clinic.")
                for key, value in columns.items():
                    setattr(row, key, value)
                row.version += 1
                action = "update"
            else:
                pseudonym = None
                if follows_id is not None:
                    previous = self._own(session, principal, follows_id)
                    if previous is None:
                        raise AccessDenied("The record this follows does not exist in your clinic.")
                    pseudonym = previous.pseudonym
                row = RecordRow(id=secrets.token_urlsafe(24), clinic_id=principal.clinic_id, practitioner_id=principal.user_id,
                                pseudonym=pseudonym or new_pseudonym(), assessed_at=assessed_at or now, version=1,
                                follows_id=follows_id, **columns)
                session.add(row)
                session.flush()
                action = "create"
            session.add(RecordVersionRow(record_id=row.id, version=row.version, saved_at=now, practitioner_id=principal.user_id,
                                         case_data=columns["case_data"], assessment_data=columns["assessment_data"]))
            if draft_id is not None:
                session.execute(delete(DraftRow).where(DraftRow.id == draft_id, DraftRow.clinic_id == principal.clinic_id))
            audit.write(session, actor=principal, action=action, kind="assessment", record_id=row.id,
                        detail={"version": row.version, "red_flags": len(assessment.red_flags), "referral": assessment.referral})
            record_id = row.id
        record = self.get(principal, record_id, audit_view=False)
        assert record is not None  # just committed in this clinic
        return record

    # ------------------------------------------------------------------ reading

    def get(self, principal: Principal, record_id: str, *, audit_view: bool = True) -> Record | None:
        """The whole record, or None when it is not in the principal's clinic. Opening it is audited."""
        _require_clinical(principal)
        if not record_id or len(record_id) > 64:
            return None
        query = self._filtered(select(*_SUMMARY_COLUMNS, RecordRow.case_data, RecordRow.assessment_data,
                                      RecordRow.knowledge_version), principal, RecordFilter()).where(RecordRow.id == record_id)
        with self.db.transaction() as session:
            row = session.execute(query).first()
            if row is None:
                return None
            if audit_view:
                audit.write(session, actor=principal, action="view", kind="assessment", record_id=row.id)
            return Record(**_summary(row).__dict__, case_data=json.loads(row.case_data),
                          assessment_data=json.loads(row.assessment_data), knowledge_version=row.knowledge_version)

    def list(self, principal: Principal, where: RecordFilter = RecordFilter(), *, limit: int = 200,
             offset: int = 0) -> tuple[list[RecordSummary], int]:
        """One page of matching records, newest first, and how many match in all."""
        _require_clinical(principal)
        query = self._filtered(select(*_SUMMARY_COLUMNS), principal, where)
        count_query = self._filtered(select(func.count(RecordRow.id)), principal, where)
        with self.db.reading() as session:
            total = session.scalar(count_query) or 0
            rows = session.execute(query.order_by(RecordRow.assessed_at.desc(), RecordRow.id)
                                   .limit(max(1, min(limit, MAX_LIST))).offset(max(0, offset))).all()
        return [_summary(r) for r in rows], total

    def history(self, principal: Principal, pseudonym: str) -> list[RecordSummary]:
        """Every record of one patient in the clinic, oldest first (the follow-up chain)."""
        rows, _ = self.list(principal, RecordFilter(patient=pseudonym), limit=MAX_LIST)
        return sorted((r for r in rows if r.pseudonym == pseudonym), key=lambda r: r.assessed_at)

    def versions(self, principal: Principal, record_id: str) -> list[tuple[int, datetime, str]]:
        """(version, saved at, practitioner) for each version of a record of the clinic."""
        _require_clinical(principal)
        query = (select(RecordVersionRow.version, RecordVersionRow.saved_at, PractitionerRow.display_name)
                 .join(RecordRow, RecordRow.id == RecordVersionRow.record_id)
                 .outerjoin(PractitionerRow, PractitionerRow.id == RecordVersionRow.practitioner_id)
                 .where(RecordVersionRow.record_id == record_id, RecordRow.clinic_id == principal.clinic_id)
                 .order_by(RecordVersionRow.version))
        with self.db.reading() as session:
            return [(v, at, who or "") for v, at, who in session.execute(query)]

    # ------------------------------------------------------------------ exports

    def export_rows(self, principal: Principal, where: RecordFilter = RecordFilter(), *, fmt: str = "csv",
                    labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """One row per matching record (no names), audited as one export naming every record it holds."""
        _require_clinical(principal)
        label = (labels or {}).get
        query = self._filtered(select(*_SUMMARY_COLUMNS, RecordRow.knowledge_version), principal, where)
        with self.db.transaction() as session:
            rows = session.execute(query.order_by(RecordRow.assessed_at.desc(), RecordRow.id)).all()
            out = []
            for row in rows:
                flags = [t.split(":", 1) for t in _untoken(row.red_flags)]
                out.append({
                    "record_id": row.id,
                    "patient_pseudonym": row.pseudonym,
                    "assessed_on": row.assessed_at.date().isoformat(),
                    "practitioner": row.display_name,
                    "leading_origins": "; ".join(label(o) or o for o in _untoken(row.origins)),
                    "red_flags": "; ".join(f"{label(c) or c} ({u})" for c, u in flags),
                    "referral": row.referral,
                    "muscles": "; ".join(label(m) or m for m in _untoken(row.muscles)),
                    "version": row.version,
                    "follow_up_of": row.follows_id or "",
                    "knowledge_version": row.knowledge_version,
                })
            audit.write(session, actor=principal, action="export", kind="assessment",
                        detail={"format": fmt, "count": len(out), "records": [r["record_id"] for r in out],
                                "filter": {k: v for k, v in where.__dict__.items() if v not in (None, "")}})
        return out

    def log_export(self, principal: Principal, record_id: str, fmt: str) -> bool:
        """Audit a single record leaving the system (a re-issued PDF, FHIR, the case file)."""
        _require_clinical(principal)
        with self.db.transaction() as session:
            if self._own(session, principal, record_id) is None:
                return False
            audit.write(session, actor=principal, action="export", kind="assessment", record_id=record_id, detail={"format": fmt})
            return True

    # ------------------------------------------------------------------ deleting

    def delete(self, principal: Principal, record_id: str) -> bool:
        """Delete a record and its versions (its author or a clinic administrator); False when it is not in the clinic."""
        _require_clinical(principal)
        with self.db.transaction() as session:
            row = self._own(session, principal, record_id)
            if row is None:
                return False
            if not (principal.is_admin or row.practitioner_id == principal.user_id):
                raise AccessDenied("Only the practitioner who filed a record, or a clinic administrator, can delete it.")
            session.execute(delete(RecordVersionRow).where(RecordVersionRow.record_id == row.id))
            session.delete(row)
            audit.write(session, actor=principal, action="delete", kind="assessment", record_id=record_id,
                        detail={"pseudonym": row.pseudonym})
            return True

    def expired(self, clinic_id: str, now: datetime | None = None) -> int:
        """How many records the clinic's retention period would purge now."""
        with self.db.reading() as session:
            cutoff = self._cutoff(session, clinic_id, now)
            if cutoff is None:
                return 0
            return session.scalar(select(func.count(RecordRow.id)).where(RecordRow.clinic_id == clinic_id,
                                                                          RecordRow.assessed_at < cutoff)) or 0

    def purge(self, clinic_id: str, *, actor: Principal | None = None, now: datetime | None = None) -> int:
        """Delete the clinic's records assessed longer ago than its retention period; each is audited."""
        if actor is not None and (not actor.is_admin or actor.clinic_id != clinic_id):
            raise AccessDenied("Only a clinic administrator can purge its records.")
        with self.db.transaction() as session:
            cutoff = self._cutoff(session, clinic_id, now)
            if cutoff is None:
                return 0
            doomed = session.execute(select(RecordRow.id, RecordRow.pseudonym)
                                     .where(RecordRow.clinic_id == clinic_id, RecordRow.assessed_at < cutoff)).all()
            ids = [r.id for r in doomed]
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                session.execute(delete(RecordVersionRow).where(RecordVersionRow.record_id.in_(chunk)))
                session.execute(delete(RecordRow).where(RecordRow.id.in_(chunk)))
            for record_id, pseudonym in doomed:
                audit.write(session, actor=actor, action="purge", kind="assessment", record_id=record_id, clinic_id=clinic_id,
                            username=None if actor else "retention", detail={"pseudonym": pseudonym, "before": cutoff.isoformat()})
            return len(ids)

    def purge_all(self, now: datetime | None = None) -> dict[str, int]:
        """Apply every clinic's retention period (the scheduled command); clinic name → records purged."""
        with self.db.reading() as session:
            clinics = session.execute(select(ClinicRow.id, ClinicRow.name).where(ClinicRow.retention_days.is_not(None))).all()
        return {name: self.purge(clinic_id, now=now) for clinic_id, name in clinics}

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _own(session: Session, principal: Principal, record_id: str) -> RecordRow | None:
        if not record_id or len(record_id) > 64:
            return None
        row = session.get(RecordRow, record_id)
        return row if row is not None and row.clinic_id == principal.clinic_id else None

    @staticmethod
    def _cutoff(session: Session, clinic_id: str, now: datetime | None) -> datetime | None:
        clinic = session.get(ClinicRow, clinic_id)
        if clinic is None or clinic.retention_days is None:
            return None
        return (now or datetime.now(UTC)) - timedelta(days=clinic.retention_days)

    @staticmethod
    def _filtered(query: Select, principal: Principal, where: RecordFilter) -> Select:
        query = query.select_from(RecordRow).join(PractitionerRow, PractitionerRow.id == RecordRow.practitioner_id)
        query = query.where(RecordRow.clinic_id == principal.clinic_id)
        if where.patient.strip():
            needle = f"%{_like_escape(_search_key(where.patient))}%"
            query = query.where(or_(RecordRow.patient_key.like(needle, escape="\\"),
                                    func.lower(RecordRow.pseudonym).like(needle, escape="\\")))
        if where.date_from is not None:
            query = query.where(RecordRow.assessed_at >= datetime.combine(where.date_from, time.min, UTC))
        if where.date_to is not None:
            query = query.where(RecordRow.assessed_at < datetime.combine(where.date_to + timedelta(days=1), time.min, UTC))
        if where.origin:
            if where.origin not in ORIGINS:
                raise ValueError(f"unknown origin {where.origin!r}")
            query = query.where(RecordRow.origins.like(f"%|{where.origin}|%"))
        if where.red_flag == "any":
            query = query.where(RecordRow.red_flags != "|")
        elif where.red_flag:
            if where.red_flag not in RED_FLAG_CONDITIONS:
                raise ValueError(f"unknown red-flag condition {where.red_flag!r}")
            query = query.where(RecordRow.red_flags.like(f"%|{where.red_flag}:%"))
        if where.practitioner_id:
            query = query.where(RecordRow.practitioner_id == where.practitioner_id)
        if where.referral:
            query = query.where(RecordRow.referral == where.referral)
        return query


def _require_clinical(principal: Principal) -> None:
    if principal is None or not principal.sees_patients:
        raise AccessDenied("Patient records need a practitioner or administrator account.")


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)
