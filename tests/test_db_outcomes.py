"""Outcome scores in storage (SQLite and PostgreSQL): the records export's latest scores and the
clinic's service-audit rows, audited, one clinic only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from db_support import World
from sqlalchemy import select

from intake import assess, load_case
from intake.db.schema import AuditRow
from intake.outcome_tracking import service_audit


@pytest.fixture
def world(db_store):
    return World(db_store)


def odi_case(code: int):
    return load_case({"case_format": 2, "patient": {"age": 50},
                      "outcomes": [{"measure": "odi", "answers": {str(n): code for n in range(1, 11)}}]})


def test_export_and_service_audit_carry_the_scores(world):
    records = world.store.records
    first = records.file(world.a_prac, odi_case(4), assess(odi_case(4)), assessed_at=datetime.now(UTC) - timedelta(days=30))
    records.file(world.a_prac, odi_case(2), assess(odi_case(2)), follows_id=first.id)
    records.file(world.b_prac, odi_case(5), assess(odi_case(5)))  # another clinic's patient
    rows = records.export_rows(world.a_prac)
    assert sorted(r["outcome_scores"] for r in rows) == ["ODI 2.1a percent 40", "ODI 2.1a percent 80"]
    history = records.outcome_history(world.a_prac)
    assert [(p, t) for p, _, t in history] == [(first.pseudonym, "odi.percent=80"), (first.pseudonym, "odi.percent=40")]
    [odi] = service_audit(history)
    assert (odi["patients"], odi["mean_change"], odi["improved_by_mcid"]) == (1, -40.0, 1)
    with world.store.db.reading() as session:
        entry = session.scalars(select(AuditRow).where(AuditRow.kind == "service_audit")).one()
    assert entry.clinic_id == world.clinic_a.id and first.pseudonym not in entry.detail
