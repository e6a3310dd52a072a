"""Backup and restore (intake.backup) on SQLite and PostgreSQL, and across them."""

from __future__ import annotations

import base64
import gzip
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from db_support import case_and_assessment, fresh_url, make_old_database, populate, table_rows
from sqlalchemy import select, text

from intake.backup import DERIVED_TABLES, FORMAT, BackupError, backup, read_backup, restore
from intake.db import Database
from intake.db.database import BASELINE_REVISION, current_revision, head_revision, upgrade
from intake.db.schema import AuditRow, Base, RecordVersionRow
from intake.storage.packing import unpack
from intake.store import Store

SYSTEM_ACTIONS = ("backup", "restore")


def without_system_entries(rows: dict) -> dict:
    """Rows as the app made them: the backup's and restore's own audit entries set aside."""
    return rows | {"audit_log": [r for r in rows["audit_log"] if r["action"] not in SYSTEM_ACTIONS]}


def dialect_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@pytest.fixture
def source(db_store):
    """A populated store (something in every table)."""
    populate(db_store)
    return db_store


@pytest.fixture
def other(db_url, tmp_path):
    """A second, empty store of the same kind as `db_url`."""
    with fresh_url(dialect_of(db_url), tmp_path / "other") as url:
        opened = Store(url)
        yield opened
        opened.dispose()


def test_the_backup_file_is_gzip_json_with_format_revision_time_and_every_table(source, tmp_path):
    before = table_rows(source.engine)
    summary = backup(source.db, tmp_path / "backup.json.gz")

    with gzip.open(tmp_path / "backup.json.gz", "rt", encoding="utf-8") as stream:
        document = json.load(stream)
    assert (document["format"], document["format_version"], document["revision"]) == (FORMAT, 1, head_revision())
    created = datetime.fromisoformat(document["created"])
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)
    assert set(document["tables"]) == set(Base.metadata.tables) - DERIVED_TABLES
    for name, table in document["tables"].items():
        assert table["columns"] == [c.name for c in Base.metadata.tables[name].columns]
        assert len(table["rows"]) == len(before[name]) == summary.rows[name]
        assert len(table["rows"]) > 0, name  # populate() put something in every table
    record = dict(zip(document["tables"]["records"]["columns"], document["tables"]["records"]["rows"][0], strict=True))
    assert datetime.fromisoformat(record["assessed_at"]).utcoffset() == timedelta(0)
    version = dict(zip(document["tables"]["record_versions"]["columns"], document["tables"]["record_versions"]["rows"][0],
                       strict=True))
    assert unpack(base64.b64decode(version["content"]))["case"]["case_format"] == 1
    assert summary.revision == head_revision() and summary.total == sum(len(t["rows"]) for t in document["tables"].values())
    assert not list(tmp_path.glob(".*partial"))
    assert (tmp_path / "backup.json.gz").stat().st_mode & 0o777 == 0o600


def test_backup_and_restore_are_audited(source, other, tmp_path):
    backup(source.db, tmp_path / "b.gz", username="nightly")
    restore(other.db, tmp_path / "b.gz")
    for store, action in ((source, "backup"), (other, "restore")):
        with store.db.reading() as session:
            entries = session.scalars(select(AuditRow).where(AuditRow.action == action)).all()
        clinics = {c.id for c in store.accounts.clinics()}
        assert {e.clinic_id for e in entries} == clinics and len(entries) == 2
        assert all(e.kind == "database" and json.loads(e.detail)["file"] == "b.gz" for e in entries)
    with source.db.reading() as session:
        assert {e.username for e in session.scalars(select(AuditRow).where(AuditRow.action == "backup"))} == {"nightly"}


def test_round_trip_is_equal_row_for_row(source, other, tmp_path):
    before = table_rows(source.engine)
    backup(source.db, tmp_path / "b.gz")
    restore(other.db, tmp_path / "b.gz", replace=True)  # the administrator vouches for it: accounts and all
    assert without_system_entries(table_rows(other.engine)) == before


