"""Portable logical backups: every table as gzip-compressed JSON, restorable on SQLite or PostgreSQL.

A backup is one JSON document (gzip-compressed)::

    {"format": "hip-intake-backup", "format_version": 1,
     "revision": "0002",                       # the Alembic revision of the schema it was taken from
     "created": "2026-11-21T08:00:00+00:00",
     "source": "sqlite",
     "tables": {"clinics": {"columns": ["id", "name", ...], "rows": [["...", "...", ...], ...]}, ...}}

Values are JSON strings, numbers, booleans and nulls; timestamps are ISO 8601 in UTC; bytes (a
record's packed content) base64. The rows of all tables are read in one consistent snapshot and
written a row at a time; tables that are derived from others (``record_terms``) are not written,
and are rebuilt on restore.

``restore`` reads the file as a stream (``ijson``), a batch of rows at a time, so memory does not
grow with the backup; it expects each table's columns before its rows and parents before children,
as ``backup`` writes them; on PostgreSQL the rows go in through ``COPY``, on SQLite without their
secondary indexes, which are built after (so its memory does not grow with the backup either). It
runs in one transaction: it refuses a database that holds anything (unless
``replace=True``, which empties it first), refuses a backup from a schema revision this version does
not know (a newer one), takes an older backup by stepping the schema down to its revision, loading
the rows and migrating back up, resets PostgreSQL's id sequences, and writes its audit entry. If
anything fails, the database is left exactly as it was.

The backup holds patient data: keep it as safe as the database itself.
"""

from __future__ import annotations

import base64
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

import ijson
from sqlalchemy import Boolean, DateTime, Float, Integer, LargeBinary, MetaData, Table, delete, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from intake.errors import InvalidInput
from intake.storage import Database, audit
from intake.storage.database import alembic_config, current_revision, head_revision
from intake.storage.schema import Base, ClinicRow, PractitionerRow, RecordRow, RecordTermRow, UTCDateTime

__all__ = ["DERIVED_TABLES", "FORMAT", "FORMAT_VERSION", "BackupContents", "BackupError", "BackupSummary", "backup",
           "contents", "read_backup", "restore"]

FORMAT = "hip-intake-backup"
FORMAT_VERSION = 1
_CHUNK = 500
#: Tables rebuilt from others on restore, so not written to a backup.
DERIVED_TABLES = frozenset({RecordTermRow.__tablename__})
_HEAD_KEYS = ("format", "format_version", "revision", "created", "source")


