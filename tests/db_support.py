"""Storage tests on both databases: a fresh, empty SQLite file or PostgreSQL schema per test.

PostgreSQL comes from ``$TEST_DATABASE_URL`` (``./scripts/test.sh`` starts a throwaway server and
sets it). Each test gets a schema of its own in that database, set as the search path of its URL,
and dropped after (about a millisecond; a database per test took 20-250 ms to create). Without the
variable the PostgreSQL variants are skipped, unless ``INTAKE_REQUIRE_POSTGRES=1`` says they must
run, in which case they fail.

Also here: example cases and assessments, two clinics with their people (``World``), a database with
something in every table (``populate``), and one as the app made it before migrations.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Boolean, DateTime, Float, String, Text, create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

SHARED_CASES = Path(__file__).resolve().parents[1] / "intake" / "cases" / "examples"
PASSWORD = "correct horse battery"


def postgres_unavailable() -> str | None:
    """Why the PostgreSQL variant cannot run, or None when it can."""
    if os.environ.get("TEST_DATABASE_URL", "").strip():
        return None
    return ("TEST_DATABASE_URL is not set: no PostgreSQL server to test on "
            "(./scripts/test.sh starts a throwaway one and sets it)")


def require_postgres() -> None:
    """Skip the calling test when there is no PostgreSQL server, or fail it when one is required."""
    reason = postgres_unavailable()
    if reason is None:
        return
    if os.environ.get("INTAKE_REQUIRE_POSTGRES", "").strip() == "1":
        pytest.fail(f"INTAKE_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@cache
def _admin() -> Engine:
    url = make_url(os.environ["TEST_DATABASE_URL"].strip())
    return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)


@contextmanager
def fresh_postgres_url() -> Iterator[str]:
    """A new, empty schema on the test server, first on the search path of every connection made with
    the URL (so the app, Alembic and reflection see only it); dropped afterwards, after ending any
    connection still open on it (they carry the schema's name as their application_name)."""
    require_postgres()
    admin = _admin()
    name = f"t_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    url = admin.url.update_query_dict({"options": f"-csearch_path={name}", "application_name": name})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                               {"name": name})
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))


