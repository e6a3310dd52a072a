"""Access control on SQLite and PostgreSQL: to clinic B, everything of clinic A does not exist, on
every route of Records and ClinicStore; a student account cannot touch patient records at all."""

from __future__ import annotations

import pytest
from db_support import World, case_and_assessment
from sqlalchemy import func, select

from intake.db.schema import AuditRow, DraftRow, RecordRow, RecordVersionRow
from intake.records import AccessDenied, RecordFilter


@pytest.fixture
def world(db_store):
    return World(db_store)


@pytest.fixture
def clinic_a(world):
    """What clinic A holds: a record (amended once), a draft, a practice attempt and a vignette."""
    scoped = world.store.scoped(world.a_prac)
    record = world.file(world.a_prac, "example-10-cauda-equina-syndrome", name="Ada Lovelace")
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis", name="Ada Lovelace")
    record = scoped.file(scoped.create({}, amends_id=record.id).id, case, assessment)
    draft = scoped.create({"patient": {"age": 55, "name": "Bea"}}, step="history", consent=True, notes="A's notes")
    attempt = scoped.start_attempt("Student A", "example-01", "Hip OA", {"asked": ["night_pain"]})
    vignette = scoped.add_vignette({"case_format": 1, "id": "v1"}, title="A's vignette")
    return {"record": record, "draft": draft, "attempt": attempt, "vignette": vignette}


def snapshot(store) -> dict:
    """Everything stored about clinic A's things, to show that nothing B tried changed them."""
    with store.db.reading() as session:
        return {
            "records": session.execute(select(RecordRow.id, RecordRow.version, RecordRow.clinic_id, RecordRow.patient_key)).all(),
            "versions": session.scalar(select(func.count()).select_from(RecordVersionRow)),
            "drafts": session.execute(select(DraftRow.id, DraftRow.answers, DraftRow.step, DraftRow.notes, DraftRow.clinic_id)).all(),
        }


@pytest.mark.parametrize("who", ["b_prac", "b_admin"])
def test_clinic_b_cannot_reach_a_record_of_clinic_a(world, clinic_a, who):
    records, b = world.store.records, getattr(world, who)
    record = clinic_a["record"]
    before = snapshot(world.store)

    assert records.get(b, record.id) is None
    assert records.list(b) == ([], 0)
    assert records.list(b, RecordFilter(patient=record.pseudonym)) == ([], 0)
    assert records.list(b, RecordFilter(patient="lovelace", practitioner_id=world.a_prac.user_id)) == ([], 0)
    assert records.history(b, record.pseudonym) == []
    assert records.versions(b, record.id) == []
    assert records.export_rows(b) == []
    assert records.export_rows(b, RecordFilter(practitioner_id=world.a_prac.user_id)) == []
    assert records.log_export(b, record.id, "pdf") is False
    assert records.delete(b, record.id) is False
    case, assessment = case_and_assessment("example-04-l5-radiculopathy")
    with pytest.raises(AccessDenied, match="being amended does not exist in your clinic"):
        records.file(b, case, assessment, amends_id=record.id)
    with pytest.raises(AccessDenied, match="this follows does not exist in your clinic"):
        records.file(b, case, assessment, follows_id=record.id)
    with pytest.raises(AccessDenied):
        records.purge(world.clinic_a.id, actor=b)
    # Through clinic B's store: a draft that amends or follows A's record cannot be filed either.
    scoped = world.store.scoped(b)
    for link in ({"amends_id": record.id}, {"follows_id": record.id}):
        with pytest.raises(AccessDenied):
            scoped.file(scoped.create({}, **link).id, case, assessment)

    after = snapshot(world.store)
    assert after["records"] == before["records"] and after["versions"] == before["versions"]
    assert records.get(world.a_prac, record.id, audit_view=False) == record
    with world.store.db.reading() as session:
        naming_a = session.scalars(select(AuditRow.action).where(AuditRow.record_id == record.id,
                                                                 AuditRow.clinic_id == world.clinic_b.id)).all()
    assert naming_a == []