class BackupError(InvalidInput):
    """A backup cannot be written, read or restored; the message says why, in plain words."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    revision: str
    created: datetime
    rows: dict[str, int]
    #: Accounts restored without their passwords and sign-in e-mail addresses (not trusted from a
    #: file unless the administrator restored with ``replace``).
    accounts_untrusted: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class BackupContents:
    """What a backup would bring in, read before anything is written (``contents``)."""

    revision: str
    created: datetime
    rows: dict[str, int]
    accounts_with_password: int

    def describe(self) -> str:
        words = (("clinics", "clinics"), ("practitioners", "accounts"), ("records", "records"), ("drafts", "drafts"),
                 ("attempts", "practice attempts"), ("audit_log", "audit entries"))
        parts = [f"{self.rows.get(table, 0):,} {name}" for table, name in words]
        return (f"{', '.join(parts)} ({self.accounts_with_password:,} accounts with a password), "
                f"{sum(self.rows.values()):,} rows in all, taken {self.created:%Y-%m-%d %H:%M} UTC at schema revision "
                f"{self.revision}")


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
            tables = [t for t in _tables_at(connection, revision) if t.name not in DERIVED_TABLES]
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
            # On SQLite the first read begins a transaction (intake.storage.database emits the BEGIN),
            # which holds a snapshot (in WAL mode without blocking the app's writers).
            yield connection
            connection.rollback()


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise BackupError(f"Cannot back up a value of type {type(value).__name__}.")


# ---------------------------------------------------------------- reading a backup


def read_backup(path: str | os.PathLike) -> dict[str, Any]:
    """The whole backup document at `path`, checked for shape; BackupError naming the problem if it is
    not one. It holds every row in memory: for inspecting small backups (``restore`` streams)."""
    path = Path(path)
    with _reading(path), _unpacked(path) as raw, io.TextIOWrapper(raw, encoding="utf-8") as stream:
        document = json.load(stream)
    if not isinstance(document, dict):
        raise _bad(path, f"it does not say it is a {FORMAT} file")
    _check_head(path, document)
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise _bad(path, "it has no tables")
    for name, table in tables.items():
        if not isinstance(table, dict) or not isinstance(table.get("columns"), list) or not isinstance(table.get("rows"), list):
            raise _bad(path, f"table {name!r} has no columns or rows")
        _check_columns(path, name, table["columns"])
        for n, row in enumerate(table["rows"], 1):
            _check_row(path, name, n, row, table["columns"])
    return document


#: A backup of real rows compresses about 10 times; one that unpacks to more than this many times its
#: size (and more than the floor) is a decompression bomb, refused before it fills the memory.
MAX_UNPACK_RATIO = 50
MIN_UNPACK_LIMIT = 32 * 1024 * 1024


class _Capped(io.RawIOBase):
    """The unpacked bytes of a gzip file, refused past a limit (counted as they are read)."""

    def __init__(self, path: Path, limit: int):
        self._inner = gzip.open(path, "rb")  # noqa: SIM115 - closed by close()
        self._left = limit
        self._limit = limit
        self._path = path

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._inner.read(min(len(buffer), self._left + 1))
        if len(data) > self._left:
            raise BackupError(f"{self._path} unpacks to more than {self._limit // (1024 * 1024):,} MB, over "
                              f"{MAX_UNPACK_RATIO} times its size: not a backup this app wrote (not restored).")
        self._left -= len(data)
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


def _unpacked(path: Path) -> io.BufferedReader:
    limit = max(MIN_UNPACK_LIMIT, path.stat().st_size * MAX_UNPACK_RATIO)
    return io.BufferedReader(_Capped(path, limit))


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn the ways reading a backup fails into BackupErrors that say so."""
    try:
        if path.stat().st_size == 0:
            raise BackupError(f"{path} is empty: not a backup (was it cut short while being written or copied?).")
        yield
    except BackupError:
        raise
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file.") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise BackupError(f"{path} is not a backup (not gzip-compressed, or cut short: {exc}).") from None
    except ijson.IncompleteJSONError as exc:
        if "premature eof" in str(exc).lower() or "incomplete" in str(exc).lower():
            raise BackupError(f"{path} is not a backup (its content is not valid JSON: cut short).") from None
        raise BackupError(f"{path} is not a backup (its content is not valid JSON: {exc}).") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ijson.JSONError) as exc:
        raise BackupError(f"{path} is not a backup (its content is not valid JSON: {exc}).") from None
    except (RecursionError, ValueError) as exc:  # nested too deeply; a number too long to read
        raise BackupError(f"{path} is not a usable backup: {str(exc)[:200] or 'nested too deeply'}.") from None
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror or exc}.") from None


def _bad(path: Path, what: str) -> BackupError:
    return BackupError(f"{path} is not a usable backup: {what}.")


def _check_head(path: Path, document: dict[str, Any]) -> None:
    """The format, its version, the schema revision and the creation time (made aware, in place)."""
    if document.get("format") != FORMAT:
        raise _bad(path, f"it does not say it is a {FORMAT} file")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _bad(path, "format_version is missing")
    if version > FORMAT_VERSION:
        raise BackupError(f"{path} is in backup format {version}, newer than this version of the app reads "
                          f"({FORMAT_VERSION}): restore it with the version that made it, or a later one.")
    if not isinstance(document.get("revision"), str) or not document["revision"]:
        raise _bad(path, "the schema revision is missing")
    try:
        created = datetime.fromisoformat(document.get("created"))  # type: ignore[arg-type]  # not a string: refused below
    except (TypeError, ValueError):
        raise _bad(path, "the creation time is missing or not a date") from None
    document["created"] = created if created.tzinfo else created.replace(tzinfo=UTC)


def _check_columns(path: Path, name: str, columns: list[Any]) -> None:
    if not all(isinstance(c, str) for c in columns) or len(set(columns)) != len(columns):
        raise _bad(path, f"table {name!r} has malformed column names")


