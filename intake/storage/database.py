"""One database connection per address, its schema brought up to date by Alembic on first use.

SQLite in ``$INTAKE_DATA_DIR/intake.sqlite3`` (``./data`` by default) needs no server; a clinic
running several app instances sets ``$DATABASE_URL`` to a PostgreSQL database
(``postgresql+psycopg://user:password@host/dbname``). Nothing here logs what it stores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

__all__ = ["DB_FILE_NAME", "DEFAULT_DATA_DIR", "MIGRATIONS_DIR", "Database", "database_url"]

DEFAULT_DATA_DIR = "data"
DB_FILE_NAME = "intake.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
#: The revision whose tables the app created before it used Alembic (drafts, attempts, vignettes).
BASELINE_REVISION = "0001"
_MIGRATION_LOCK = 72_410_001  # PostgreSQL advisory lock: one instance migrates, the others wait


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
        if migrate:
            upgrade(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose writes all commit together at the end of the block, or none do."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine) as session:
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
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer (two sessions)
    cursor.execute("PRAGMA synchronous=FULL")  # a confirmed save survives a power cut, not only a crash
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        current = current_revision(connection)
        if revision == "head" and current is not None and current == head_revision():
            return
        if current is None and inspect(connection).has_table("drafts"):
            command.stamp(alembic_config(connection), BASELINE_REVISION)
        command.upgrade(alembic_config(connection), revision)
