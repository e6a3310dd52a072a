"""Nothing lost when a clinic uses it at once, on SQLite and PostgreSQL: draft revisions refuse a
lost update, locks are waited out or reported, a full disk and a stopped server are reported as
``StoreUnavailable`` (never a raw driver error) and writing works again once they are back;
sign-in is throttled, locked, unlocked and audited, even while the database is away."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from db_support import PASSWORD, World, cheap_password_hashing, own_postgres_server
from sqlalchemy import event, select

from intake.storage.accounts import SignInThrottled
from intake.storage.database import StoreUnavailable
from intake.storage.schema import AuditRow
from intake.storage.store import DraftConflict, Store
from intake.storage.throttle import ACCOUNT_POLICY, address_key

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch):
    cheap_password_hashing(monkeypatch)


def _practitioner(store, username: str = "alex"):
    clinic = store.accounts.create_clinic("Riverside")
    store.accounts.add_practitioner(clinic.id, username, "Alex Able", password=PASSWORD)
    return store.accounts.authenticate(username, PASSWORD)


# ---------------------------------------------------------------- draft revisions


def test_a_save_names_the_revision_it_started_from_and_a_stale_one_is_refused(db_store):
    world = World(db_store)
    mine, theirs = db_store.scoped(world.a_prac), db_store.scoped(world.a_prac2)
    draft = mine.create({"patient": {"age": 40}}, step="patient", consent=True)
    assert draft.revision == 1
    assert mine.save(draft.id, answers={"patient": {"age": 41}}, expected_revision=1) == 2
    assert theirs.save(draft.id, answers={"patient": {"age": 99}}, expected_revision=2) == 3
    with pytest.raises(DraftConflict) as refused:
        mine.save(draft.id, answers={"patient": {"age": 42}}, expected_revision=2)
    assert refused.value.by == "A Prac2" and refused.value.revision == 3
    stored = mine.get(draft.id)
    assert stored.answers == {"patient": {"age": 99}} and stored.revision == 3  # nothing of the refused save
    assert mine.save(draft.id, answers={"patient": {"age": 42}}) == 4  # "keep mine": no revision named


def test_every_write_of_a_draft_names_its_browser_session_from_creation_on(db_store):
    """The screen tells its own session's earlier write from another window's by the writer stored
    with the draft: a draft just created (revision 1) and a withdrawal name it as a save does."""
    world = World(db_store)
    mine = db_store.scoped(world.a_prac)
    draft = mine.create({"patient": {"age": 40}}, step="patient", consent=True, writer="session-a")
    with pytest.raises(DraftConflict) as refused:
        mine.save(draft.id, answers={"patient": {"age": 41}}, expected_revision=0, writer="session-a")
    assert refused.value.revision == 1 and refused.value.writer == "session-a"
    assert mine.save(draft.id, consent=False, writer="session-b") == 2
    with pytest.raises(DraftConflict) as refused:
        mine.save(draft.id, answers={"patient": {"age": 41}}, expected_revision=1, writer="session-a")
    assert refused.value.revision == 2 and refused.value.writer == "session-b"


def test_two_writers_on_one_draft_never_lose_an_update(db_store):
    """Each writer reads, adds its own answer and saves with the revision it read; on a conflict it
    reads again. Every one of the 40 answers is in the draft at the end, and revisions are not reused."""
    world = World(db_store)
    draft = db_store.scoped(world.a_prac).create({"notes_by": {}}, consent=True)
    errors: list[BaseException] = []

    def writer(principal, name: str) -> None:
        scoped = db_store.scoped(principal)
        try:
            for n in range(20):
                while True:
                    current = scoped.get(draft.id)
                    answers = {"notes_by": {**current.answers["notes_by"], f"{name}{n}": n}}
                    try:
                        scoped.save(draft.id, answers=answers, expected_revision=current.revision)
                        break
                    except DraftConflict:
                        continue
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(world.a_prac, "a")),
               threading.Thread(target=writer, args=(world.a_prac2, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    final = db_store.scoped(world.a_prac).get(draft.id)
    assert len(final.answers["notes_by"]) == 40 and final.revision == 41


# ---------------------------------------------------------------- SQLite locks


def test_sqlite_waits_out_a_short_lock_and_reports_a_long_one_as_busy(sqlite_url):
    store = Store(sqlite_url)
    try:
        principal = _practitioner(store)
        scoped = store.scoped(principal)
        draft = scoped.create({}, consent=True)
        path = sqlite_url.removeprefix("sqlite:///")

        def hold(seconds: float) -> threading.Thread:
            ready = threading.Event()

            def run() -> None:
                other = sqlite3.connect(path, isolation_level=None)
                other.execute("BEGIN IMMEDIATE")
                ready.set()
                time.sleep(seconds)
                other.execute("COMMIT")
                other.close()

            thread = threading.Thread(target=run)
            thread.start()
            ready.wait()
            return thread

        holder = hold(0.5)
        assert scoped.save(draft.id, answers={"patient": {"age": 50}}, expected_revision=1) == 2  # waited
        holder.join()

        @event.listens_for(store.engine, "connect")
        def short_timeout(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA busy_timeout=50")

        store.engine.dispose()  # new connections with the short timeout
        holder = hold(3.0)
        started = time.perf_counter()
        with pytest.raises(StoreUnavailable, match="busy"):
            scoped.save(draft.id, answers={"patient": {"age": 51}}, expected_revision=2)
        assert time.perf_counter() - started < 3.0  # retried with backoff, then gave up
        holder.join()
        assert scoped.save(draft.id, answers={"patient": {"age": 51}}, expected_revision=2) == 3
    finally:
        store.dispose()


def test_a_full_disk_is_reported_and_nothing_is_half_written(sqlite_url):
    """SQLite's max_page_count stands in for a full disk: the same SQLITE_FULL error."""
    store = Store(sqlite_url)
    try:
        principal = _practitioner(store)
        scoped = store.scoped(principal)
        draft = scoped.create({"patient": {"age": 30}}, consent=True)
        pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()

        @event.listens_for(store.engine, "connect")
        def small_disk(dbapi_connection, _record):
            dbapi_connection.execute(f"PRAGMA max_page_count={pages + 2}")

        store.engine.dispose()
        big = {"patient": {"age": 31}, "history": {"notes": "x" * 200_000}}
        with pytest.raises(StoreUnavailable, match="disk holding the database is full"):
            scoped.save(draft.id, answers=big, expected_revision=1)
        assert scoped.get(draft.id).answers == {"patient": {"age": 30}} and scoped.get(draft.id).revision == 1

        event.remove(store.engine, "connect", small_disk)
        store.engine.dispose()  # space again
        assert scoped.save(draft.id, answers=big, expected_revision=1) == 2
        assert scoped.get(draft.id).answers == big
    finally:
        store.dispose()