def _check_row(path: Path, name: str, n: int, row: Any, columns: list[str]) -> None:
    if not isinstance(row, list) or len(row) != len(columns):
        raise _bad(path, f"row {n} of table {name!r} does not match its {len(columns)} columns")


def _read_head(path: Path) -> dict[str, Any]:
    """The backup's head (format, revision, created, …), read from the start of the file as a stream."""
    head: dict[str, Any] = {}
    with _reading(path), _unpacked(path) as stream:
        events = ijson.parse(stream, use_float=True)
        prefix, event, _ = next(events, ("", "end", None))
        if event != "start_map":
            raise _bad(path, f"it does not say it is a {FORMAT} file")
        for prefix, event, value in events:
            if prefix == "" and event == "map_key":
                if value == "tables" and all(k in head for k in _HEAD_KEYS[:4]):
                    break  # the head comes first, as backup writes it
            elif prefix in _HEAD_KEYS and event in ("string", "number", "boolean", "null"):
                head[prefix] = value
            elif prefix == "" and event == "end_map":
                break
    _check_head(path, head)
    return head


def _stream_tables(path: Path) -> Iterator[tuple[str, list[str], Iterator[list[Any]]]]:
    """(table name, its columns, its rows) for each table of the backup, in the file's order; the
    rows are read as they are consumed (consume them before asking for the next table)."""
    with _reading(path), _unpacked(path) as stream:
        events = ijson.parse(stream, use_float=True)
        for prefix, event, _ in events:
            if prefix == "tables" and event == "start_map":
                break
            if prefix == "tables" and event != "start_map":
                raise _bad(path, "it has no tables")
        else:
            raise _bad(path, "it has no tables")
        for prefix, event, value in events:
            if prefix == "tables" and event == "end_map":
                return
            if prefix != "tables" or event != "map_key":
                raise _bad(path, "its tables are malformed")
            name = value
            columns: list[Any] | None = None
            _, event, _ = next(events)
            if event != "start_map":
                raise _bad(path, f"table {name!r} has no columns or rows")
            seen_rows = False
            for _, event, key in events:
                if event == "end_map":
                    break
                if key == "columns":
                    columns = _read_list(path, name, events)
                    _check_columns(path, name, columns)
                elif key == "rows":
                    if columns is None:
                        raise _bad(path, f"table {name!r} has its rows before its columns")
                    _, event, _ = next(events)
                    if event != "start_array":
                        raise _bad(path, f"table {name!r} has no columns or rows")
                    seen_rows = True
                    rows = _read_rows(path, name, columns, events)
                    yield name, columns, rows
                    for _ in rows:  # whatever the consumer left
                        pass
                else:
                    _skip(events)
            if not seen_rows:
                raise _bad(path, f"table {name!r} has no columns or rows")


def _read_list(path: Path, name: str, events) -> list[Any]:
    _, event, _ = next(events)
    if event != "start_array":
        raise _bad(path, f"table {name!r} has no columns or rows")
    out: list[Any] = []
    for _, event, value in events:
        if event == "end_array":
            return out
        if event in ("start_map", "start_array"):
            raise _bad(path, f"table {name!r} has malformed column names")
        out.append(value)
    raise _bad(path, f"table {name!r} is cut short")


def _read_rows(path: Path, name: str, columns: list[str], events) -> Iterator[list[Any]]:
    for n, (_, event, _) in enumerate(events, 1):
        if event == "end_array":
            return
        if event != "start_array":
            raise _bad(path, f"row {n} of table {name!r} does not match its {len(columns)} columns")
        row = []
        for _, event, value in events:
            if event == "end_array":
                break
            if event in ("start_map", "start_array"):
                raise _bad(path, f"row {n} of table {name!r} does not match its {len(columns)} columns")
            row.append(value)
        _check_row(path, name, n, row, columns)
        yield row


def _skip(events) -> None:
    """Pass over one value (scalar, list or map) in the event stream."""
    depth = 0
    for _, event, _ in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
        if depth == 0:
            return


# ---------------------------------------------------------------- restore