def test_a_backup_is_not_trusted_with_passwords_or_sign_in_addresses_without_replace(source, other, tmp_path):
    """A forged backup must not add an account that signs in: without --replace the accounts arrive
    with no password hash and no single sign-on e-mail, and what the file brings is said first."""
    from intake.storage.backup import contents

    before = table_rows(source.engine)
    backup(source.db, tmp_path / "b.gz")
    found = contents(tmp_path / "b.gz")
    assert found.rows["practitioners"] == len(before["practitioners"]) and found.rows["records"] == len(before["records"])
    assert found.rows["clinics"] == len(before["clinics"]) and found.rows["drafts"] == len(before["drafts"])
    assert found.accounts_with_password == sum(1 for r in before["practitioners"] if r["password_hash"])
    assert f"{len(before['records']):,} records" in found.describe() and f"{len(before['clinics']):,} clinics" in found.describe()
    assert table_rows(other.engine)["practitioners"] == []  # reading it wrote nothing

    summary = restore(other.db, tmp_path / "b.gz")
    after = without_system_entries(table_rows(other.engine))
    accounts = after.pop("practitioners")
    assert summary.accounts_untrusted == sum(1 for r in before["practitioners"] if r["password_hash"] or r["email"]) > 0
    assert all(r["password_hash"] is None and r["email"] is None for r in accounts)
    assert [{**r, "password_hash": None, "email": None} for r in before["practitioners"]] == accounts
    assert after == {k: v for k, v in before.items() if k != "practitioners"}
    assert other.accounts.principal_for_email("a_prac@example.org") is None  # the backup's sign-in address is not trusted
    assert source.accounts.principal_for_email("a_prac@example.org") is not None


@pytest.mark.parametrize("direction", ["sqlite to postgresql", "postgresql to sqlite"])
def test_round_trip_across_databases(sqlite_url, postgres_url, tmp_path, direction):
    source_url, target_url = (sqlite_url, postgres_url) if direction.startswith("sqlite") else (postgres_url, sqlite_url)
    source, target = Store(source_url), Store(target_url)
    try:
        populate(source)
        before = table_rows(source.engine)
        backup(source.db, tmp_path / "b.gz")
        restore(target.db, tmp_path / "b.gz", replace=True)
        after = without_system_entries(table_rows(target.engine))
        # the name-search terms are SQLite's alone (PostgreSQL has a trigram index): rebuilt, not copied
        assert {k: v for k, v in after.items() if k not in DERIVED_TABLES} == \
            {k: v for k, v in before.items() if k not in DERIVED_TABLES}
        assert bool(after["record_terms"]) == target_url.startswith("sqlite")
        # The restored database is the app's: records open, and new rows get fresh ids.
        principal = target.accounts.principal_for_email("a_prac@example.org")
        rows, total = target.records.list(principal)
        assert total == 2 and target.records.get(principal, rows[0].id).case() is not None
        target.records.file(principal, *case_and_assessment("example-01-hip-osteoarthritis"))
        with target.db.reading() as session:
            ids = session.scalars(select(AuditRow.id).order_by(AuditRow.id)).all()
        assert len(ids) == len(set(ids)) > len(before["audit_log"])
    finally:
        source.dispose()
        target.dispose()


def test_restore_refuses_a_database_that_is_not_empty(source, other, tmp_path):
    backup(source.db, tmp_path / "b.gz")
    other.accounts.create_clinic("Already here")
    before = table_rows(other.engine)
    with pytest.raises(BackupError, match=r"not empty \(rows in audit_log \(1\), clinics \(1\)\).*--replace"):
        restore(other.db, tmp_path / "b.gz")
    assert table_rows(other.engine) == before


