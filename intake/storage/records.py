"""Filed assessments: file, find, open, amend, follow up, export, delete and purge, one clinic at a time.

Every method takes the signed-in ``Principal`` and touches only rows of that principal's clinic:
a record of another clinic is, to every route here, a record that does not exist. Each change is
one transaction with its audit entry; a record is confirmed to the practitioner only after that
transaction has committed.

A patient is known across visits by a pseudonym (``P-7KQ2M9XD``): random when first filed, carried
over by a follow-up. The name stays in the record for the practitioner's search and the PDFs; the
tabular export and FHIR carry the pseudonym only.

Nothing a user waits for grows with the table: a page is read newest first through an index in
(assessed_at, id) order and continued from the last row shown (keyset paging, `page`); the total
is exact up to `COUNT_LIMIT` and "more than that" beyond, so counting stops early; a patient's
history is an exact pseudonym lookup. A record's content is stored once, packed, as its current
version (``packing``).
"""

from __future__ import annotations

import builtins  # `list` is also a method of Records: annotations inside the class name the type this way
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from intake import record_search
from intake.errors import InvalidInput, NotAllowed
from intake.loader import load_case
from intake.models import ORIGINS, RED_FLAG_CONDITIONS, Assessment, Case
from intake.outcome_tracking import outcome_text, outcome_tokens
from intake.policy.roles import may_delete_record
from intake.storage import Database, audit
from intake.storage.accounts import Principal
from intake.storage.packing import pack, unpack
from intake.storage.schema import ClinicRow, DraftRow, PractitionerRow, RecordRow, RecordTermRow, RecordVersionRow

__all__ = [
    "COUNT_LIMIT",
    "EXPORT_COLUMNS",
    "NOT_KEPT",
    "AccessDenied",
    "Cursor",
    "Record",
    "RecordChanged",
    "RecordFilter",
    "RecordPage",
    "RecordSummary",
    "Records",
    "leading_origins",
    "new_pseudonym",
    "record_content",
    "summary_columns",
    "term_rows",
]

_PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: easy to read aloud and type
EXPORT_COLUMNS = ("record_id", "patient_pseudonym", "assessed_on", "practitioner", "leading_origins", "red_flags",
                  "referral", "muscles", "version", "follow_up_of", "knowledge_version", "outcome_scores")
MAX_LIST = 500
#: Totals are exact up to this many matches, and "more than" it beyond (a count that stops early
#: costs the same at any table size; an exact one reads every match).
COUNT_LIMIT = 1000
_EXPORT_BATCH = 1000

#: Where a page continues: the (assessed_at, id) of the last record before it.
Cursor = tuple[datetime, str]


class AccessDenied(NotAllowed):
    """The principal may not do this (the message says what is needed)."""


class RecordChanged(InvalidInput, RuntimeError):
    """An amendment started from an older version than the record has now: refused, never a lost update."""

    def __init__(self, version: int, by: str, at: datetime):
        self.version, self.by, self.at = version, by, at
        super().__init__(f"The record was changed by {by or 'someone'} at {at:%Y-%m-%d %H:%M} UTC (it is now version "
                         f"{version}) — reload it and amend that version.")


def _changed(session: Session, record_id: str) -> RecordChanged:
    row = session.get(RecordRow, record_id, populate_existing=True)
    last = session.scalars(select(RecordVersionRow).where(RecordVersionRow.record_id == record_id)
                           .order_by(RecordVersionRow.version.desc()).limit(1)).first()
    who = session.get(PractitionerRow, last.practitioner_id) if last is not None else None
    return RecordChanged(row.version if row else 0, who.display_name if who else "",
                         last.saved_at if last is not None else datetime.now(UTC))


def new_pseudonym() -> str:
    return "P-" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(8))


def leading_origins(assessment: Assessment) -> list[str]:
    """The origins the reasoning leads with: every 'likely' one, or else the top-ranked one."""
    likely: list[str] = [o.id for o in assessment.origins if o.likelihood == "likely"]
    if likely:
        return likely
    return [assessment.origins[0].id] if assessment.origins else []


def _tokens(values: list[str]) -> str:
    return "|" + "".join(f"{v}|" for v in values)