def contents(path: str | os.PathLike) -> BackupContents:
    """Read the whole backup (as a stream, with every check ``restore`` makes of its form) and say
    what it holds, writing nothing: what a restore would bring in, shown before it does."""
    path = Path(path)
    head = _read_head(path)
    _check_known(head["revision"])
    rows: dict[str, int] = {}
    with_password = 0
    for name, columns, stream in _stream_tables(path):
        at = columns.index("password_hash") if name == PractitionerRow.__tablename__ and "password_hash" in columns else None
        count = 0
        for row in stream:
            count += 1
            if at is not None and row[at]:
                with_password += 1
        rows[name] = count
    return BackupContents(revision=head["revision"], created=head["created"], rows=rows, accounts_with_password=with_password)


def restore(db: Database, path: str | os.PathLike, *, replace: bool = False, username: str | None = None) -> BackupSummary:
    """Load the backup at `path` into `db`, in one transaction, reading it as a stream (see the module docstring).

    A backup is a file anyone could have written: its accounts' password hashes and sign-in e-mail
    addresses are brought in only with ``replace`` (the administrator's statement that this backup
    is the clinic's own and replaces everything). Otherwise the accounts arrive without them, and
    sign in only once an administrator sets a password (``intake user password``)."""
    path = Path(path)
    head = _read_head(path)
    revision = head["revision"]
    latest = head_revision()
    known = _known_revisions()
    _check_known(revision, known)
    rows: dict[str, int] = {}
    try:
        with db.engine.connect() as connection:
            _lock_for_restore(db, connection)
            target = current_revision(connection)
            if target is not None and target not in known:
                raise BackupError(f"The database is at schema revision {target!r}, which this version of the app does not "
                                  "know: restore with the version that upgraded it.")
            if target != latest:
                _alembic(connection, "upgrade", "head")
            present = _row_counts(connection)
            if any(present.values()) and not replace:
                found = ", ".join(f"{table} ({n:,})" for table, n in sorted(present.items()) if n)
                raise BackupError(f"The database is not empty (rows in {found}). Restore into an empty database, or "
                                  "replace everything in it with --replace.")
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
            if revision != latest:
                _alembic(connection, "downgrade", revision)
            by_name = {t.name: t for t in _tables_at(connection, revision)}
            with _indexes_built_after(connection):
                for name, columns, stream in _stream_tables(path):
                    if name not in by_name:
                        unknown = name
                        raise BackupError(f"The backup has tables the schema at revision {revision!r} does not: {unknown}.")
                    rows[name] = _load(connection, by_name[name], columns, stream)
            if revision != latest:
                _alembic(connection, "upgrade", "head")
            _rebuild_terms(connection)
            untrusted = 0 if replace else _distrust_accounts(connection)
            if db.dialect == "postgresql":
                _reset_sequences(connection)
            detail = {"file": path.name, "revision": revision, "backup_created": head["created"].isoformat(),
                      "rows": sum(rows.values()), "replaced": bool(replace and any(present.values())),
                      "accounts_trusted": bool(replace)}
            with Session(bind=connection, join_transaction_mode="rollback_only") as session:
                _audit_each_clinic(session, "restore", detail, username)
                session.flush()
            connection.commit()
    except BackupError:
        raise
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(f"The backup could not be restored ({reason}); the database is unchanged.") from None
    db.optimize()
    return BackupSummary(path=path, revision=revision, created=head["created"], rows=rows, accounts_untrusted=untrusted)


def _check_known(revision: str, known: set[str] | None = None) -> None:
    if revision not in (_known_revisions() if known is None else known):
        raise BackupError(f"The backup is from schema revision {revision!r}, which this version of the app does not know "
                          f"(it is at {head_revision()!r}): it was made by a newer version. Upgrade the app, then restore.")


def _distrust_accounts(connection: Connection) -> int:
    """Accounts from a file not vouched for: no password hash, no single sign-on e-mail address."""
    query = (update(PractitionerRow).where((PractitionerRow.password_hash.is_not(None)) | (PractitionerRow.email.is_not(None)))
             .values(password_hash=None, email=None))
    return int(connection.execute(query).rowcount or 0)


@contextmanager
def _indexes_built_after(connection: Connection) -> Iterator[None]:
    """SQLite: the secondary indexes dropped while the rows go in, and built again from their own SQL
    after. Rows arrive in primary-key order, so the tables and their keys grow at the end; an index
    in any other order would take each row to a random page, which either needs a page cache that
    grows with the backup or reads pages back from disk for every row. ``CREATE INDEX`` sorts in
    bounded memory (spilling to temporary files), so the restore's memory stays flat. In the
    restore's transaction: if anything fails, the indexes are back as they were."""
    if connection.dialect.name != "sqlite":
        yield
        return
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all()
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        connection.exec_driver_sql(sql)


