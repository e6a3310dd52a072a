"""The database commands of `python -m intake` (migrate, backup, restore, clinic, user, purge) on
SQLite and PostgreSQL: what they do, what they print, and exit 2 naming the problem."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from db_support import PASSWORD, case_and_assessment, cheap_password_hashing, fresh_url, populate, table_rows
from sqlalchemy import select

from intake.backup import DERIVED_TABLES
from intake.cli import main
from intake.db.database import head_revision
from intake.db.schema import AuditRow
from intake.store import Store
from tests.conftest import ROOT


@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    """Run `python -m intake ARGS` in this process against `db_url`: (exit status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    cheap_password_hashing(monkeypatch)

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture
def store(db_store):
    """The database the commands act on (conftest's db_store: SQLite and PostgreSQL)."""
    return db_store


def test_migrate_brings_an_empty_database_to_head_and_says_so(cli):
    status, out, _ = cli("migrate")
    assert status == 0 and out.strip() == f"database schema migrated from revision none to {head_revision()} (head {head_revision()})"
    status, out, _ = cli("migrate")
    assert status == 0 and out.startswith(f"database schema already at revision {head_revision()}")


def test_clinic_add_and_a_duplicate_is_refused(cli, store):
    assert cli("clinic", "add", "North  Physio")[:2] == (
        0, "added clinic 'North Physio' (it takes over the drafts, attempts and vignettes saved before sign-in)\n")
    assert cli("clinic", "add", "South Physio")[:2] == (0, "added clinic 'South Physio'\n")
    status, out, err = cli("clinic", "add", "north physio")
    assert (status, out) == (2, "")
    assert err == "error: A clinic called 'north physio' already exists.\n"
    assert [c.name for c in store.accounts.clinics()] == ["North Physio", "South Physio"]


def test_user_add_with_the_password_on_stdin(cli, store):
    cli("clinic", "add", "North Physio")
    status, out, _ = cli("user", "add", "--clinic", "north physio", "--username", "Boss", "--name", "The Boss", "--role", "admin",
                         "--email", "boss@example.org", "--password-stdin", stdin=PASSWORD + "\n")
    assert (status, out) == (0, "added boss (admin) to North Physio\n")
    principal = store.accounts.authenticate("BOSS", PASSWORD)
    assert principal is not None and principal.role == "admin" and principal.clinic_name == "North Physio"
    assert store.accounts.principal_for_email("boss@example.org").user_id == principal.user_id
    # The role defaults to practitioner; single sign-on only needs no password.
    assert cli("user", "add", "--clinic", "North Physio", "--username", "sso", "--name", "S", "--email", "s@example.org",
               "--no-password")[0] == 0
    assert store.accounts.principal_for_email("s@example.org").role == "practitioner"


def test_user_add_prompts_for_the_password_twice_without_stdin(cli, store, monkeypatch):
    cli("clinic", "add", "North Physio")
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "something else"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli("user", "add", "--clinic", "North Physio", "--username", "alex", "--name", "Alex")[0] == 0
    assert store.accounts.authenticate("alex", PASSWORD) is not None
    status, _, err = cli("user", "add", "--clinic", "North Physio", "--username", "sam", "--name", "Sam")
    assert (status, err) == (2, "error: the two passwords differ\n")
    assert [p.username for p in store.accounts.practitioners(store.accounts.clinics()[0].id)] == ["alex"]


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--clinic", "Nowhere", "--username", "u", "--name", "U", "--password-stdin"], PASSWORD,
     "no clinic called 'Nowhere' (add it with: python -m intake clinic add NAME)"),
    (["--clinic", "North Physio", "--username", "u", "--name", "U", "--password-stdin"], "short\n",
     "The password must be at least 10 characters long."),
    (["--clinic", "North Physio", "--username", "u", "--name", "U", "--password-stdin"], "",
     "--password-stdin: nothing on standard input"),
    (["--clinic", "North Physio", "--username", "taken", "--name", "U", "--password-stdin"], PASSWORD,
     "The username 'taken' is taken."),
    (["--clinic", "North Physio", "--username", "u", "--name", "U", "--no-password"], None,
     "--no-password needs --email (the account signs in through single sign-on)"),
])
def test_user_add_refuses_with_the_problem_named(cli, store, args, stdin, message):
    cli("clinic", "add", "North Physio")
    cli("user", "add", "--clinic", "North Physio", "--username", "taken", "--name", "T", "--password-stdin", stdin=PASSWORD)
    status, out, err = cli("user", "add", *args, stdin=stdin)
    assert (status, out, err) == (2, "", f"error: {message}\n")
    assert [p.username for p in store.accounts.practitioners(store.accounts.clinics()[0].id)] == ["taken"]