def _untoken(text: str) -> tuple[str, ...]:
    return tuple(t for t in (text or "").split("|") if t)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class RecordFilter:
    """What the records page filters on; every part optional (and all must hold)."""

    patient: str = ""  # parts of the name, or the pseudonym or its start (P-7KQ…), any case
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
class RecordPage:
    """One page of the list: its records, the total (exact unless `more`: then more than `total`),
    and where the next page starts (None on the last)."""

    rows: list[RecordSummary]
    total: int
    more: bool
    next_after: Cursor | None


@dataclass(frozen=True)
class Record(RecordSummary):
    """A whole record: the case and the assessment as filed (all but `NOT_KEPT`)."""

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


#: What a filed record does not keep of its assessment: the next-question list is an aid for the
#: assessment still in progress (7 kB of JSON, half the rest), worked out again from the case
#: whenever it is wanted, and nothing made from a record (screen, PDFs, FHIR, export) reads it.
NOT_KEPT = frozenset({"next_questions"})


def record_content(case: Case, assessment: Assessment) -> bytes:
    """What a record's version stores: the case as filed and the assessment's conclusions, packed."""
    return pack({"case": case.to_data(),
                 "assessment": assessment.model_dump(mode="json", by_alias=True, exclude=set(NOT_KEPT))})


def summary_columns(case: Case, assessment: Assessment) -> dict[str, Any]:
    """The columns of a record row the list shows and filters on, from the case and its assessment."""
    return {
        "patient_name": (case.patient.name or "")[:200],
        "patient_key": record_search.normalise(case.patient.name or "")[:200],
        "origins": _tokens(leading_origins(assessment)),
        "red_flags": _tokens([f"{f.id}:{f.urgency}" for f in assessment.red_flags]),
        "referral": assessment.referral,
        "muscles": _tokens([m.id for m in assessment.muscles]),
        "knowledge_version": assessment.knowledge_version,
        "outcome_scores": outcome_tokens(assessment.model_dump(mode="json"))[:1000],
    }


def term_rows(record_id: str, patient_key: str) -> list[dict[str, str]]:
    return [{"term": term, "record_id": record_id} for term in sorted(record_search.name_terms(patient_key))]