def _rebuild_terms(connection: Connection) -> None:
    """The name-search terms of every record, made again from the records (they are not in a backup;
    only SQLite has them: PostgreSQL searches a trigram index). Written first to a temporary table in
    the records' order, then put in the terms' own order by one sorted insert (bounded memory,
    like an index build; see `_indexes_built_after`)."""
    from intake.storage.records import term_rows

    if connection.dialect.name != "sqlite":
        return
    connection.execute(delete(RecordTermRow))
    connection.exec_driver_sql("CREATE TEMP TABLE restore_terms (term TEXT NOT NULL, record_id TEXT NOT NULL)")
    batch: list[tuple[str, str]] = []
    query = select(RecordRow.id, RecordRow.patient_key).execution_options(yield_per=_CHUNK)
    for record_id, key in connection.execute(query):
        batch += [(row["term"], row["record_id"]) for row in term_rows(record_id, key)]
        if len(batch) >= _CHUNK:
            connection.exec_driver_sql("INSERT INTO temp.restore_terms VALUES (?, ?)", batch)
            batch = []
    if batch:
        connection.exec_driver_sql("INSERT INTO temp.restore_terms VALUES (?, ?)", batch)
    connection.exec_driver_sql("INSERT INTO record_terms (term, record_id) "
                               "SELECT term, record_id FROM temp.restore_terms ORDER BY term, record_id")
    connection.exec_driver_sql("DROP TABLE temp.restore_terms")


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _alembic(connection: Connection, what: str, revision: str) -> None:
    from alembic import command

    getattr(command, what)(alembic_config(connection), revision)


def _lock_for_restore(db: Database, connection: Connection) -> None:
    """Keep the app's writers out until the restore commits (or rolls back)."""
    if db.dialect == "sqlite":
        connection.execution_options(intake_write=True)  # its transaction begins IMMEDIATE (the write lock)
        # SQLite's default page cache (2 MB): the rows go in without their secondary indexes, which are
        # built after (`_indexes_built_after`), so no insert needs a cache that grows with the backup.
    elif db.dialect == "postgresql":
        from intake.storage.database import MIGRATION_LOCK

        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
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


def _load(connection: Connection, table: Table, columns: list[str], stream: Iterator[list[Any]]) -> int:
    """Insert the rows of one table, `_CHUNK` at a time; how many there were."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise BackupError(f"The backup's table {table.name!r} has columns the schema does not: {', '.join(missing)}.")
    converters = [_decoder(table.columns[c], table.name) for c in columns]
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, columns, converters, stream)
    batch: list[dict[str, Any]] = []
    count = 0
    for row in stream:
        batch.append({c: convert(v) for c, convert, v in zip(columns, converters, row, strict=True)})
        count += 1
        if len(batch) == _CHUNK:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    return count


def _copy(connection: Connection, table: Table, columns: list[str], converters, stream: Iterator[list[Any]]) -> int:
    """PostgreSQL: the rows through COPY (several times faster than INSERTs), in the restore's transaction."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    names = ", ".join(f'"{c}"' for c in columns)
    count = 0
    import psycopg

    try:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in stream:
                copy.write_row([convert(v) for convert, v in zip(converters, row, strict=True)])
                count += 1
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackupError(f"The backup could not be restored ({reason}); the database is unchanged.") from None
    return count


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

    def as_bytes(value):
        if value is None:
            return None
        try:
            return base64.b64decode(value, validate=True)
        except (TypeError, ValueError):
            raise BackupError(f"The backup's {where} holds a value that is not base64 bytes.") from None

    if isinstance(column.type, DateTime | UTCDateTime):
        return as_datetime
    if isinstance(column.type, LargeBinary):
        return as_bytes
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
    targets: list[str | None] = list(clinics) or [None]
    for clinic_id in targets:
        audit.write(session, actor=None, action=action, kind="database", clinic_id=clinic_id,
                    username=username or "command line", detail=detail)