def test_replace_empties_the_database_first(source, other, tmp_path):
    backup(source.db, tmp_path / "b.gz")
    expected = table_rows(source.engine)
    populate(other)  # different ids, same names
    restore(other.db, tmp_path / "b.gz", replace=True)
    assert without_system_entries(table_rows(other.engine)) == without_system_entries(expected)
    [entry] = [e for e in table_rows(other.engine)["audit_log"] if e["action"] == "restore"][:1]
    assert json.loads(entry["detail"])["replaced"] is True


def test_yesterdays_backup(source, tmp_path):
    """Back up, carry on working (file, amend, delete, add an account), restore with replace: the
    database is as it was at the backup, and the app carries on from there."""
    yesterday = table_rows(source.engine)
    backup(source.db, tmp_path / "yesterday.json.gz")

    accounts, records = source.accounts, source.records
    a_prac = accounts.principal_for_email("a_prac@example.org")
    a_admin = accounts.principal_for_email("a_admin@example.org")
    new = records.file(a_prac, *case_and_assessment("example-11-fracture-after-fall-from-height"))
    existing = [r for r in records.list(a_prac)[0] if r.id != new.id]
    records.delete(a_admin, existing[0].id)
    scoped = source.scoped(a_prac)
    scoped.file(scoped.create({}, amends_id=existing[1].id).id, *case_and_assessment("example-04-l5-radiculopathy"))
    accounts.add_practitioner(a_admin.clinic_id, "newcomer", "Newcomer", email="new@example.org", actor=a_admin)
    assert table_rows(source.engine) != yesterday

    restore(source.db, tmp_path / "yesterday.json.gz", replace=True)
    today = table_rows(source.engine)
    assert without_system_entries(today) == yesterday
    assert records.get(a_prac, new.id) is None
    assert records.get(a_prac, existing[0].id) is not None
    assert accounts.principal_for_email("new@example.org") is None
    # Work goes on: a new record and its audit entry get ids past everything restored.
    again = records.file(a_prac, *case_and_assessment("example-11-fracture-after-fall-from-height"))
    with source.db.reading() as session:
        last = session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).one()
    assert (last.record_id, last.action) == (again.id, "create")
    assert last.id > max(r["id"] for r in today["audit_log"])


def test_a_failed_restore_leaves_the_database_exactly_as_it_was(source, other, tmp_path):
    backup(source.db, tmp_path / "b.gz")
    populate(other)
    before = table_rows(other.engine)
    with gzip.open(tmp_path / "b.gz", "rt", encoding="utf-8") as stream:
        document = json.load(stream)

    # The last table loaded breaks a NOT NULL constraint (after every other table was emptied and loaded).
    audit = document["tables"]["audit_log"]
    broken = json.loads(json.dumps(document))
    broken["tables"]["audit_log"]["rows"][-1][audit["columns"].index("action")] = None
    write_backup(tmp_path / "null.gz", broken)
    with pytest.raises(BackupError, match=r"could not be restored.*the database is unchanged"):
        restore(other.db, tmp_path / "null.gz", replace=True)
    assert table_rows(other.engine) == before

    # A timestamp that is not one, in the last table.
    broken = json.loads(json.dumps(document))
    broken["tables"]["audit_log"]["rows"][-1][audit["columns"].index("at")] = "yesterday-ish"
    write_backup(tmp_path / "date.gz", broken)
    with pytest.raises(BackupError, match=r"audit_log\.at holds 'yesterday-ish', which is not a date"):
        restore(other.db, tmp_path / "date.gz", replace=True)
    assert table_rows(other.engine) == before

    # Two rows with the same key.
    broken = json.loads(json.dumps(document))
    broken["tables"]["record_versions"]["rows"].append(broken["tables"]["record_versions"]["rows"][0])
    write_backup(tmp_path / "dup.gz", broken)
    with pytest.raises(BackupError, match="could not be restored"):
        restore(other.db, tmp_path / "dup.gz", replace=True)
    assert table_rows(other.engine) == before