@contextmanager
def own_postgres_server() -> Iterator[tuple[str, Any, Any]]:
    """A PostgreSQL server of the caller's own, so it can be stopped and started: (url, stop, start).

    Skips when there is no PostgreSQL to test on or no server binaries; removed at the end."""
    import shutil
    import subprocess
    import time

    require_postgres()
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        pytest.skip("no PostgreSQL server binaries")
    script = Path(__file__).resolve().parents[1] / "scripts" / "postgres.sh"
    folder = Path(f"/tmp/intake-own-pg-{os.getpid()}-{time.monotonic_ns()}")
    url = subprocess.run([str(script), "start", str(folder)], check=True, capture_output=True, text=True).stdout.strip()
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def ctl(*args: str) -> None:
        subprocess.run([*as_owner, str(found[-1]), "-D", str(folder / "data"), "-w", "-l", str(folder / "server.log"),
                        *args], check=True, capture_output=True)

    try:
        yield url, (lambda: ctl("stop", "-m", "fast")), (lambda: ctl("start"))
    finally:
        subprocess.run([str(script), "stop", str(folder)], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_url(dialect: str, directory: Path) -> Iterator[str]:
    """An empty database of the given kind: a new SQLite file in `directory`, or a new PostgreSQL schema."""
    if dialect == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{directory / f'test-{secrets.token_hex(4)}.sqlite3'}"
    elif dialect == "postgresql":
        with fresh_postgres_url() as url:
            yield url
    else:  # pragma: no cover
        raise ValueError(dialect)


# ---------------------------------------------------------------- example data


@cache
def shared_case_data(stem: str) -> dict[str, Any]:
    """A shared example case as loadable data (its `expected` block removed)."""
    data = yaml.safe_load((SHARED_CASES / f"{stem}.yaml").read_text(encoding="utf-8"))
    data.pop("expected", None)
    return data


def case_and_assessment(stem: str, *, name: str | None = None, **patient: Any):
    """(case, assessment) for a shared example, optionally with a patient name and other patient fields."""
    import copy

    from intake import assess, load_case

    data = copy.deepcopy(shared_case_data(stem))
    if name is not None:
        data["patient"]["name"] = name
    data["patient"].update(patient)
    case = load_case(data)
    return case, assess(case)


RED_FLAG_CASES = ("example-10-cauda-equina-syndrome", "example-11-fracture-after-fall-from-height",
                  "example-12-back-pain-with-cancer-history")
PLAIN_CASES = ("example-01-hip-osteoarthritis", "example-04-l5-radiculopathy", "example-03-gluteal-tendinopathy")


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the schema (not alembic_version), datetimes in UTC, sorted: for comparing databases."""
    from intake.db.schema import Base

    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = []
            for row in connection.execute(table.select()).mappings():
                rows.append({k: aware(v) if isinstance(v, datetime) else v for k, v in row.items()})
            rows.sort(key=lambda r: tuple(r[c.name] for c in table.primary_key.columns))
            out[table.name] = rows
    return out


# ---------------------------------------------------------------- two clinics


class World:
    """Clinic A (an admin, two practitioners, a student) and clinic B (an admin, a practitioner).

    Accounts use single sign-on e-mails (no password to hash, so set-up is quick); each principal is
    what a signed-in session would carry.
    """

    def __init__(self, store):
        accounts = store.accounts
        self.store = store
        self.clinic_a = accounts.create_clinic("Clinic A")
        self.clinic_b = accounts.create_clinic("Clinic B")
        people = {
            "a_admin": (self.clinic_a, "admin"),
            "a_prac": (self.clinic_a, "practitioner"),
            "a_prac2": (self.clinic_a, "practitioner"),
            "a_student": (self.clinic_a, "student"),
            "b_admin": (self.clinic_b, "admin"),
            "b_prac": (self.clinic_b, "practitioner"),
        }
        for username, (clinic, role) in people.items():
            accounts.add_practitioner(clinic.id, username, username.replace("_", " ").title(), email=f"{username}@example.org",
                                      role=role)
            setattr(self, username, accounts.principal_for_email(f"{username}@example.org"))

    def file(self, principal, stem: str = "example-01-hip-osteoarthritis", *, name: str | None = None, **kwargs):
        case, assessment = case_and_assessment(stem, name=name)
        return self.store.records.file(principal, case, assessment, **kwargs)


def cheap_password_hashing(monkeypatch) -> None:
    """Argon2id still, at the lowest cost: the production setting takes ~0.17 s per hash and verify."""
    from argon2 import PasswordHasher

    import intake.accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(intake.accounts, "_HASHER", cheap)
    dummy = cheap.hash("not anybody's password")
    monkeypatch.setattr(intake.accounts, "_dummy_hash", lambda: dummy)


def all_red_flags_case(name: str | None = "Mixed Picture"):
    """(case, assessment): the hip OA example with every red-flag answer that is true in the shared
    red-flag examples, so one assessment carries several red flags at different urgencies."""
    import copy

    from intake import assess, load_case

    data = copy.deepcopy(shared_case_data("example-01-hip-osteoarthritis"))
    for stem in RED_FLAG_CASES:
        for key, value in shared_case_data(stem)["red_flags"].items():
            if value is True:
                data["red_flags"][key] = True
    if name is not None:
        data["patient"]["name"] = name
    case = load_case(data)
    return case, assess(case)


def populate(store) -> World:
    """Something in every table: two clinics, records (one amended, one a follow-up, one deleted),
    drafts, practice attempts (one committed), a vignette, a retention period, a failed sign-in."""
    world = World(store)
    records = store.records
    scoped = store.scoped(world.a_prac)
    first = world.file(world.a_prac, "example-10-cauda-equina-syndrome", name="Ada Lovelace",
                       assessed_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    case, assessment = case_and_assessment("example-01-hip-osteoarthritis", name="Ada Lovelace")
    scoped.file(scoped.create({}, amends_id=first.id).id, case, assessment)
    scoped.file(scoped.create({}, follows_id=first.id).id, *case_and_assessment("example-03-gluteal-tendinopathy", name="Ada"))
    gone = world.file(world.a_prac, "example-04-l5-radiculopathy")
    records.delete(world.a_prac, gone.id)
    world.file(world.b_prac, "example-12-back-pain-with-cancer-history", name="Zoë Ünicode ✓")
    draft = scoped.create({"patient": {"age": 33, "name": "Draft Person"}}, step="history", consent=True, notes="to finish")
    store.patient_links.create(world.a_prac, draft.id, language="es", measures=["odi"])  # a patient link
    store.patient_form.save(world.a_admin, link_days=10, measures=["odi", "nprs"])  # the clinic's patient form
    store.patient_links.throttle.failed()  # one failed link lookup, counted in the database
    attempt = scoped.start_attempt("Student One", "example-01", "Hip OA", {"asked": ["night_pain"]})
    scoped.commit_attempt(attempt.id, answers={"asked": ["night_pain"]}, expected={"origin": "hip_joint"}, score=87.5,
                          marks={"origin": 1}, feedback={"note": "good"}, seconds=412.25, unsafe=False)
    scoped.start_attempt("Student Two", "example-04")
    scoped.add_vignette({"case_format": 1, "id": "uploaded"}, title="Uploaded case", difficulty="advanced")
    store.accounts.set_retention(world.a_admin, 3650)
    store.clinic_details.save(world.a_admin, {"phone": "01234 567890", "address": ["1 Mill Lane", "Riverside"]},
                              logo=(Path(__file__).parents[1] / "reports" / "assets" / "logo-neutral.png").read_bytes())
    store.clinic_details.set_registration(world.a_admin, world.a_prac.user_id, "HCPC PH000001")
    records.export_rows(world.a_admin)
    assert store.accounts.authenticate(world.a_prac.username, "not the password") is None  # a throttle row
    return world


# ---------------------------------------------------------------- a database from before migrations

BASELINE_TABLES = {"drafts", "attempts", "vignettes"}


# The tables as the app created them before it used Alembic (intake/store.py before migrations):
# `create_all` on these three models, nothing else.
class _OldBase(DeclarativeBase):
    pass


class _OldDraft(_OldBase):
    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    step: Mapped[str] = mapped_column(String(40), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    answers: Mapped[str] = mapped_column(Text, default="{}")
    notes: Mapped[str] = mapped_column(Text, default="")


class _OldAttempt(_OldBase):
    __tablename__ = "attempts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    student: Mapped[str] = mapped_column(String(200))
    student_key: Mapped[str] = mapped_column(String(200), index=True)
    case_id: Mapped[str] = mapped_column(String(100), index=True)
    case_title: Mapped[str] = mapped_column(String(200), default="")
    answers: Mapped[str] = mapped_column(Text, default="{}")
    expected: Mapped[str] = mapped_column(Text, default="{}")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    marks: Mapped[str] = mapped_column(Text, default="{}")
    feedback: Mapped[str] = mapped_column(Text, default="{}")
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    unsafe: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    committed: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class _OldVignette(_OldBase):
    __tablename__ = "vignettes"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    difficulty: Mapped[str] = mapped_column(String(40), default="")
    data: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def make_old_database(url: str) -> datetime:
    """A database as the app left it before migrations: three tables, one row in each."""
    engine = create_engine(url)
    _OldBase.metadata.create_all(engine)
    when = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        session.add(_OldDraft(id="old-draft", created=when, updated=when, step="history", consent=True,
                              answers='{"patient": {"age": 61, "sex": "female", "side": "left"}}', notes="kept"))
        session.add(_OldAttempt(id="old-attempt", student="Sam", student_key="sam", case_id="example-01", case_title="Hip OA",
                                answers="{}", expected="{}", score=72.5, marks="{}", feedback="{}", seconds=300.0,
                                unsafe=False, created=when, committed=when))
        session.add(_OldVignette(id="old-vignette", title="Uploaded", difficulty="foundation", data='{"case_format": 1}',
                                 created=when))
    assert set(inspect(engine).get_table_names()) == BASELINE_TABLES
    engine.dispose()
    return when
