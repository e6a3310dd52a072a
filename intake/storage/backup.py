"""Portable logical backups: every table as gzip-compressed JSON, restorable on SQLite or PostgreSQL.

A backup is one JSON document (gzip-compressed)::

    {"format": "hip-intake-backup", "format_version": 1,
     "revision": "0002",                       # the Alembic revision of the schema it was taken from
     "created": "2026-11-21T08:00:00+00:00",
     "source": "sqlite",
     "tables": {"clinics": {"columns": ["id", "name", ...], "rows": [["...", "...", ...], ...]}, ...}}

Values are JSON strings, numbers, booleans and nulls; timestamps are ISO 8601 in UTC. The rows of
all tables are read in one consistent snapshot.

``restore`` runs in one transaction: it refuses a database that holds anything (unless
``replace=True``, which empties it first), refuses a backup from a schema revision this version does
not know (a newer one), takes an older backup by stepping the schema down to its revision, loading
the rows and migrating back up, resets PostgreSQL's id sequences, and writes its audit entry. If
anything fails, the database is left exactly as it was.

The backup holds patient data: keep it as safe as the database itself.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, Integer, MetaData, Table, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from intake.storage import Database, audit
from intake.storage.database import alembic_config, current_revision, head_revision
from intake.storage.schema import Base, ClinicRow, UTCDateTime

__all__ = ["FORMAT", "FORMAT_VERSION", "BackupError", "BackupSummary", "backup", "read_backup", "restore"]

FORMAT = "hip-intake-backup"
FORMAT_VERSION = 1
_CHUNK = 500


class BackupError(ValueError):
    """A backup cannot be written, read or restored; the message says why, in plain words."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    revision: str
    created: datetime
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# ---------------------------------------------------------------- backup