def schema_of(engine) -> set[tuple]:
    """Every table and index as the database itself describes it (SQLite builds its indexes again after
    a restore's rows are in: they must come back exactly)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return set(connection.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master").all())
        return set(connection.exec_driver_sql(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()").all())


def test_a_restore_leaves_every_index_as_a_migrated_database_has_it_even_when_it_fails(source, other, tmp_path):
    migrated = schema_of(other.engine)
    backup(source.db, tmp_path / "b.gz")
    with gzip.open(tmp_path / "b.gz", "rt", encoding="utf-8") as stream:
        document = json.load(stream)
    # the second version of a record given the first one's number: only the unique index on
    # (record_id, version) refuses it, which SQLite builds after the rows are in
    versions = document["tables"]["record_versions"]
    record, number = (versions["columns"].index(c) for c in ("record_id", "version"))
    rows = versions["rows"]
    second = next(r for r in rows if r[record] == rows[0][record] and r[number] != rows[0][number])
    second[number] = rows[0][number]
    write_backup(tmp_path / "same-version.gz", document)
    with pytest.raises(BackupError, match="could not be restored"):
        restore(other.db, tmp_path / "same-version.gz")
    assert schema_of(other.engine) == migrated and not any(table_rows(other.engine).values())
    restore(other.db, tmp_path / "b.gz", replace=True)  # the clinic's own backup: accounts and all
    assert schema_of(other.engine) == migrated
    assert without_system_entries(table_rows(other.engine)) == without_system_entries(table_rows(source.engine))


def write_backup(path: Path, document: dict) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        json.dump(document, stream)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty: not a backup"),
    (b"plain text, not a backup\n", "not gzip-compressed"),
    (gzip.compress(b"{\"format\": "), "not valid JSON"),
    (gzip.compress(b"[1, 2, 3]"), "does not say it is a hip-intake-backup file"),
    (gzip.compress(json.dumps({"format": FORMAT, "format_version": 1}).encode()), "schema revision is missing"),
    (gzip.compress(json.dumps({"format": FORMAT, "format_version": 1, "revision": "0002", "created": "soon",
                               "tables": {}}).encode()), "creation time"),
    (gzip.compress(json.dumps({"format": FORMAT, "format_version": 1, "revision": "0002", "created": "2026-01-01T00:00:00",
                               "tables": {"clinics": {"columns": ["id"], "rows": [["a", "b"]]}}}).encode()),
     "row 1 of table 'clinics' does not match its 1 columns"),
    (gzip.compress(json.dumps({"format": FORMAT, "format_version": 1, "revision": "0002", "created": "2026-01-01T00:00:00",
                               "tables": {"patients": {"columns": ["id"], "rows": []}}}).encode()),
     "tables the schema at revision '0002' does not: patients"),
    (gzip.compress(json.dumps({"format": FORMAT, "format_version": 1, "revision": "0002", "created": "2026-01-01T00:00:00",
                               "tables": {"clinics": {"columns": ["id", "colour"], "rows": []}}}).encode()),
     "'clinics' has columns the schema does not: colour"),
    (gzip.compress(json.dumps({"format": FORMAT, "format_version": 1, "revision": "0002", "created": "2026-01-01T00:00:00",
                               "tables": {"clinics": {"columns": ["id", "name", "created", "retention_days"],
                                                      "rows": [["c", "C", "2026-01-01T00:00:00", "ten"]]}}}).encode()),
     "clinics.retention_days holds 'ten', which is not a whole number"),
])
def test_a_corrupt_or_wrong_file_is_refused_with_the_problem_named(db_store, tmp_path, content, message):
    db_store.accounts.create_clinic("Keep me")
    before = table_rows(db_store.engine)
    path = tmp_path / "bad.gz"
    path.write_bytes(content)
    with pytest.raises(BackupError, match=message):
        restore(db_store.db, path, replace=True)
    assert table_rows(db_store.engine) == before


def test_a_truncated_backup_is_refused(source, tmp_path):
    backup(source.db, tmp_path / "b.gz")
    data = (tmp_path / "b.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(BackupError, match="cut short"):
        read_backup(tmp_path / "cut.gz")
    with pytest.raises(BackupError, match="no such file"):
        read_backup(tmp_path / "missing.gz")


def test_a_backup_from_a_newer_schema_or_format_is_refused(source, other, tmp_path):
    backup(source.db, tmp_path / "b.gz")
    with gzip.open(tmp_path / "b.gz", "rt", encoding="utf-8") as stream:
        document = json.load(stream)
    write_backup(tmp_path / "newer.gz", document | {"revision": "0099"})
    with pytest.raises(BackupError, match=rf"schema revision '0099'.*does not know \(it is at '{re.escape(head_revision())}'\).*newer version"):
        restore(other.db, tmp_path / "newer.gz")
    write_backup(tmp_path / "format.gz", document | {"format_version": 2})
    with pytest.raises(BackupError, match="backup format 2, newer than"):
        restore(other.db, tmp_path / "format.gz")
    assert table_rows(other.engine) == {name: [] for name in Base.metadata.tables}


def test_a_backup_from_an_older_schema_is_migrated_on_restore(db_url, other, tmp_path):
    """A backup taken at the baseline (drafts, attempts, vignettes only) restores into today's schema."""
    make_old_database(db_url)
    old = Database(db_url, migrate=False)
    try:
        upgrade(old.engine, BASELINE_REVISION)  # adopts it at the baseline, goes no further
        summary = backup(old, tmp_path / "old.gz")
    finally:
        old.dispose()
    assert summary.revision == BASELINE_REVISION and set(summary.rows) == {"drafts", "attempts", "vignettes"}

    restore(other.db, tmp_path / "old.gz")
    with other.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert connection.execute(text("SELECT id, clinic_id FROM drafts")).all() == [("old-draft", None)]
        assert connection.execute(text("SELECT score FROM attempts")).scalar() == 72.5
    clinic = other.accounts.create_clinic("Takes over", claim_unowned=True)
    other.accounts.add_practitioner(clinic.id, "boss", "Boss", email="boss@example.org", role="admin")
    assert other.scoped(other.accounts.principal_for_email("boss@example.org")).get("old-draft") is not None


