"""One database connection per address, its schema brought up to date by Alembic on first use.

SQLite in ``$INTAKE_DATA_DIR/intake.sqlite3`` (``./data`` by default) needs no server; a clinic
running several app instances sets ``$DATABASE_URL`` to a PostgreSQL database
(``postgresql+psycopg://user:password@host/dbname``). Nothing here logs what it stores.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

__all__ = ["BASELINE_REVISION", "DB_FILE_NAME", "DEFAULT_DATA_DIR", "MIGRATIONS_DIR", "MIGRATION_LOCK", "Database",
           "StoreUnavailable", "alembic_config", "current_revision", "database_url", "head_revision", "is_transient",
           "upgrade"]

T = TypeVar("T")
#: Pauses between tries of a write the database refused for now (locked, busy, a serialisation
#: failure): about 1.5 s in all, with jitter so colliding sessions do not retry in step.
RETRY_PAUSES = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8)
_TRANSIENT_WORDS = ("database is locked", "database is busy", "database table is locked", "deadlock detected",
                    "could not serialize access", "could not obtain lock")


class StoreUnavailable(RuntimeError):
    """The database could not take the request now (stopped, unreachable, locked, full, read-only).

    The message says which, in words for the screen; it never quotes the values being written.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@contextmanager
def _unavailable_as_store_unavailable() -> Iterator[None]:
    """A database that is down, locked or full raises ``StoreUnavailable`` (any other error is left as it is)."""
    try:
        yield
    except DBAPIError as exc:
        if not _unavailable(exc):
            raise
        raise StoreUnavailable(_reason(exc)) from exc


def is_transient(exc: BaseException) -> bool:
    """A refusal worth trying again shortly (a lock or a serialisation conflict), not a fault."""
    text_ = str(getattr(exc, "orig", None) or exc).lower()
    return any(word in text_ for word in _TRANSIENT_WORDS)


def _unavailable(exc: DBAPIError) -> bool:
    """The database's state (down, locked, full), as opposed to a fault in what was asked of it."""
    return isinstance(exc, OperationalError | InterfaceError) or bool(exc.connection_invalidated)


def _reason(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).lower()
    if is_transient(exc):
        return "the database is busy"
    if ("disk" in text_ and "full" in text_) or "no space" in text_ or "database or disk is full" in text_:
        return "the disk holding the database is full"
    if "readonly" in text_ or "read-only" in text_:
        return "the database is read-only"
    return "the database is unavailable"

DEFAULT_DATA_DIR = "data"
DB_FILE_NAME = "intake.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
#: The revision whose tables the app created before it used Alembic (drafts, attempts, vignettes).
BASELINE_REVISION = "0001"
MIGRATION_LOCK = 72_410_001  # PostgreSQL advisory lock: one instance migrates, the others wait


def database_url(environ: dict[str, str] | None = None) -> str:
    """``$DATABASE_URL`` if set, else SQLite in ``$INTAKE_DATA_DIR`` (default ``./data``)."""
    env = os.environ if environ is None else environ
    url = env.get("DATABASE_URL", "").strip()
    if url:
        return url
    data_dir = Path(env.get("INTAKE_DATA_DIR", "").strip() or DEFAULT_DATA_DIR)
    return f"sqlite:///{(data_dir / DB_FILE_NAME).resolve()}"


class Database:
    """An engine (a pool, safe to share between sessions and threads) on an up-to-date schema."""

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = url or database_url()
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: a database error's message (which may reach a log) never quotes the values,
        # so a failed save cannot print a patient's answers.
        self.engine: Engine = create_engine(self.url, echo=False, pool_pre_ping=True, hide_parameters=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._writer = self.engine.execution_options(intake_write=True)
        if migrate:
            upgrade(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose writes all commit together at the end of the block, or none do.

        On SQLite it takes the write lock at its start (``BEGIN IMMEDIATE``), so it waits its turn
        (the busy timeout) instead of failing half-way with "database is locked". A database that
        cannot take it raises ``StoreUnavailable``; nothing was written.
        """
        with _unavailable_as_store_unavailable(), Session(self._writer, expire_on_commit=False) as session, \
                session.begin():
            yield session

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one short transaction, trying again with a growing, jittered pause while
        the database is locked or busy; ``StoreUnavailable`` once it stays so (or is down)."""
        for pause in (*RETRY_PAUSES, None):
            try:
                with self.transaction() as session:
                    return work(session)
            except StoreUnavailable as exc:
                if pause is None or not is_transient(exc.__cause__ or exc):
                    raise
                time.sleep(pause * (0.5 + secrets.randbelow(1000) / 1000))
        raise AssertionError("unreachable")

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with _unavailable_as_store_unavailable(), Session(self.engine) as session:
            yield session

    def optimize(self) -> None:
        """Refresh the query planner's statistics after the tables changed a lot (a restore, a purge, a
        bulk load). SQLite has none until told: without them it can pick a date-order index for an
        exact pseudonym lookup (73 ms against 0.19 ms at a million rows). `analysis_limit` keeps it
        to a sample, so it takes milliseconds at any size. PostgreSQL's autovacuum does this in time;
        here it is done at once, with VACUUM, so the records' indexes answer counts without reading
        the table (index-only scans need the visibility map a bulk load leaves unset)."""
        if self.dialect == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM (ANALYZE) records, record_versions")
            return
        with self.engine.connect() as connection:
            if self.dialect == "sqlite":
                connection.exec_driver_sql("PRAGMA analysis_limit=1000")
                connection.exec_driver_sql("ANALYZE")
            connection.commit()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # The driver's own transaction handling starts writes lazily (and so deadlocks between two
    # readers turned writers); _sqlite_begin starts them itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer (two sessions)
    cursor.execute("PRAGMA synchronous=FULL")  # a confirmed save survives a power cut, not only a crash
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """A write transaction takes SQLite's write lock up front; a read one does not."""
    immediate = connection.get_execution_options().get("intake_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()  # type: ignore[return-value]


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`. A database made before migrations existed is adopted at
    the baseline first; on PostgreSQL an advisory lock makes concurrent instances take turns."""
    from alembic import command

    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        current = current_revision(connection)
        if revision == "head" and current is not None and current == head_revision():
            return
        if current is None and inspect(connection).has_table("drafts"):
            command.stamp(alembic_config(connection), BASELINE_REVISION)
        command.upgrade(alembic_config(connection), revision)