# ---------------------------------------------------------------- PostgreSQL stopped and started


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own (so it can be stopped): (url, stop, start)."""
    with own_postgres_server() as server:
        yield server


def test_postgresql_stopped_mid_assessment_is_unavailable_and_writes_resume_when_it_is_back(own_postgres):
    url, stop, start = own_postgres
    store = Store(url)
    try:
        principal = _practitioner(store)
        scoped = store.scoped(principal)
        draft = scoped.create({"patient": {"age": 60}}, consent=True)
        stop()
        with pytest.raises(StoreUnavailable, match="unavailable"):
            scoped.save(draft.id, answers={"patient": {"age": 61}}, expected_revision=1)
        with pytest.raises(StoreUnavailable):
            scoped.get(draft.id)
        with pytest.raises(StoreUnavailable):
            store.accounts.authenticate("alex", "a wrong guess here")  # refused, and its audit entry kept
        start()
        assert scoped.save(draft.id, answers={"patient": {"age": 61}}, expected_revision=1) == 2
        assert scoped.get(draft.id).answers == {"patient": {"age": 61}}
        assert store.accounts.authenticate("alex", PASSWORD) is not None  # writes the kept entry first
        with store.db.reading() as session:
            failed = session.scalars(select(AuditRow).where(AuditRow.action == "sign_in_failed")).all()
        assert [e.username for e in failed] == ["alex"] and "database unavailable" in failed[0].detail
    finally:
        store.dispose()


# ---------------------------------------------------------------- sign-in throttling


def test_failed_sign_ins_wait_longer_then_lock_and_an_admin_unlocks(db_store, monkeypatch):
    import intake.storage.throttle as throttle

    clock = {"now": throttle._now()}
    monkeypatch.setattr(throttle, "_now", lambda: clock["now"])
    clinic = db_store.accounts.create_clinic("Riverside")
    admin_row = db_store.accounts.add_practitioner(clinic.id, "boss", "Boss", password=PASSWORD, role="admin")
    db_store.accounts.add_practitioner(clinic.id, "alex", "Alex", password=PASSWORD)
    admin = db_store.accounts.authenticate("boss", PASSWORD)
    accounts = db_store.accounts
    waits = []
    for n in range(ACCOUNT_POLICY.lock_after):
        try:
            assert accounts.authenticate("alex", f"guess number {n}", "10.0.0.9") is None
        except SignInThrottled as exc:
            waits.append(exc.verdict.wait_seconds)
            clock["now"] += timedelta(seconds=exc.verdict.wait_seconds + 0.01)
            assert accounts.authenticate("alex", f"guess number {n}", "10.0.0.9") is None
    assert waits == sorted(waits) and waits[0] >= 1 and waits[-1] > waits[0]  # a pause that grows
    with pytest.raises(SignInThrottled, match="locked") as locked:
        accounts.authenticate("alex", PASSWORD, "10.0.0.10")  # even the right password, from anywhere
    assert locked.value.verdict.locked and locked.value.verdict.wait_seconds > 60
    assert "alex" in accounts.locked_usernames(clinic.id)
    alex = next(p for p in accounts.practitioners(clinic.id) if p.username == "alex")
    assert accounts.unlock(admin, alex.id) is True
    assert accounts.authenticate("alex", PASSWORD, "10.0.0.10") is not None
    with db_store.db.reading() as session:
        actions = [(e.action, e.detail) for e in session.scalars(select(AuditRow).order_by(AuditRow.id))]
    assert sum(1 for a, _ in actions if a == "sign_in_failed") >= ACCOUNT_POLICY.lock_after + 1
    assert any(a == "account" and "locked" in d for a, d in actions)
    assert any(a == "account" and '"unlocked": true' in d for a, d in actions)
    assert admin_row.username == "boss"


def test_an_unknown_username_and_an_address_are_throttled_too(db_store, monkeypatch):
    import intake.storage.throttle as throttle

    clock = {"now": throttle._now()}
    monkeypatch.setattr(throttle, "_now", lambda: clock["now"])
    accounts = db_store.accounts
    for _ in range(ACCOUNT_POLICY.free):
        assert accounts.authenticate("nobody", "some guess here", "10.1.1.1") is None
    with pytest.raises(SignInThrottled):
        accounts.authenticate("nobody", "some guess here", "10.1.1.1")  # like a real account: tells nothing
    # many usernames from one address: the address is throttled
    clock["now"] += timedelta(hours=25)
    for n in range(12):
        try:
            accounts.authenticate(f"user{n}", "some guess here", "10.2.2.2")
        except SignInThrottled as exc:
            assert exc.verdict.key == address_key("10.2.2.2")
            break
    else:
        pytest.fail("the address was never throttled")


# ---------------------------------------------------------------- record amendments


def test_a_stale_amendment_is_refused_with_who_changed_it_and_when(db_store):
    from db_support import case_and_assessment

    from intake.storage.records import RecordChanged

    world = World(db_store)
    record = world.file(world.a_prac, "example-01-hip-osteoarthritis")
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis", name="First amendment")
    assert db_store.records.file(world.a_prac2, case, assessment, amends_id=record.id, amends_version=1).version == 2
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis", name="Second, from version 1")
    with pytest.raises(RecordChanged, match=r"changed by A Prac2 at .* UTC \(it is now version 2\) — reload"):
        db_store.records.file(world.a_prac, case, assessment, amends_id=record.id, amends_version=1)
    kept = db_store.records.get(world.a_prac, record.id, audit_view=False)
    assert kept.version == 2 and kept.patient_name == "First amendment"
    assert [v for v, _, _ in db_store.records.versions(world.a_prac, record.id)] == [1, 2]


def _amend_many(url: str, principal, record_id: str, label: str, times: int) -> int:
    """In its own process: amend `times` times, each from the version just read; retry on a conflict."""
    from db_support import case_and_assessment

    from intake.storage.records import RecordChanged
    from intake.storage.store import Store

    store = Store(url)
    conflicts = 0
    try:
        for n in range(times):
            case, assessment = case_and_assessment("example-01-hip-osteoarthritis", name=f"{label}{n}")
            while True:
                version = store.records.get(principal, record_id, audit_view=False).version
                try:
                    store.records.file(principal, case, assessment, amends_id=record_id, amends_version=version)
                    break
                except RecordChanged:
                    conflicts += 1
        return conflicts
    finally:
        store.dispose()


def test_two_processes_amending_one_record_lose_no_update_and_reuse_no_version(db_store, db_url):
    import multiprocessing

    world = World(db_store)
    record = world.file(world.a_prac, "example-01-hip-osteoarthritis")
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        runs = [pool.apply_async(_amend_many, (db_url, p, record.id, label, 25))
                for p, label in ((world.a_prac, "a"), (world.a_prac2, "b"))]
        [run.get(timeout=300) for run in runs]
    versions = [v for v, _, _ in db_store.records.versions(world.a_prac, record.id)]
    assert versions == list(range(1, 52))  # 50 amendments, each its own number, none lost
    assert db_store.records.get(world.a_prac, record.id, audit_view=False).version == 51
