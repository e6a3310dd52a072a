"""Hostile case files get a clear refusal naming the problem (exit 2, no traceback), by the command
line and by the upload pages' parser; ``age: 064`` is read as written (64, not octal 52)."""

from __future__ import annotations

import json
import re

import pytest

from intake.cli import main
from intake.loader import CaseError, load_case, parse_text

GOOD = "case_format: 1\npatient: {age: 50, sex: female}\n"

CORPUS = {
    "deep.json": ("[" * 10_000 + "]" * 10_000, "nested more than 20 levels deep"),
    "deep.yaml": ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested more than 20 levels deep"),
    "list_as_key.yaml": ("case_format: 1\npatient:\n  ? [a, b]\n  : 1\n", "a key must be a word"),
    "long_number.yaml": ("case_format: 1\npatient: {age: " + "9" * 5000 + ", sex: female}\n", "more than 15 digits"),
    "long_number.json": ('{"case_format": 1, "patient": {"age": ' + "9" * 5000 + "}}", "more than 15 digits"),
    "infinity.yaml": (GOOD + "history: {duration_weeks: .inf}\n", "'.inf' is not a finite number"),
    "infinity.json": ('{"case_format": 1, "patient": {"age": 50}, "history": {"duration_weeks": Infinity}}',
                      "Infinity is not a finite number"),
    "huge_float.json": ('{"case_format": 1, "patient": {"age": 50}, "history": {"duration_weeks": 1e999}}',
                        "not a finite number"),
    "stiffness_beyond_32_bits.yaml": (GOOD + "history: {morning_stiffness_minutes: 3000000000}\n",
                                      "history.morning_stiffness_minutes: 3000000000 is beyond the largest"),
    "nul_in_name.json": (json.dumps({"case_format": 1, "patient": {"age": 50, "name": "Ann\u0000e"}}),
                         "patient.name: the text holds a NUL character"),
    "too_many_values.yaml": ("case_format: 1\nnotes: [" + ",".join(["1"] * 30_000) + "]\n", "more than 20,000 values"),
    "alias_bomb.yaml": ("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "anchors (&name) are not allowed"),
    "too_big.yaml": ("notes: '" + "x" * 1_100_000 + "'\n", "is 1,100,"),
    "hex_age.yaml": ("case_format: 1\npatient: {age: 0x40, sex: female}\n", "patient.age"),
    "sexagesimal.yaml": ("case_format: 1\npatient: {age: 50, sex: female}\nhistory: {duration_weeks: 1:30}\n",
                         "history.duration_weeks"),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_command_line_refuses_each_hostile_file_with_exit_2_and_the_problem_named(name, tmp_path, capsys):
    text, expected = CORPUS[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    status = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    assert expected in err and "Traceback" not in err + out


@pytest.mark.parametrize("name", sorted(n for n in CORPUS if n != "too_big.yaml"))
def test_the_upload_parser_refuses_each_hostile_file_naming_the_problem(name):
    text, expected = CORPUS[name]
    with pytest.raises(CaseError) as refused:
        load_case(parse_text(text, name))
    assert expected in str(refused.value)


def test_an_uploaded_file_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(CaseError, match="over 1,000,000 characters"):
        parse_text("notes: '" + "x" * 1_100_000 + "'\n", "big.yaml")


def test_leading_zeros_are_read_as_written_not_as_octal():
    assert load_case(parse_text("case_format: 1\npatient: {age: 064, sex: female}\n")).patient.age == 64
    assert load_case(parse_text('{"case_format": 1, "patient": {"age": 64}}')).patient.age == 64


def test_a_mapping_from_elsewhere_is_checked_the_same_way():
    with pytest.raises(CaseError, match=re.escape("patient.name: the text holds a NUL character")):
        load_case({"case_format": 1, "patient": {"age": 50, "name": "a\x00b"}})
    with pytest.raises(CaseError, match=re.escape("history.duration_weeks: inf is not a finite number")):
        load_case({"case_format": 1, "patient": {"age": 50}, "history": {"duration_weeks": float("inf")}})


# ---------------------------------------------------------------- backups


def _gz(path, *parts: bytes):
    import gzip

    with gzip.open(path, "wb", compresslevel=9) as f:
        for part in parts:
            f.write(part)
    return path


HEAD = (b'{"format": "hip-intake-backup", "format_version": 1, "revision": "0009_i11", '
        b'"created": "2026-12-01T00:00:00+00:00", "tables": {"clinics": {"columns": ["id"], "rows": [["')


def test_a_decompression_bomb_is_refused_before_it_fills_the_memory(tmp_path, monkeypatch):
    import intake.storage.backup as backup
    from intake.storage.database import Database

    monkeypatch.setattr(backup, "MIN_UNPACK_LIMIT", 1024 * 1024)  # small, so the test is quick
    bomb = _gz(tmp_path / "bomb.json.gz", HEAD, b"a" * (4 * 1024 * 1024), b'"]]}}}')
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        with pytest.raises(backup.BackupError, match="unpacks to more than 1 MB"):
            backup.restore(db, bomb)
        with pytest.raises(backup.BackupError, match="unpacks to more than"):
            backup.read_backup(bomb)
    finally:
        db.dispose()


@pytest.mark.parametrize("content", [b"[" * 100_000 + b"]" * 100_000,
                                     HEAD.replace(b'[["', b"[[" + b"9" * 5000) + b"]]}}}"])
def test_a_deeply_nested_or_huge_number_backup_is_refused_with_a_message(tmp_path, content):
    import intake.storage.backup as backup
    from intake.storage.database import Database

    path = _gz(tmp_path / "hostile.json.gz", content)
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        with pytest.raises(backup.BackupError):
            backup.read_backup(path)
        with pytest.raises(backup.BackupError):
            backup.restore(db, path)
    finally:
        db.dispose()