def test_clinic_b_cannot_reach_a_draft_of_clinic_a(world, clinic_a):
    draft = clinic_a["draft"]
    scoped_b = world.store.scoped(world.b_admin)
    before = snapshot(world.store)

    assert scoped_b.get(draft.id) is None  # resuming from ?draft=... finds nothing
    assert scoped_b.list() == []
    assert scoped_b.save(draft.id, answers={"patient": {"age": 1}}, step="review", consent=False, notes="B") is False
    assert scoped_b.delete(draft.id) is False
    # Filing with A's draft id files B's own assessment and leaves A's draft alone.
    case, assessment = case_and_assessment("example-04-l5-radiculopathy")
    filed = scoped_b.file(draft.id, case, assessment)
    assert (filed.follows_id, filed.version) == (None, 1)
    assert world.store.records.get(world.b_prac, filed.id) is not None
    world.store.records.file(world.b_prac, case, assessment, draft_id=draft.id)

    assert snapshot(world.store)["drafts"] == before["drafts"]
    scoped_a = world.store.scoped(world.a_prac2)
    assert scoped_a.get(draft.id) == draft
    assert [d.id for d in scoped_a.list()] == [draft.id]


def test_clinic_b_cannot_reach_a_practice_attempt_or_vignette_of_clinic_a(world, clinic_a):
    attempt, vignette = clinic_a["attempt"], clinic_a["vignette"]
    scoped_b = world.store.scoped(world.b_prac)

    assert scoped_b.get_attempt(attempt.id) is None  # resuming from ?practice=... finds nothing
    assert scoped_b.list_attempts(committed_only=False) == []
    assert scoped_b.list_attempts("Student A", committed_only=False) == []
    assert scoped_b.elapsed_seconds(attempt.id) is None
    assert scoped_b.save_attempt_answers(attempt.id, {"asked": []}) is False
    assert scoped_b.commit_attempt(attempt.id, answers={}, expected={}, score=100, marks={}, feedback={}, seconds=1,
                                   unsafe=False) is False
    assert scoped_b.get_vignette(vignette.id) is None
    assert scoped_b.list_vignettes() == []
    assert scoped_b.delete_vignette(vignette.id) is False

    scoped_a = world.store.scoped(world.a_prac)
    assert scoped_a.get_attempt(attempt.id) == attempt
    assert [a.id for a in scoped_a.list_attempts(committed_only=False)] == [attempt.id]
    assert scoped_a.get_vignette(vignette.id) == vignette
    # And clinic A's own routes do work on them (so the refusals above are about the clinic).
    assert scoped_a.save_attempt_answers(attempt.id, {"asked": ["fever"]}) is True
    assert scoped_a.commit_attempt(attempt.id, answers={"asked": ["fever"]}, expected={}, score=80, marks={}, feedback={},
                                   seconds=60, unsafe=False) is True
    assert scoped_a.get_attempt(attempt.id).score == 80
    assert scoped_a.delete_vignette(vignette.id) is True


def test_clinic_a_keeps_its_own_access(world, clinic_a):
    """The same calls as above, by clinic A, find everything (the refusals are not a broken query)."""
    records, record = world.store.records, clinic_a["record"]
    a = world.a_prac2
    assert records.get(a, record.id).id == record.id
    assert records.list(a)[1] == 1
    assert [r.id for r in records.history(a, record.pseudonym)] == [record.id]
    assert [v for v, _, _ in records.versions(a, record.id)] == [1, 2]
    assert [r["record_id"] for r in records.export_rows(a)] == [record.id]
    assert records.log_export(a, record.id, "pdf") is True
    assert world.store.scoped(a).get(clinic_a["draft"].id) is not None


def test_a_student_cannot_touch_patient_records(world, clinic_a):
    records, student, record = world.store.records, world.a_student, clinic_a["record"]
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis")
    calls = {
        "file": lambda: records.file(student, case, assessment),
        "get": lambda: records.get(student, record.id),
        "list": lambda: records.list(student),
        "history": lambda: records.history(student, record.pseudonym),
        "versions": lambda: records.versions(student, record.id),
        "export_rows": lambda: records.export_rows(student),
        "log_export": lambda: records.log_export(student, record.id, "pdf"),
        "delete": lambda: records.delete(student, record.id),
        "purge": lambda: records.purge(world.clinic_a.id, actor=student),
        "file a draft": lambda: world.store.scoped(student).file(None, case, assessment),
    }
    for name, call in calls.items():
        with pytest.raises(AccessDenied, match=r"practitioner or administrator|administrator"):
            call()
        assert records.get(world.a_prac, record.id, audit_view=False) == record, name
    assert records.list(world.a_prac)[1] == 1
    # Practice is what a student account is for.
    assert world.store.scoped(student).start_attempt("Me", "example-01").id
