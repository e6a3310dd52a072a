"""Records at scale, on SQLite and PostgreSQL: keyset pages, a bounded total, history and searches
through indexes, the packed content (and PDFs re-issued from it byte for byte), streamed exports
with an audit entry that holds no typed text, streamed restore, and the 0003 migration's data."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from db_support import World, case_and_assessment, fresh_url
from sqlalchemy import select, text

import intake.storage.records
from intake import record_tables
from intake.storage import Database
from intake.storage.backup import backup, restore
from intake.storage.database import alembic_config, upgrade
from intake.storage.packing import PackError, pack, unpack
from intake.storage.records import RecordFilter
from intake.storage.schema import RecordTermRow, RecordVersionRow

WHEN = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(db_store):
    return World(db_store)


def file_many(world, count: int, *, same_time: bool = False, name: str = "Ada Lovelace") -> list[str]:
    """`count` records of clinic A, newest last; ids newest first (as the list shows them)."""
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis", name=name)
    ids = []
    for n in range(count):
        at = WHEN if same_time else WHEN + timedelta(minutes=n)
        ids.append(world.store.records.file(world.a_prac, case, assessment, assessed_at=at).id)
    return ids


# ---------------------------------------------------------------- keyset pages and the bounded total


@pytest.mark.parametrize("same_time", [False, True], ids=["distinct-times", "one-time"])
def test_keyset_pages_visit_every_record_once_newest_first(world, same_time):
    filed = set(file_many(world, 7, same_time=same_time))
    world.file(world.b_prac)  # another clinic's: never on these pages
    seen, after, pages = [], None, 0
    while True:
        page = world.store.records.page(world.a_prac, after=after, limit=3)
        pages += 1
        seen += page.rows
        assert page.total == 7 and not page.more
        if page.next_after is None:
            break
        after = page.next_after
    assert pages == 3 and [len(seen)] == [7] and {r.id for r in seen} == filed
    keys = [(r.assessed_at, r.id) for r in seen]
    assert keys == sorted(keys, reverse=True)  # newest first, ties by id, no repeats


def test_the_total_is_exact_up_to_the_limit_and_bounded_beyond(world, monkeypatch):
    file_many(world, 5)
    monkeypatch.setattr(intake.storage.records, "COUNT_LIMIT", 3)
    page = world.store.records.page(world.a_prac, limit=2)
    assert (len(page.rows), page.total, page.more) == (2, 3, True)
    monkeypatch.setattr(intake.storage.records, "COUNT_LIMIT", 5)
    page = world.store.records.page(world.a_prac, limit=2)
    assert (page.total, page.more) == (5, False)
    assert world.store.records.count(world.a_prac) == 5
    assert world.store.records.count(world.a_prac, up_to=2) == 3  # "more than 2"


def test_history_is_the_patients_own_visits_by_exact_pseudonym(world):
    first = world.file(world.a_prac, name="Ada Lovelace", assessed_at=WHEN)
    case, assessment = case_and_assessment("example-03-gluteal-tendinopathy", name="Ada Lovelace")
    second = world.store.records.file(world.a_prac, case, assessment, follows_id=first.id, assessed_at=WHEN + timedelta(days=9))
    world.file(world.a_prac, name=f"Someone {first.pseudonym}")  # a name holding the pseudonym is not a visit
    world.file(world.a_prac, name="Ada Lovelace")  # nor is a namesake
    assert [r.id for r in world.store.records.history(world.a_prac, first.pseudonym)] == [first.id, second.id]
    assert world.store.records.history(world.b_prac, first.pseudonym) == []


def test_name_search_finds_parts_of_words_and_follows_amendments_and_deletes(world):
    hopper = world.file(world.a_prac, name="Grace Hopper")
    world.file(world.a_prac, name="Zoë Ünal")
    world.file(world.b_prac, name="Grace Hopper")  # clinic B's namesake
    names = lambda text: [r.patient_name for r in world.store.records.page(world.a_prac, RecordFilter(patient=text)).rows]  # noqa: E731
    assert names("hopp") == names("OPPE") == names("grace h") == ["Grace Hopper"]
    assert names("zoë") == names("ÜNAL") == ["Zoë Ünal"]
    assert names("hopperx") == names("grace zoë") == []
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis", name="Grace Brewster")
    world.store.records.file(world.a_prac, case, assessment, amends_id=hopper.id)
    assert names("hopp") == [] and names("brew") == ["Grace Brewster"]
    world.store.records.delete(world.a_prac, hopper.id)
    assert names("brew") == []
    with world.store.db.reading() as session:  # no term outlives its record
        assert session.scalars(select(RecordTermRow).where(RecordTermRow.record_id == hopper.id)).all() == []


def test_the_records_queries_go_through_an_index_on_sqlite(sqlite_url):
    """The plans SQLite picks (statistics refreshed, as the daily job does): never a full scan of records."""
    from intake.store import Store

    store = Store(sqlite_url)
    try:
        world = World(store)
        file_many(world, 30)
        first = world.file(world.a_prac, name="Grace Hopper")
        store.db.optimize()
        records = store.records
        statements = []
        from sqlalchemy import event

        def seen(conn, cursor, statement, parameters, context, executemany):
            if "FROM records" in statement and statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        event.listen(store.db.engine, "before_cursor_execute", seen)
        records.page(world.a_prac)
        records.page(world.a_prac, RecordFilter(patient=first.pseudonym))
        records.page(world.a_prac, RecordFilter(patient="hopp"))
        records.page(world.a_prac, RecordFilter(red_flag="any", practitioner_id=world.a_prac.user_id))
        records.page(world.a_prac, RecordFilter(referral="none"))
        records.history(world.a_prac, first.pseudonym)
        event.remove(store.db.engine, "before_cursor_execute", seen)
        assert len(statements) >= 11
        with store.db.engine.connect() as connection:
            for statement, parameters in statements:
                plan = " | ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
                assert "SCAN records" not in plan.replace("SCAN records USING", ""), (statement, plan)
    finally:
        store.dispose()


def test_the_total_is_counted_in_date_order_through_an_index_on_postgresql(postgres_url):
    """Records filed oldest first (the table's physical order is its date order): counting "the last
    year" must walk the date index from the newest end and stop, not scan the table from its oldest
    row, whatever the planner thinks of the filter's selectivity (issue 17: 5.4x from 10k to 100k)."""
    from sqlalchemy import event, insert

    from intake.storage.schema import RecordRow
    from intake.store import Store

    store = Store(postgres_url)
    try:
        world = World(store)
        template = world.file(world.a_prac, "example-10-cauda-equina-syndrome", name="Ada Lovelace")
        with store.db.reading() as session:
            row = session.get(RecordRow, template.id)
            columns = {c.name: getattr(row, c.key) for c in RecordRow.__table__.columns}
        start = datetime.now(UTC) - timedelta(days=730)
        with store.db.transaction() as session:
            session.execute(insert(RecordRow), [columns | {"id": f"bulk-{n:05d}", "pseudonym": f"P-BULK{n:05d}",
                                                           "assessed_at": start + timedelta(hours=2 * n)}
                                                for n in range(8000)])
        store.db.optimize()
        origin = columns["origins"].strip("|").split("|")[0]
        statements = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            if "count(" in statement.lower():
                statements.append((statement, parameters))

        event.listen(store.db.engine, "before_cursor_execute", seen)
        today = datetime.now(UTC).date()
        page = store.records.page(world.a_prac, RecordFilter(origin=origin, red_flag="any",
                                                             date_from=today - timedelta(days=365), date_to=today))
        event.remove(store.db.engine, "before_cursor_execute", seen)
        assert page.more and len(page.rows) == 50
        [(statement, parameters)] = statements
        with store.db.engine.connect() as connection:
            cursor = connection.connection.driver_connection.cursor()
            cursor.execute(f"EXPLAIN {statement}", parameters)
            plan = " | ".join(line for (line,) in cursor.fetchall())
        assert "Seq Scan on records" not in plan and "Index" in plan, plan
    finally:
        store.dispose()


# ---------------------------------------------------------------- packed content


def test_packed_content_round_trips_exactly_and_is_small():
    case, assessment = case_and_assessment("example-10-cauda-equina-syndrome", name="Zoë Ünicode ✓")
    data = {"case": case.to_data(), "assessment": assessment.model_dump(mode="json", by_alias=True)}
    blob = pack(data)
    assert unpack(blob) == data
    assert len(blob) * 5 < len(json.dumps(data, ensure_ascii=False))  # the wording shared by every record is in the dictionary
    with pytest.raises(PackError, match="dictionary 99"):
        unpack(bytes([99]) + blob[1:])
    with pytest.raises(PackError, match=r"damaged|cut short"):
        unpack(blob[: len(blob) // 2])


@pytest.mark.parametrize("stem", ["example-10-cauda-equina-syndrome", "example-01-hip-osteoarthritis"])
def test_reissued_pdfs_are_byte_identical_to_those_of_the_filed_assessment(world, stem):
    import reports

    case, assessment = case_and_assessment(stem, name="Ada Lovelace")
    filed = world.store.records.file(world.a_prac, case, assessment)
    record = world.store.records.get(world.a_prac, filed.id)
    when = record.assessed_at.date()
    assert record.assessment().next_questions == []  # an aid for the visit in progress: not kept
    for render in (reports.render_summary, reports.render_handout):
        assert render(record.case(), record.assessment(), practitioner="A Prac", date=when) == \
            render(case, assessment, practitioner="A Prac", date=when)


def test_a_record_keeps_everything_of_its_assessment_but_the_next_question_list(world):
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis", name="Ada Lovelace")
    assert assessment.next_questions  # there was one to leave out
    record = world.store.records.get(world.a_prac, world.store.records.file(world.a_prac, case, assessment).id)
    assert record.assessment() == assessment.model_copy(update={"next_questions": []})


# ---------------------------------------------------------------- exports


def test_the_streamed_csv_is_the_table_pandas_would_write(world):
    world.file(world.a_prac, "example-10-cauda-equina-syndrome", name="Eva Novak")
    world.file(world.a_prac2, name="Tom Baker")
    world.store.accounts.add_practitioner(world.clinic_a.id, "formula", "=HYPERLINK(\"x\")", email="f@example.org")
    world.file(world.store.accounts.principal_for_email("f@example.org"))
    rows = world.store.records.export_rows(world.a_prac)
    streamed = record_tables.records_csv(iter(rows))
    assert streamed == record_tables.to_csv(record_tables.records_frame(rows))
    assert b"Novak" not in streamed and b"'=HYPERLINK" in streamed


def test_an_export_is_audited_with_a_count_and_the_filters_shape_never_its_text(world):
    world.file(world.a_prac, name="Ada Lovelace")
    world.file(world.a_prac, name="Ada Byron")
    where = RecordFilter(patient="Lovelace", referral="none", date_from=WHEN.date())
    list(world.store.records.iter_export(world.a_prac, RecordFilter(patient="ada")))
    list(world.store.records.iter_export(world.a_prac, where, fmt="xlsx"))
    entries = [e for e in world.store.audit.entries(world.clinic_a.id) if e.action == "export"]
    details = sorted((e.detail for e in entries), key=lambda d: d["format"])
    assert details == [{"format": "csv", "count": 2, "filter": {"patient": "name"}},
                       {"format": "xlsx", "count": 1, "filter": {"patient": "name", "referral": "none",
                                                                 "date_from": WHEN.date().isoformat()}}]
    assert "ada" not in json.dumps(details).lower() and "lovelace" not in json.dumps(details).lower()


def test_excel_past_its_row_limit_is_refused_and_csv_offered(monkeypatch):
    monkeypatch.setattr(record_tables, "EXCEL_MAX_ROWS", 2)
    rows = [dict.fromkeys(record_tables.EXPORT_COLUMNS, "x") for _ in range(3)]
    with pytest.raises(record_tables.TooManyRows, match=r"at most 2 rows.*has 3.*as CSV"):
        record_tables.to_excel(record_tables.records_frame(rows))
    assert len(record_tables.to_excel(record_tables.records_frame(rows[:2]))) > 0
    read = []
    with pytest.raises(record_tables.TooManyRows, match=r"at most 2 rows.*has more than 2.*as CSV"):
        record_tables.records_xlsx(read.append(row) or row for row in rows * 1000)
    assert len(read) == 3  # refused at the first row too many, not after reading the rest
    assert len(record_tables.records_xlsx(iter(rows[:2]))) > 0


def test_the_streamed_workbook_is_the_table_pandas_would_write(world):
    import pandas as pd

    world.file(world.a_prac, "example-10-cauda-equina-syndrome", name="Eva Novak")
    world.file(world.a_prac2, name="Tom Baker")
    world.store.accounts.add_practitioner(world.clinic_a.id, "formula", "=HYPERLINK(\"x\")", email="f@example.org")
    world.file(world.store.accounts.principal_for_email("f@example.org"))
    rows = world.store.records.export_rows(world.a_prac, fmt="xlsx")
    streamed = pd.read_excel(io.BytesIO(record_tables.records_xlsx(iter(rows))))
    framed = pd.read_excel(io.BytesIO(record_tables.to_excel(record_tables.records_frame(rows))))
    pd.testing.assert_frame_equal(streamed, framed)
    assert len(streamed) == 3 and "'=HYPERLINK(\"x\")" in set(streamed["practitioner"])
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(record_tables.records_xlsx(iter(rows)))).active
    assert sheet.title == "records" and [c.value for c in sheet[1]] == list(record_tables.EXPORT_COLUMNS)
    assert all(c.font.bold for c in sheet[1])


# ---------------------------------------------------------------- restore streams


def test_restore_reads_the_backup_as_a_stream(world, tmp_path, monkeypatch):
    """Restore never loads the document whole (json.load of a million records ran out of memory)."""
    world.file(world.a_prac, name="Grace Hopper")
    backup(world.store.db, tmp_path / "b.gz")

    def whole_file(*_, **__):
        raise AssertionError("restore loaded the whole backup")

    monkeypatch.setattr(json, "load", whole_file)
    monkeypatch.setattr(json, "loads", whole_file)
    url = "sqlite" if world.store.db.dialect == "sqlite" else "postgresql"
    with fresh_url(url, tmp_path / "other") as other_url:
        other = Database(other_url)
        try:
            summary = restore(other, tmp_path / "b.gz")
            assert summary.rows["records"] == 1
        finally:
            other.dispose()
    monkeypatch.undo()
    with gzip.open(tmp_path / "b.gz", "rt", encoding="utf-8") as stream:
        assert "record_terms" not in json.load(stream)["tables"]  # derived: rebuilt on restore


def test_restore_rebuilds_the_name_search(world, tmp_path):
    world.file(world.a_prac, name="Grace Hopper")
    backup(world.store.db, tmp_path / "b.gz")
    url = "sqlite" if world.store.db.dialect == "sqlite" else "postgresql"
    from intake.store import Store

    with fresh_url(url, tmp_path / "other") as other_url:
        other = Store(other_url)
        try:
            restore(other.db, tmp_path / "b.gz")
            assert [r.patient_name for r in other.records.page(world.a_prac, RecordFilter(patient="opper")).rows] == ["Grace Hopper"]
        finally:
            other.dispose()


# ---------------------------------------------------------------- the 0003 migration


def test_migration_packs_records_filed_before_it_and_unpacks_them_on_downgrade(db_url):
    """A record stored at 0002 (JSON text, twice) reads back the same after 0003, re-issues the same
    PDF, is found by name; a downgrade gives the JSON text back exactly."""
    import reports

    engine_db = Database(db_url, migrate=False)
    try:
        upgrade(engine_db.engine, "0002")
        case, assessment = case_and_assessment("example-10-cauda-equina-syndrome", name="Zoë Hopper")
        case_json = json.dumps(case.to_data(), ensure_ascii=False, sort_keys=True)
        assessment_json = json.dumps(assessment.model_dump(mode="json", by_alias=True), ensure_ascii=False, sort_keys=True)
        with engine_db.engine.begin() as connection:
            connection.execute(text("INSERT INTO clinics (id, name, created) VALUES ('c', 'C', :t)"), {"t": WHEN})
            connection.execute(text("INSERT INTO practitioners (id, clinic_id, username, display_name, email, role, active, "
                                    "created) VALUES ('p', 'c', 'p', 'P', 'p@example.org', 'practitioner', true, :t)"),
                               {"t": WHEN})
            connection.execute(text(
                "INSERT INTO records (id, clinic_id, practitioner_id, pseudonym, patient_name, patient_key, assessed_at, "
                "updated, version, origins, red_flags, referral, muscles, knowledge_version, case_data, assessment_data) "
                "VALUES ('r', 'c', 'p', 'P-ABCDEFGH', 'Zoë Hopper', 'zoë hopper', :t, :t, 1, '|lumbar_radicular|', "
                "'|cauda_equina:emergency|', 'emergency', '|', :kv, :case, :assessment)"),
                {"t": WHEN, "kv": assessment.knowledge_version, "case": case_json, "assessment": assessment_json})
            connection.execute(text("INSERT INTO record_versions (record_id, version, saved_at, practitioner_id, case_data, "
                                    "assessment_data) VALUES ('r', 1, :t, 'p', :case, :assessment)"),
                               {"t": WHEN, "case": case_json, "assessment": assessment_json})
        upgrade(engine_db.engine)
    finally:
        engine_db.dispose()

    from intake.store import Store

    store = Store(db_url)
    try:
        principal = store.accounts.principal_for_email("p@example.org")
        record = store.records.get(principal, "r")
        assert record.case_data == case.to_data() and record.assessment() == assessment
        assert reports.render_summary(record.case(), record.assessment(), date=WHEN.date()) == \
            reports.render_summary(case, assessment, date=WHEN.date())
        assert [r.id for r in store.records.page(principal, RecordFilter(patient="oppe")).rows] == ["r"]
        with store.db.reading() as session:
            assert unpack(session.scalar(select(RecordVersionRow.content))) == {"case": json.loads(case_json),
                                                                                "assessment": json.loads(assessment_json)}
        with store.db.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0002")
        with store.db.engine.connect() as connection:
            for table in ("records", "record_versions"):
                back = connection.execute(text(f"SELECT case_data, assessment_data FROM {table}")).one()
                assert tuple(back) == (case_json, assessment_json), table
    finally:
        store.dispose()


def test_bytes_of_a_stored_record_are_a_fraction_of_its_json(world):
    """What a record adds to the database, against the two JSON copies it used to store."""
    case, assessment = case_and_assessment("example-10-cauda-equina-syndrome", name="Ada Lovelace")
    record = world.store.records.file(world.a_prac, case, assessment)
    with world.store.db.reading() as session:
        content = session.scalar(select(RecordVersionRow.content).where(RecordVersionRow.record_id == record.id))
    old = 2 * (len(json.dumps(record.case_data, ensure_ascii=False)) + len(json.dumps(record.assessment_data, ensure_ascii=False)))
    assert len(content) * 10 < old
    assert io.BytesIO(content).read(1) == b"\x01"  # dictionary 1