def test_a_password_is_never_an_argument(cli):
    cli("clinic", "add", "North Physio")
    with pytest.raises(SystemExit) as exit_:
        cli("user", "add", "--clinic", "North Physio", "--username", "u", "--name", "U", "--password", PASSWORD)
    assert exit_.value.code == 2
    with pytest.raises(SystemExit):
        cli("user", "password", "--username", "u", "--password", PASSWORD)


def test_user_password_changes_it(cli, store):
    cli("clinic", "add", "North Physio")
    cli("user", "add", "--clinic", "North Physio", "--username", "alex", "--name", "A", "--password-stdin", stdin=PASSWORD)
    assert cli("user", "password", "--username", " ALEX", "--password-stdin", stdin="a new long password\n")[:2] == (
        0, "password changed for alex\n")
    assert store.accounts.authenticate("alex", PASSWORD) is None
    assert store.accounts.authenticate("alex", "a new long password") is not None
    assert cli("user", "password", "--username", "ghost", "--password-stdin", stdin=PASSWORD)[::2] == (
        2, "error: no account with the username 'ghost'\n")
    assert cli("user", "password", "--username", "alex", "--password-stdin", stdin="tiny")[::2] == (
        2, "error: The password must be at least 10 characters long.\n")
    with store.db.reading() as session:
        changes = session.execute(select(AuditRow.practitioner_id, AuditRow.action, AuditRow.detail)
                                  .where(AuditRow.detail == '{"password": "changed"}')).all()
    assert changes == [(None, "account", '{"password": "changed"}')]  # once, by no signed-in practitioner


def test_purge_applies_every_clinics_retention_period(cli, store):
    world = populate(store)  # clinic A keeps records 3,650 days; clinic B has no period
    now = datetime.now(UTC)
    records = store.records
    old = records.file(world.a_prac, *case_and_assessment("example-01-hip-osteoarthritis"), assessed_at=now - timedelta(days=4000))
    records.file(world.b_prac, *case_and_assessment("example-01-hip-osteoarthritis"), assessed_at=now - timedelta(days=4000))
    before = records.list(world.a_prac)[1]

    assert cli("purge")[:2] == (0, "Clinic A: 1 record purged (kept 3650 days)\ntotal: 1 purged\n")
    assert records.list(world.a_prac)[1] == before - 1 and records.get(world.a_prac, old.id) is None
    assert records.list(world.b_prac)[1] == 2
    assert cli("purge")[:2] == (0, "Clinic A: 0 records purged (kept 3650 days)\ntotal: 0 purged\n")


def test_purge_without_retention_periods(cli, store):
    store.accounts.create_clinic("Keeps everything")
    assert cli("purge")[:2] == (0, "no clinic has a retention period: nothing purged\n")