def test_restored_records_keep_their_json_exactly(source, other, tmp_path):
    with source.db.reading() as session:
        originals = {r.id: unpack(r.content) for r in session.scalars(select(RecordVersionRow))}
    backup(source.db, tmp_path / "b.gz")
    restore(other.db, tmp_path / "b.gz")
    with other.db.reading() as session:
        restored = {r.id: unpack(r.content) for r in session.scalars(select(RecordVersionRow))}
    assert restored == originals and any(data["case"]["patient"].get("name") == "Zoë Ünicode ✓" for data in restored.values())


def test_a_backup_is_one_consistent_snapshot(source, tmp_path, monkeypatch):
    """A write that commits while the backup is being read is not half in it (and is not blocked)."""
    import intake.backup

    clinics_before = len(source.accounts.clinics())
    tables_at = intake.backup._tables_at

    def write_meanwhile(connection, revision):
        source.accounts.create_clinic("Arrived during the backup")  # another connection, committed
        return tables_at(connection, revision)

    monkeypatch.setattr(intake.backup, "_tables_at", write_meanwhile)
    summary = backup(source.db, tmp_path / "b.gz")
    assert summary.rows["clinics"] == clinics_before
    assert len(source.accounts.clinics()) == clinics_before + 1
    document = read_backup(tmp_path / "b.gz")
    names = [row[document["tables"]["clinics"]["columns"].index("name")] for row in document["tables"]["clinics"]["rows"]]
    assert "Arrived during the backup" not in names
