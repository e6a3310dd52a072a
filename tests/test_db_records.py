"""Filed records on SQLite and PostgreSQL: file, open, find, follow up, amend, delete, purge, red
flags on every path, one transaction per change, and the audit trail."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from db_support import PLAIN_CASES, RED_FLAG_CASES, World, all_red_flags_case, case_and_assessment
from sqlalchemy import func, select

import intake.audit
from intake.db.schema import AuditRow, DraftRow, RecordRow, RecordVersionRow
from intake.records import AccessDenied, RecordFilter, leading_origins
from intake.storage.packing import unpack


@pytest.fixture
def world(db_store):
    return World(db_store)


def count(store, table, *where) -> int:
    with store.db.reading() as session:
        return session.scalar(select(func.count()).select_from(table).where(*where))


def audit_for(store, record_id: str) -> list[tuple[str, str, str | None, str]]:
    """(action, kind, practitioner id, username) for every entry naming the record, oldest first."""
    with store.db.reading() as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.record_id == record_id).order_by(AuditRow.id))
        return [(r.action, r.kind, r.practitioner_id, r.username) for r in rows]


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# ---------------------------------------------------------------- filing and opening


def test_a_filed_record_is_returned_whole(world):
    case, assessment = case_and_assessment("example-10-cauda-equina-syndrome", name="Ada Lovelace")
    filed = world.store.records.file(world.a_prac, case, assessment)
    record = world.store.records.get(world.a_prac2, filed.id)  # anyone clinical in the clinic

    assert record == filed
    assert re.fullmatch(r"P-[2-9A-HJKMNP-TV-Z]{8}", record.pseudonym)
    assert (record.version, record.follows_id, record.patient_name) == (1, None, "Ada Lovelace")
    assert (record.practitioner_id, record.practitioner) == (world.a_prac.user_id, "A Prac")
    assert record.case_data == case.to_data()
    assert record.assessment_data == assessment.model_dump(mode="json", by_alias=True)
    assert record.case() == case
    assert record.assessment() == assessment
    assert record.origins == tuple(leading_origins(assessment))
    assert record.referral == "emergency"
    assert record.knowledge_version == assessment.knowledge_version
    assert record.assessed_at.tzinfo is not None
    assert abs(record.assessed_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert count(world.store, RecordVersionRow, RecordVersionRow.record_id == filed.id) == 1


def test_filing_from_a_draft_removes_the_draft(world):
    scoped = world.store.scoped(world.a_prac)
    draft = scoped.create({"patient": {"age": 61}}, consent=True)
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis")
    record = scoped.file(draft.id, case, assessment)
    assert scoped.get(draft.id) is None
    assert count(world.store, DraftRow) == 0
    assert world.store.records.get(world.a_prac, record.id).id == record.id


def test_an_unknown_or_malformed_id_is_none(world):
    world.file(world.a_prac)
    for bad in ("", "nope", "x" * 65, "' OR 1=1 --"):
        assert world.store.records.get(world.a_prac, bad) is None
        assert world.store.records.log_export(world.a_prac, bad, "pdf") is False
        assert world.store.records.delete(world.a_admin, bad) is False


# ---------------------------------------------------------------- finding


@pytest.fixture
def four(world):
    """Four records of clinic A over two months by two practitioners, and one of clinic B."""
    file = world.file
    records = {
        "ada": file(world.a_prac, "example-01-hip-osteoarthritis", name="Ada Lovelace", assessed_at=at(date(2026, 1, 10))),
        "grace": file(world.a_prac2, "example-10-cauda-equina-syndrome", name="Grace Hopper",
                      assessed_at=at(date(2026, 2, 15), 0, 0)),
        "byron": file(world.a_prac, "example-12-back-pain-with-cancer-history", name="ada byron",
                      assessed_at=at(date(2026, 3, 1), 23, 59)),
        "alan": file(world.a_prac2, "example-04-l5-radiculopathy", name="Alan Turing", assessed_at=at(date(2026, 3, 2), 0, 0)),
    }
    file(world.b_prac, "example-10-cauda-equina-syndrome", name="Ada Other", assessed_at=at(date(2026, 2, 20)))
    return records


def found(world, **where) -> list[str]:
    """Names of the matching records (newest first), checking that the total agrees with the page."""
    rows, total = world.store.records.list(world.a_prac, RecordFilter(**where))
    assert total == len(rows)
    return [r.patient_name.split()[-1].lower() for r in rows]


def test_list_without_a_filter_is_the_clinics_records_newest_first(world, four):
    assert found(world) == ["turing", "byron", "hopper", "lovelace"]


def test_list_pages_and_counts(world, four):
    rows, total = world.store.records.list(world.a_prac, RecordFilter(), limit=2, offset=1)
    assert total == 4
    assert [r.id for r in rows] == [four["byron"].id, four["grace"].id]


def test_filter_by_part_of_the_name_or_the_pseudonym(world, four):
    assert found(world, patient="lovelace") == ["lovelace"]
    assert found(world, patient="  ADA ") == ["byron", "lovelace"]
    assert found(world, patient="hopp") == ["hopper"]
    pseudonym = four["alan"].pseudonym
    assert found(world, patient=pseudonym) == ["turing"]
    assert found(world, patient=pseudonym[:6].lower()) == ["turing"]  # its start, any case
    assert found(world, patient="OVELA") == ["lovelace"]  # inside a word of the name
    assert found(world, patient="lace ada") == ["lovelace"]  # every word typed, in any order
    # LIKE's wildcards are taken literally.
    assert found(world, patient="_") == []
    assert found(world, patient="%") == []


def test_filter_by_date_range_includes_both_ends(world, four):
    assert found(world, date_from=date(2026, 2, 15), date_to=date(2026, 3, 1)) == ["byron", "hopper"]
    assert found(world, date_from=date(2026, 3, 2)) == ["turing"]
    assert found(world, date_to=date(2026, 1, 10)) == ["lovelace"]
    assert found(world, date_from=date(2026, 1, 11), date_to=date(2026, 2, 14)) == []


def test_filter_by_origin(world, four):
    by_origin: dict[str, set[str]] = {}
    for record in four.values():
        for origin in record.origins:
            by_origin.setdefault(origin, set()).add(record.patient_name.split()[-1].lower())
    assert by_origin["hip_joint"] == {"lovelace"}
    assert len(by_origin) >= 3
    for origin, names in by_origin.items():
        assert set(found(world, origin=origin)) == names
    from intake.models import ORIGINS

    for origin in set(ORIGINS) - set(by_origin):
        assert found(world, origin=origin) == []
    with pytest.raises(ValueError, match="unknown origin"):
        found(world, origin="elbow")


def test_filter_by_red_flag_and_any_red_flag(world, four):
    assert found(world, red_flag="any") == ["byron", "hopper"]
    assert found(world, red_flag="cauda_equina") == ["hopper"]
    assert found(world, red_flag="malignancy") == ["byron"]
    assert found(world, red_flag="fracture") == []
    with pytest.raises(ValueError, match="unknown red-flag condition"):
        found(world, red_flag="headache")


def test_filter_by_practitioner_and_referral(world, four):
    assert found(world, practitioner_id=world.a_prac2.user_id) == ["turing", "hopper"]
    assert found(world, practitioner_id=world.b_prac.user_id) == []
    assert found(world, referral="emergency") == ["hopper"]
    assert found(world, referral="urgent") == ["byron"]
    assert found(world, referral="none") == ["turing", "lovelace"]


def test_filters_combine(world, four):
    assert found(world, patient="ada", red_flag="any") == ["byron"]
    assert found(world, practitioner_id=world.a_prac2.user_id, date_to=date(2026, 3, 1)) == ["hopper"]
    assert found(world, origin="lumbar_radicular", red_flag="any", date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)) == [
        "hopper"]


# ---------------------------------------------------------------- follow-up and amendment


def test_a_follow_up_keeps_the_pseudonym_and_names_the_record_it_follows(world):
    first = world.file(world.a_prac, name="Ada Lovelace", assessed_at=datetime.now(UTC) - timedelta(days=14))
    scoped = world.store.scoped(world.a_prac2)
    draft = scoped.create({}, consent=True, follows_id=first.id, pseudonym=first.pseudonym)
    case, assessment = case_and_assessment("example-03-gluteal-tendinopathy", name="Ada Lovelace")
    second = scoped.file(draft.id, case, assessment)

    assert second.id != first.id
    assert (second.pseudonym, second.follows_id, second.version) == (first.pseudonym, first.id, 1)
    assert [r.id for r in world.store.records.history(world.a_prac, first.pseudonym)] == [first.id, second.id]
    assert world.store.records.get(world.a_prac, first.id) == first  # the earlier visit is untouched


def test_an_amendment_increments_the_version_and_keeps_every_version(world):
    original = world.file(world.a_prac, "example-01-hip-osteoarthritis", name="Ada Lovelace")
    scoped = world.store.scoped(world.a_prac)
    amended = None
    stems = ["example-10-cauda-equina-syndrome", "example-04-l5-radiculopathy"]
    for stem in stems:
        draft = scoped.create({}, consent=True, amends_id=original.id)
        case, assessment = case_and_assessment(stem, name="Ada Lovelace")
        amended = scoped.file(draft.id, case, assessment)
        assert amended.case_data == case.to_data()
        assert amended.referral == assessment.referral

    assert amended.id == original.id
    assert amended.version == 3
    assert (amended.pseudonym, amended.assessed_at) == (original.pseudonym, original.assessed_at)
    assert [v for v, _, _ in world.store.records.versions(world.a_prac, original.id)] == [1, 2, 3]
    assert {who for _, _, who in world.store.records.versions(world.a_prac, original.id)} == {"A Prac"}
    with world.store.db.reading() as session:
        kept = session.execute(select(RecordVersionRow.version, RecordVersionRow.content)
                               .where(RecordVersionRow.record_id == original.id).order_by(RecordVersionRow.version)).all()
    ids = [unpack(content)["case"]["id"] for _, content in kept]
    assert ids == ["example-01-hip-osteoarthritis", *stems]
    # Only the latest version is listed, under its newest findings.
    rows, total = world.store.records.list(world.a_prac)
    assert total == 1 and rows[0].version == 3 and rows[0].origins == amended.origins


# ---------------------------------------------------------------- deleting and purging


def test_delete_by_the_author_or_an_admin_only(world):
    records = world.store.records
    mine = world.file(world.a_prac)
    other = world.file(world.a_prac)
    with pytest.raises(AccessDenied, match="who filed a record, or a clinic administrator"):
        records.delete(world.a_prac2, mine.id)
    assert records.get(world.a_prac, mine.id) is not None

    assert records.delete(world.a_prac, mine.id) is True
    assert records.delete(world.a_admin, other.id) is True
    assert records.delete(world.a_admin, other.id) is False  # already gone
    assert records.list(world.a_prac)[1] == 0
    assert count(world.store, RecordVersionRow) == 0
    assert audit_for(world.store, mine.id)[-1] == ("delete", "assessment", world.a_prac.user_id, "a_prac")
    assert audit_for(world.store, other.id)[-1] == ("delete", "assessment", world.a_admin.user_id, "a_admin")


def test_purge_removes_what_the_retention_period_has_passed_and_audits_each(world):
    records, accounts = world.store.records, world.store.accounts
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    old = [world.file(world.a_prac, assessed_at=now - timedelta(days=days)) for days in (400, 31)]
    recent = world.file(world.a_prac, assessed_at=now - timedelta(days=29))
    b_old = world.file(world.b_prac, assessed_at=now - timedelta(days=400))  # clinic B keeps records until deleted

    assert records.expired(world.clinic_a.id, now) == 0  # no retention period set yet
    assert records.purge(world.clinic_a.id, now=now) == 0
    with pytest.raises(Exception, match="Only a clinic administrator"):
        accounts.set_retention(world.a_prac, 30)
    accounts.set_retention(world.a_admin, 30)
    assert records.expired(world.clinic_a.id, now) == 2
    with pytest.raises(AccessDenied):
        records.purge(world.clinic_a.id, actor=world.a_prac, now=now)
    with pytest.raises(AccessDenied):
        records.purge(world.clinic_a.id, actor=world.b_admin, now=now)

    assert records.purge_all(now=now) == {"Clinic A": 2}
    assert [r.id for r in records.list(world.a_prac)[0]] == [recent.id]
    assert records.get(world.b_prac, b_old.id) is not None
    assert records.expired(world.clinic_a.id, now) == 0
    for record in old:
        assert count(world.store, RecordVersionRow, RecordVersionRow.record_id == record.id) == 0
        assert audit_for(world.store, record.id)[-1] == ("purge", "assessment", None, "retention")
    assert world.store.audit.entries(world.clinic_a.id, record_id=old[0].id)[0].detail["pseudonym"] == old[0].pseudonym

    # An administrator's own purge is in their name.
    assert records.purge(world.clinic_a.id, actor=world.a_admin, now=now + timedelta(days=2)) == 1
    assert audit_for(world.store, recent.id)[-1] == ("purge", "assessment", world.a_admin.user_id, "a_admin")


# ---------------------------------------------------------------- red flags on every path


@pytest.mark.parametrize("stem", [*RED_FLAG_CASES, "all"])
def test_every_red_flag_is_in_the_columns_the_list_and_the_export(world, stem):
    if stem == "all":
        case, assessment = all_red_flags_case()
    else:
        case, assessment = case_and_assessment(stem, name="Flag Case")
    flags = [(f.id, f.urgency) for f in assessment.red_flags]
    assert flags and (stem != "all" or len(flags) >= 3)
    for other in PLAIN_CASES:  # records without flags around it
        world.file(world.a_prac, other)
    record = world.store.records.file(world.a_prac, case, assessment)

    with world.store.db.reading() as session:
        column = session.scalar(select(RecordRow.red_flags).where(RecordRow.id == record.id))
    for condition, urgency in flags:
        assert f"|{condition}:{urgency}|" in column
    assert list(record.red_flags) == flags
    assert [f["id"] for f in record.assessment_data["red_flags"]] == [c for c, _ in flags]

    rows, _ = world.store.records.list(world.a_prac, RecordFilter(red_flag="any"))
    assert [(r.id, list(r.red_flags)) for r in rows] == [(record.id, flags)]
    for condition, _ in flags:
        assert [r.id for r in world.store.records.list(world.a_prac, RecordFilter(red_flag=condition))[0]] == [record.id]

    exported = {r["record_id"]: r for r in world.store.records.export_rows(world.a_prac)}
    assert len(exported) == 1 + len(PLAIN_CASES)
    assert exported[record.id]["red_flags"] == "; ".join(f"{c} ({u})" for c, u in flags)
    labels = {f.id: f.label for f in assessment.red_flags}
    labelled = world.store.records.export_rows(world.a_prac, RecordFilter(red_flag="any"), labels=labels)
    assert [r["red_flags"] for r in labelled] == ["; ".join(f"{labels[c]} ({u})" for c, u in flags)]
    assert all(r["red_flags"] == "" for rid, r in exported.items() if rid != record.id)


# ---------------------------------------------------------------- one transaction per change


class Boom(RuntimeError):
    pass


def fail_audit(monkeypatch):
    def write(*_args, **_kwargs):
        raise Boom("audit log unavailable")

    monkeypatch.setattr(intake.audit, "write", write)


def test_a_failure_while_filing_stores_nothing(world, monkeypatch):
    scoped = world.store.scoped(world.a_prac)
    draft = scoped.create({"patient": {"age": 70}}, consent=True)
    audit_before = count(world.store, AuditRow)
    case, assessment = case_and_assessment("example-10-cauda-equina-syndrome")
    fail_audit(monkeypatch)
    with pytest.raises(Boom):
        scoped.file(draft.id, case, assessment)
    monkeypatch.undo()

    assert count(world.store, RecordRow) == 0
    assert count(world.store, RecordVersionRow) == 0
    assert count(world.store, AuditRow) == audit_before
    assert scoped.get(draft.id) == draft
    # Nothing left half-done either: the same draft files normally afterwards.
    record = scoped.file(draft.id, case, assessment)
    assert count(world.store, RecordRow) == 1 and scoped.get(draft.id) is None
    assert record.version == 1


def test_a_failed_amendment_or_delete_changes_nothing(world, monkeypatch):
    original = world.file(world.a_prac, "example-01-hip-osteoarthritis")
    scoped = world.store.scoped(world.a_prac)
    draft = scoped.create({}, consent=True, amends_id=original.id)
    case, assessment = case_and_assessment("example-10-cauda-equina-syndrome")
    fail_audit(monkeypatch)
    with pytest.raises(Boom):
        scoped.file(draft.id, case, assessment)
    with pytest.raises(Boom):
        world.store.records.delete(world.a_prac, original.id)
    monkeypatch.undo()

    assert world.store.records.get(world.a_prac, original.id, audit_view=False) == original
    assert [v for v, _, _ in world.store.records.versions(world.a_prac, original.id)] == [1]
    assert scoped.get(draft.id) is not None


# ---------------------------------------------------------------- the audit trail


def test_create_view_update_export_and_delete_are_audited_with_who_and_which_record(world):
    records = world.store.records
    record = world.file(world.a_prac, "example-12-back-pain-with-cancer-history", name="Ada Lovelace")
    records.get(world.a_prac2, record.id)
    scoped = world.store.scoped(world.a_prac2)
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis", name="Ada Lovelace")
    scoped.file(scoped.create({}, amends_id=record.id).id, case, assessment)
    assert records.log_export(world.a_prac, record.id, "fhir") is True
    rows = records.export_rows(world.a_admin, RecordFilter(patient="ada"), fmt="xlsx")
    assert [r["record_id"] for r in rows] == [record.id]
    records.delete(world.a_admin, record.id)

    a, a2, admin = world.a_prac, world.a_prac2, world.a_admin
    assert audit_for(world.store, record.id) == [
        ("create", "assessment", a.user_id, "a_prac"),
        ("view", "assessment", a2.user_id, "a_prac2"),
        ("update", "assessment", a2.user_id, "a_prac2"),
        ("export", "assessment", a.user_id, "a_prac"),
        ("delete", "assessment", admin.user_id, "a_admin"),
    ]
    entries = world.store.audit.entries(world.clinic_a.id)
    [bulk] = [e for e in entries if e.action == "export" and e.record_id is None]
    assert bulk.username == "a_admin"
    # a count and the filter's shape: neither every id nor the text typed in the filter
    assert bulk.detail == {"format": "xlsx", "count": 1, "filter": {"patient": "name"}}
    # Entries never hold the patient's name or answers.
    for entry in entries:
        assert "Lovelace" not in str(entry.detail)
    assert world.store.audit.entries(world.clinic_b.id, record_id=record.id) == []


def test_an_assessment_time_in_another_zone_is_kept_as_the_same_instant(world):
    """SQLite keeps no zone: a local time must be stored as UTC, not read back hours off."""
    from zoneinfo import ZoneInfo

    local = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Australia/Sydney"))
    filed = world.file(world.a_prac, assessed_at=local)
    assert world.store.records.get(world.a_prac, filed.id).assessed_at == local
    found, total = world.store.records.list(world.a_prac, RecordFilter(date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)))
    assert total == 1 and found[0].id == filed.id  # 09:30 in Sydney is 1 March in UTC


def test_opening_another_clinics_draft_is_not_audited_as_a_view(world):
    theirs = world.store.scoped(world.a_prac).create({"patient": {"age": 40}}, consent=True)
    assert not world.store.scoped(world.b_prac).log_view(theirs.id)
    assert world.store.scoped(world.a_prac).log_view(theirs.id)
    views = [a for a in audit_for(world.store, theirs.id) if a[0] == "view"]
    assert [v[2] for v in views] == [world.a_prac.user_id]


def test_a_database_error_never_quotes_the_patients_answers(world):
    """An error's message can reach a server log; it must name the problem, not the values."""
    from sqlalchemy.exc import IntegrityError

    from intake.db.schema import RecordRow

    filed = world.file(world.a_prac, name="Zebedee Quartermaine")
    with pytest.raises(IntegrityError) as caught, world.store.db.transaction() as session:
        session.add(RecordRow(id=filed.id, clinic_id=world.a_prac.clinic_id, practitioner_id=world.a_prac.user_id,
                              pseudonym="P-XXXXXXXX", patient_name="Zebedee Quartermaine", patient_key="zebedee",
                              assessed_at=datetime.now(UTC), updated=datetime.now(UTC)))
    assert "Zebedee" not in str(caught.value) and "hidden due to hide_parameters" in str(caught.value)


def test_downloading_the_audit_log_is_itself_audited_and_for_admins_only(world):
    world.file(world.a_prac)
    entries = world.store.audit.export(world.a_admin)
    assert entries and all(e.action != "export" or e.kind != "audit" for e in entries)  # read before the note
    latest = world.store.audit.entries(world.a_admin.clinic_id, limit=1)[0]
    assert (latest.action, latest.kind, latest.username, latest.detail) == ("export", "audit", "a_admin", {"count": len(entries)})
    with pytest.raises(PermissionError):
        world.store.audit.export(world.a_prac)
    assert world.store.audit.entries(world.b_admin.clinic_id, limit=1)[0].kind != "audit"  # clinic B's log untouched