def test_backup_then_restore_into_another_database(cli, store, db_url, tmp_path, monkeypatch):
    populate(store)
    before = table_rows(store.engine)
    status, out, _ = cli("backup", "-o", str(tmp_path / "nightly.json.gz"))
    total = sum(len(rows) for name, rows in before.items() if name not in DERIVED_TABLES)
    assert (status, out) == (0, f"wrote {tmp_path / 'nightly.json.gz'}: {total:,} rows from {len(set(before) - DERIVED_TABLES)} tables (schema revision {head_revision()})\n")

    with fresh_url("sqlite" if db_url.startswith("sqlite") else "postgresql", tmp_path / "other") as other_url:
        monkeypatch.setenv("DATABASE_URL", other_url)
        status, out, _ = cli("restore", str(tmp_path / "nightly.json.gz"))
        said, done, untrusted = out.splitlines()
        assert status == 0 and said.startswith(f"{tmp_path / 'nightly.json.gz'} brings in 2 clinics, 6 accounts, ")
        assert done.startswith(f"restored {tmp_path / 'nightly.json.gz'} (taken ") and done.endswith(
            f"schema revision {head_revision()}): {total:,} rows")
        assert untrusted.startswith("6 accounts were restored without their passwords and sign-in e-mail addresses")
        other = Store(other_url)
        try:
            after = table_rows(other.engine)
            for name in before:
                if name == "practitioners":  # not trusted from a file without --replace
                    assert after[name] == [{**r, "password_hash": None, "email": None} for r in before[name]]
                elif name != "audit_log":
                    assert after[name] == before[name]
            assert [r for r in after["audit_log"] if r["action"] != "restore"] == before["audit_log"]

            # A second restore needs --replace (said after what the file brings in); with it, the
            # accounts are the backup's own, sign-in addresses and all.
            status, out, err = cli("restore", str(tmp_path / "nightly.json.gz"))
            assert status == 2 and " brings in " in out and "restored" not in out and "is not empty" in err and "--replace" in err
            assert cli("restore", str(tmp_path / "nightly.json.gz"), "--replace")[0] == 0
            again = table_rows(other.engine)
            assert {k: v for k, v in again.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
        finally:
            other.dispose()


def test_restore_refuses_a_bad_file_with_exit_2(cli, store, tmp_path):
    store.accounts.create_clinic("Keep me")
    before = table_rows(store.engine)
    (tmp_path / "notes.txt").write_text("not a backup")
    (tmp_path / "newer.gz").write_bytes(gzip.compress(json.dumps({
        "format": "hip-intake-backup", "format_version": 1, "revision": "0099", "created": "2026-01-01T00:00:00+00:00",
        "tables": {}}).encode()))
    for name, message in (("notes.txt", "is not a backup (not gzip-compressed"), ("missing.gz", "no such file"),
                          ("newer.gz", "made by a newer version")):
        status, out, err = cli("restore", str(tmp_path / name), "--replace")
        assert (status, out) == (2, "") and err.startswith("error: ") and message in err, err
    assert table_rows(store.engine) == before


def test_the_commands_never_print_a_traceback(db_url, tmp_path):
    """As a cron job or an administrator would run them: a separate process, exit status and message only."""
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b\x08\x00broken")

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "intake", *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
                              text=True, timeout=120)

    done = run("restore", str(tmp_path / "bad.gz"))
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.startswith("error: ")
    done = run("user", "add", "--clinic", "Nowhere", "--username", "u", "--name", "U", "--password-stdin", stdin=PASSWORD)
    assert done.returncode == 2 and done.stderr == "error: no clinic called 'Nowhere' (add it with: python -m intake clinic add NAME)\n"
    done = run("backup", "-o", str(tmp_path / "no-such-dir" / "b.gz"))
    assert done.returncode == 2 and "Traceback" not in done.stderr and "Cannot write the backup" in done.stderr
    assert not (tmp_path / "no-such-dir").exists()

    unreachable = {"DATABASE_URL": "postgresql+psycopg://nobody@/nothing?host=/nonexistent-socket-dir", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "intake", "purge"], cwd=ROOT, env=unreachable, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and done.stderr.startswith("error: cannot open the database: ") and "Traceback" not in done.stderr