def backup(db: Database, path: str | os.PathLike, *, username: str | None = None) -> BackupSummary:
    """Write every table of `db` to `path` (gzip-compressed JSON), then audit it ("backup").

    The file appears only when it is complete (written beside it, then renamed), readable by its
    owner only."""
    path = Path(path)
    created = datetime.now(UTC)
    partial = path.with_name(f".{path.name}.partial")
    rows: dict[str, int] = {}
    try:
        with _snapshot(db) as connection:
            revision = current_revision(connection)
            if revision is None:
                raise BackupError("The database has no schema yet (nothing to back up).")
            tables = _tables_at(connection, revision)
            # Readable by its owner only, like the database: it holds patient data.
            with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw, \
                    gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, filename="") as packed, \
                    io.TextIOWrapper(packed, encoding="utf-8") as out:
                head = {"format": FORMAT, "format_version": FORMAT_VERSION, "revision": revision,
                        "created": created.isoformat(), "source": db.dialect}
                out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "tables": {')
                for n, table in enumerate(tables):
                    columns = [c.name for c in table.columns]
                    out.write(("" if n == 0 else ", ") + json.dumps(table.name) + ': {"columns": ' + json.dumps(columns)
                              + ', "rows": [')
                    count = 0
                    query = select(*table.columns).order_by(*table.primary_key.columns)
                    for row in connection.execution_options(yield_per=_CHUNK).execute(query):
                        out.write(("" if count == 0 else ",\n") + json.dumps([_encode(v) for v in row], ensure_ascii=False))
                        count += 1
                    out.write("]}")
                    rows[table.name] = count
                out.write("}}\n")
        os.replace(partial, path)
    except OSError as exc:
        raise BackupError(f"Cannot write the backup to {path}: {exc.strerror or exc}.") from None
    finally:
        partial.unlink(missing_ok=True)

    if revision == head_revision():  # an older schema may have no audit log to write to
        detail = {"file": path.name, "revision": revision, "rows": sum(rows.values())}
        with db.transaction() as session:
            _audit_each_clinic(session, "backup", detail, username)
    return BackupSummary(path=path, revision=revision, created=created, rows=rows)


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """A connection whose reads all see one moment of the database (and write nothing)."""
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            connection.execute(text("SET TRANSACTION READ ONLY"))
            yield connection
            connection.rollback()
    else:
        with db.engine.connect() as connection:
            if db.dialect == "sqlite":
                # The driver only opens a transaction before a write; a read transaction holds a snapshot
                # (in WAL mode without blocking the app's writers).
                connection.exec_driver_sql("BEGIN")
            yield connection
            connection.rollback()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise BackupError(f"Cannot back up a value of type {type(value).__name__}.")


# ---------------------------------------------------------------- reading a backup


def read_backup(path: str | os.PathLike) -> dict[str, Any]:
    """The backup document at `path`, checked for shape; BackupError naming the problem if it is not one."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise BackupError(f"{path} is empty: not a backup (was it cut short while being written or copied?).")
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            document = json.load(stream)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file.") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise BackupError(f"{path} is not a backup (not gzip-compressed, or cut short: {exc}).") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} is not a backup (its content is not valid JSON: {exc}).") from None
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror or exc}.") from None

    def bad(what: str) -> BackupError:
        return BackupError(f"{path} is not a usable backup: {what}.")

    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise bad(f"it does not say it is a {FORMAT} file")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad("format_version is missing")
    if version > FORMAT_VERSION:
        raise BackupError(f"{path} is in backup format {version}, newer than this version of the app reads "
                          f"({FORMAT_VERSION}): restore it with the version that made it, or a later one.")
    if not isinstance(document.get("revision"), str) or not document["revision"]:
        raise bad("the schema revision is missing")
    try:
        created = datetime.fromisoformat(document.get("created"))
    except (TypeError, ValueError):
        raise bad("the creation time is missing or not a date") from None
    document["created"] = created if created.tzinfo else created.replace(tzinfo=UTC)
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise bad("it has no tables")
    for name, table in tables.items():
        if not isinstance(table, dict) or not isinstance(table.get("columns"), list) or not isinstance(table.get("rows"), list):
            raise bad(f"table {name!r} has no columns or rows")
        columns = table["columns"]
        if not all(isinstance(c, str) for c in columns) or len(set(columns)) != len(columns):
            raise bad(f"table {name!r} has malformed column names")
        for n, row in enumerate(table["rows"], 1):
            if not isinstance(row, list) or len(row) != len(columns):
                raise bad(f"row {n} of table {name!r} does not match its {len(columns)} columns")
    return document


# ---------------------------------------------------------------- restore


def restore(db: Database, path: str | os.PathLike, *, replace: bool = False, username: str | None = None) -> BackupSummary:
    """Load the backup at `path` into `db`, in one transaction (see the module docstring)."""
    document = read_backup(path)
    revision = document["revision"]
    head = head_revision()
    known = _known_revisions()
    if revision not in known:
        raise BackupError(f"The backup is from schema revision {revision!r}, which this version of the app does not know "
                          f"(it is at {head!r}): it was made by a newer version. Upgrade the app, then restore.")
    tables_in_backup: dict[str, dict[str, Any]] = document["tables"]
    rows = {name: len(table["rows"]) for name, table in tables_in_backup.items()}
    try:
        with db.engine.connect() as connection:
            _lock_for_restore(db, connection)
            target = current_revision(connection)
            if target is not None and target not in known:
                raise BackupError(f"The database is at schema revision {target!r}, which this version of the app does not "
                                  "know: restore with the version that upgraded it.")
            if target != head:
                _alembic(connection, "upgrade", "head")
            present = _row_counts(connection)
            if any(present.values()) and not replace:
                found = ", ".join(f"{table} ({n:,})" for table, n in sorted(present.items()) if n)
                raise BackupError(f"The database is not empty (rows in {found}). Restore into an empty database, or "
                                  "replace everything in it with --replace.")
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
            if revision != head:
                _alembic(connection, "downgrade", revision)
            tables = _tables_at(connection, revision)
            by_name = {t.name: t for t in tables}
            unknown = sorted(set(tables_in_backup) - set(by_name))
            if unknown:
                raise BackupError(f"The backup has tables the schema at revision {revision!r} does not: {', '.join(unknown)}.")
            for table in tables:  # parents before children
                if table.name in tables_in_backup:
                    _load(connection, table, tables_in_backup[table.name])
            if revision != head:
                _alembic(connection, "upgrade", "head")
            if db.dialect == "postgresql":
                _reset_sequences(connection)
            detail = {"file": Path(path).name, "revision": revision, "backup_created": document["created"].isoformat(),
                      "rows": sum(rows.values()), "replaced": bool(replace and any(present.values()))}
            with Session(bind=connection, join_transaction_mode="rollback_only") as session:
                _audit_each_clinic(session, "restore", detail, username)
                session.flush()
            connection.commit()
    except BackupError:
        raise
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(f"The backup could not be restored ({reason}); the database is unchanged.") from None
    return BackupSummary(path=Path(path), revision=revision, created=document["created"], rows=rows)


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _alembic(connection: Connection, what: str, revision: str) -> None:
    from alembic import command

    getattr(command, what)(alembic_config(connection), revision)


def _lock_for_restore(db: Database, connection: Connection) -> None:
    """Keep the app's writers out until the restore commits (or rolls back)."""
    if db.dialect == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif db.dialect == "postgresql":
        from intake.storage.database import _MIGRATION_LOCK

        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        present = [t.name for t in Base.metadata.sorted_tables if db.engine.dialect.has_table(connection, t.name)]
        if present:
            connection.execute(text(f"LOCK TABLE {', '.join(present)} IN EXCLUSIVE MODE"))


def _row_counts(connection: Connection) -> dict[str, int]:
    return {t.name: connection.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def _tables_at(connection: Connection, revision: str) -> list[Table]:
    """The app's tables as they are at `revision`, parents first (the models at head, else reflected)."""
    if revision == head_revision():
        return list(Base.metadata.sorted_tables)
    reflected = MetaData()
    reflected.reflect(bind=connection)
    return [t for t in reflected.sorted_tables if t.name != "alembic_version"]


def _load(connection: Connection, table: Table, data: dict[str, Any]) -> None:
    columns = data["columns"]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise BackupError(f"The backup's table {table.name!r} has columns the schema does not: {', '.join(missing)}.")
    converters = [_decoder(table.columns[c], table.name) for c in columns]
    batch: list[dict[str, Any]] = []
    for row in data["rows"]:
        batch.append({c: convert(v) for c, convert, v in zip(columns, converters, row, strict=True)})
        if len(batch) == _CHUNK:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)


def _decoder(column, table: str):
    where = f"{table}.{column.name}"

    def as_datetime(value):
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise BackupError(f"The backup's {where} holds {value!r}, which is not a date and time.") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    def checked(accept: Callable[[Any], bool], name: str):
        def check(value):
            if value is None or accept(value):
                return value
            raise BackupError(f"The backup's {where} holds {value!r}, which is not {name}.")
        return check

    if isinstance(column.type, DateTime | UTCDateTime):
        return as_datetime
    if isinstance(column.type, Boolean):
        return checked(lambda v: isinstance(v, bool), "true or false")
    if isinstance(column.type, Integer):
        return checked(lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number")
    if isinstance(column.type, Float):
        return checked(lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number")
    return checked(lambda v: isinstance(v, str), "text")


def _reset_sequences(connection: Connection) -> None:
    """Point each id sequence past the largest id restored, so the next insert does not collide."""
    for table in Base.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or keys[0].autoincrement is False:
            continue
        pk = keys[0]
        after = func.coalesce(select(func.max(pk)).scalar_subquery(), 0) + 1
        connection.execute(select(func.setval(func.pg_get_serial_sequence(table.name, pk.name), after, False)))


def _audit_each_clinic(session: Session, action: str, detail: dict[str, Any], username: str | None) -> None:
    """One entry per clinic, so each clinic's log shows it; one without a clinic when there is none."""
    clinics = session.scalars(select(ClinicRow.id)).all()
    for clinic_id in clinics or [None]:
        audit.write(session, actor=None, action=action, kind="database", clinic_id=clinic_id,
                    username=username or "command line", detail=detail)