class Records:
    def __init__(self, db: Database):
        self.db = db

    # ------------------------------------------------------------------ filing

    def file(self, principal: Principal, case: Case, assessment: Assessment, *, draft_id: str | None = None,
             follows_id: str | None = None, amends_id: str | None = None, assessed_at: datetime | None = None,
             amends_version: int | None = None) -> Record:
        """Store a finished assessment (or replace the one `amends_id` names), remove the draft it
        came from, and audit it — all in one transaction. Returns the record as committed.

        An amendment names the version it started from (``amends_version``): the version goes up in
        one conditional UPDATE, so two amendments never share a number, and one that started from an
        older version than the record has now is refused (``RecordChanged``), never a lost update."""
        _require_clinical(principal)
        now = datetime.now(UTC)
        columns = summary_columns(case, assessment) | {"updated": now}
        content = record_content(case, assessment)
        with self.db.transaction() as session:
            if amends_id is not None:
                row = self._own(session, principal, amends_id)
                if row is None:
                    raise AccessDenied("The record being amended does not exist in your clinic.")
                old_key = row.patient_key
                where = [RecordRow.id == row.id, RecordRow.clinic_id == principal.clinic_id]
                if amends_version is not None:
                    where.append(RecordRow.version == amends_version)
                bumped = session.execute(update(RecordRow).where(*where)
                                         .values(**columns, version=RecordRow.version + 1)
                                         .returning(RecordRow.version)).first()
                if bumped is None:
                    raise _changed(session, row.id)
                session.refresh(row)
                action = "update"
                if old_key != row.patient_key:
                    _remove_terms(session, [(row.id, old_key)])
                    _add_terms(session, row.id, row.patient_key)
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
                _add_terms(session, row.id, row.patient_key)
                action = "create"
            session.add(RecordVersionRow(record_id=row.id, version=row.version, saved_at=now, practitioner_id=principal.user_id,
                                         content=content))
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
        query = (self._named(select(*_SUMMARY_COLUMNS, RecordVersionRow.content, RecordRow.knowledge_version))
                 .join(RecordVersionRow, (RecordVersionRow.record_id == RecordRow.id)
                       & (RecordVersionRow.version == RecordRow.version))
                 .where(RecordRow.clinic_id == principal.clinic_id, RecordRow.id == record_id))
        with self.db.transaction() as session:
            row = session.execute(query).first()
            if row is None:
                return None
            if audit_view:
                audit.write(session, actor=principal, action="view", kind="assessment", record_id=row.id)
            content = unpack(row.content)
            return Record(**_summary(row).__dict__, case_data=content["case"], assessment_data=content["assessment"],
                          knowledge_version=row.knowledge_version)

    def page(self, principal: Principal, where: RecordFilter = RecordFilter(), *, after: Cursor | None = None,
             limit: int = 50) -> RecordPage:
        """The matching records newest first, `limit` of them from just after `after` (keyset paging:
        the same cost on page 1 and page 1,000), and the total, counted no further than `COUNT_LIMIT`."""
        _require_clinical(principal)
        limit = max(1, min(limit, MAX_LIST))
        conditions = self._conditions(principal, where)
        query = self._named(select(*_SUMMARY_COLUMNS)).where(*conditions)
        if after is not None:
            query = query.where(tuple_(RecordRow.assessed_at, RecordRow.id) < tuple_(*after))
        # counted in the page's order: the planner then walks the date index from the newest end and stops
        # at COUNT_LIMIT, instead of a table scan from the oldest row when it misjudges the filter
        counted = (select(RecordRow.id).where(*conditions).order_by(RecordRow.assessed_at.desc(), RecordRow.id.desc())
                   .limit(COUNT_LIMIT + 1).subquery())
        with self.db.reading() as session:
            rows = session.execute(query.order_by(RecordRow.assessed_at.desc(), RecordRow.id.desc())
                                   .limit(limit + 1)).all()
            total = session.scalar(select(func.count()).select_from(counted)) or 0
        summaries = [_summary(r) for r in rows[:limit]]
        last = summaries[-1] if summaries and len(rows) > limit else None
        return RecordPage(rows=summaries, total=min(total, COUNT_LIMIT), more=total > COUNT_LIMIT,
                          next_after=(last.assessed_at, last.id) if last else None)

    def list(self, principal: Principal, where: RecordFilter = RecordFilter(), *, limit: int = 200,
             offset: int = 0) -> tuple[list[RecordSummary], int]:
        """One page of matching records, newest first, and how many match in all (exact: for small
        uses and tests; the records page uses `page`, whose cost does not grow with the table)."""
        _require_clinical(principal)
        conditions = self._conditions(principal, where)
        query = self._named(select(*_SUMMARY_COLUMNS)).where(*conditions)
        with self.db.reading() as session:
            total = session.scalar(select(func.count(RecordRow.id)).where(*conditions)) or 0
            rows = session.execute(query.order_by(RecordRow.assessed_at.desc(), RecordRow.id.desc())
                                   .limit(max(1, min(limit, MAX_LIST))).offset(max(0, offset))).all()
        return [_summary(r) for r in rows], total

    def history(self, principal: Principal, pseudonym: str) -> builtins.list[RecordSummary]:
        """Every record of one patient in the clinic, oldest first (the follow-up chain): an exact
        pseudonym lookup through its index."""
        _require_clinical(principal)
        query = (self._named(select(*_SUMMARY_COLUMNS))
                 .where(RecordRow.clinic_id == principal.clinic_id, RecordRow.pseudonym == pseudonym)
                 .order_by(RecordRow.assessed_at, RecordRow.id).limit(MAX_LIST))
        with self.db.reading() as session:
            return [_summary(r) for r in session.execute(query)]

    def versions(self, principal: Principal, record_id: str) -> builtins.list[tuple[int, datetime, str]]:
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
                    labels: dict[str, str] | None = None) -> builtins.list[dict[str, Any]]:
        """Every row of `iter_export` in a list (for small exports and tests)."""
        return list(self.iter_export(principal, where, fmt=fmt, labels=labels))

    def count(self, principal: Principal, where: RecordFilter = RecordFilter(), *, up_to: int | None = None) -> int:
        """How many records match, counted no further than `up_to` (+1, to tell "more") when given."""
        _require_clinical(principal)
        matching = select(RecordRow.id).where(*self._conditions(principal, where))
        if up_to is not None:  # in the page's order, so the count walks the date index and stops (see `page`)
            matching = matching.order_by(RecordRow.assessed_at.desc(), RecordRow.id.desc()).limit(up_to + 1)
        with self.db.reading() as session:
            return session.scalar(select(func.count()).select_from(matching.subquery())) or 0

    def iter_export(self, principal: Principal, where: RecordFilter = RecordFilter(), *, fmt: str = "csv",
                    labels: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """One row per matching record (no names), newest first, read `_EXPORT_BATCH` at a time so
        memory stays flat in the number of rows. The export is audited before the first row leaves:
        its format, how many records, and the filter's shape (never the text typed in it)."""
        _require_clinical(principal)
        label = (labels or {}).get
        total = self.count(principal, where)
        with self.db.transaction() as session:
            audit.write(session, actor=principal, action="export", kind="assessment",
                        detail={"format": fmt, "count": total, "filter": _filter_shape(where)})
        query = (self._named(select(*_SUMMARY_COLUMNS, RecordRow.knowledge_version, RecordRow.outcome_scores))
                 .where(*self._conditions(principal, where))
                 .order_by(RecordRow.assessed_at.desc(), RecordRow.id.desc()))
        with self.db.reading() as session:
            for row in session.execute(query, execution_options={"yield_per": _EXPORT_BATCH}):
                flags = [t.split(":", 1) for t in _untoken(row.red_flags)]
                yield {
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
                    "outcome_scores": outcome_text(row.outcome_scores),
                }

    def outcome_history(self, principal: Principal, where: RecordFilter = RecordFilter(), *, fmt: str = "csv") -> builtins.list[tuple[str, datetime, str]]:
        """(pseudonym, assessed at, outcome tokens) of every matching record with a score, for the
        clinic's service audit; audited as one export (no names, no answers)."""
        _require_clinical(principal)
        query = (select(RecordRow.id, RecordRow.pseudonym, RecordRow.assessed_at, RecordRow.outcome_scores)
                 .where(*self._conditions(principal, where), RecordRow.outcome_scores != ""))
        with self.db.transaction() as session:
            rows = session.execute(query.order_by(RecordRow.assessed_at, RecordRow.id)).all()
            audit.write(session, actor=principal, action="export", kind="service_audit",
                        detail={"format": fmt, "count": len(rows), "filter": _filter_shape(where)})
        return [(r.pseudonym, r.assessed_at, r.outcome_scores) for r in rows]

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
            if not may_delete_record(principal.role, principal.user_id, row.practitioner_id):
                raise AccessDenied("Only the practitioner who filed a record, or a clinic administrator, can delete it.")
            session.execute(delete(RecordVersionRow).where(RecordVersionRow.record_id == row.id))
            _remove_terms(session, [(row.id, row.patient_key)])
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
            doomed = session.execute(select(RecordRow.id, RecordRow.pseudonym, RecordRow.patient_key)
                                     .where(RecordRow.clinic_id == clinic_id, RecordRow.assessed_at < cutoff)).all()
            ids = [r.id for r in doomed]
            for start in range(0, len(ids), 100):
                chunk = ids[start:start + 100]
                session.execute(delete(RecordVersionRow).where(RecordVersionRow.record_id.in_(chunk)))
                _remove_terms(session, [(r.id, r.patient_key) for r in doomed[start:start + 100]])
                session.execute(delete(RecordRow).where(RecordRow.id.in_(chunk)))
            for record_id, pseudonym, _ in doomed:
                audit.write(session, actor=actor, action="purge", kind="assessment", record_id=record_id, clinic_id=clinic_id,
                            username=None if actor else "retention", detail={"pseudonym": pseudonym, "before": cutoff.isoformat()})
            return len(ids)

    def purge_all(self, now: datetime | None = None) -> dict[str, int]:
        """Apply every clinic's retention period (the scheduled command); clinic name → records purged."""
        with self.db.reading() as session:
            clinics = session.execute(select(ClinicRow.id, ClinicRow.name).where(ClinicRow.retention_days.is_not(None))).all()
        purged = {name: self.purge(clinic_id, now=now) for clinic_id, name in clinics}
        self.db.optimize()  # the daily job: the planner's statistics follow the table as it grows
        return purged

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
    def _named(query: Select) -> Select:
        """`query` over records with the practitioner's display name (only where it is shown: counts never join)."""
        return query.select_from(RecordRow).join(PractitionerRow, PractitionerRow.id == RecordRow.practitioner_id)

    def _conditions(self, principal: Principal, where: RecordFilter) -> builtins.list[ColumnElement[bool]]:
        """The filter as conditions on records alone, each served by an index in date order."""
        conditions: list[ColumnElement[bool]] = [RecordRow.clinic_id == principal.clinic_id]
        patient = where.patient.strip()
        if patient and record_search.is_pseudonym_search(patient):
            wanted = record_search.pseudonym_prefix(patient)
            if len(wanted) == 10:
                conditions.append(RecordRow.pseudonym == wanted)
            else:
                conditions.append(RecordRow.pseudonym.like(_like_escape(wanted) + "%", escape="\\"))
        elif patient:
            for word in record_search.words(patient):
                if self.db.dialect == "sqlite":
                    low, high = record_search.prefix_range(word)
                    conditions.append(RecordRow.id.in_(select(RecordTermRow.record_id)
                                                       .where(RecordTermRow.term >= low, RecordTermRow.term < high)))
                else:  # the trigram index on patient_key (see the 0003 migration)
                    conditions.append(RecordRow.patient_key.like(f"%{_like_escape(word)}%", escape="\\"))
        if where.date_from is not None:
            conditions.append(RecordRow.assessed_at >= datetime.combine(where.date_from, time.min, UTC))
        if where.date_to is not None:
            conditions.append(RecordRow.assessed_at < datetime.combine(where.date_to + timedelta(days=1), time.min, UTC))
        if where.origin:
            if where.origin not in ORIGINS:
                raise ValueError(f"unknown origin {where.origin!r}")
            conditions.append(RecordRow.origins.like(f"%|{where.origin}|%"))
        if where.red_flag:
            if where.red_flag != "any" and where.red_flag not in RED_FLAG_CONDITIONS:
                raise ValueError(f"unknown red-flag condition {where.red_flag!r}")
            conditions.append(RecordRow.red_flags != "|")  # the flagged-records index
            if where.red_flag != "any":
                conditions.append(RecordRow.red_flags.like(f"%|{where.red_flag}:%"))
        if where.practitioner_id:
            conditions.append(RecordRow.practitioner_id == where.practitioner_id)
        if where.referral:
            conditions.append(RecordRow.referral == where.referral)
        return conditions


def _add_terms(session: Session, record_id: str, patient_key: str) -> None:
    """The name-search terms of a record, on SQLite (PostgreSQL searches its trigram index instead)."""
    rows = term_rows(record_id, patient_key) if session.get_bind().dialect.name == "sqlite" else []
    if rows:
        session.execute(insert(RecordTermRow), rows)


def _remove_terms(session: Session, records: list[tuple[str, str]]) -> None:
    """Remove the name-search terms of (record id, patient key) pairs, by their key: the table has no
    index by record (it would double its size), and the terms are known from the key."""
    pairs = [(term, record_id) for record_id, key in records for term in record_search.name_terms(key)]
    if pairs and session.get_bind().dialect.name == "sqlite":
        session.execute(delete(RecordTermRow).where(tuple_(RecordTermRow.term, RecordTermRow.record_id).in_(pairs)))


def _filter_shape(where: RecordFilter) -> dict[str, Any]:
    """The filter an export used, for the audit log: which parts were set, never the text typed
    (a name); dates, origins, conditions and referrals are the app's own values."""
    shape: dict[str, Any] = {}
    if where.patient.strip():
        shape["patient"] = "pseudonym" if record_search.is_pseudonym_search(where.patient) else "name"
    for key in ("date_from", "date_to"):
        if getattr(where, key) is not None:
            shape[key] = getattr(where, key).isoformat()
    for key in ("origin", "red_flag", "practitioner_id", "referral"):
        if getattr(where, key):
            shape[key] = getattr(where, key)
    return shape


def _require_clinical(principal: Principal) -> None:
    if principal is None or not principal.sees_patients:
        raise AccessDenied("Patient records need a practitioner or administrator account.")

