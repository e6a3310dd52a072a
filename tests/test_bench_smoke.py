"""Every benchmark runs in its smoke mode (seconds each), so a broken one fails the suite (bench_next.py's
is in tests/test_next_question.py); the figures are for people (bench/*.py print them), not checked here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH_RECORDS_KEYS = {"file_ms", "open_record_ms", "page_open_ms", "filtered_ms", "pseudonym_ms", "history_ms",
                      "name_search_ms", "csv_s", "csv_peak_mb", "xlsx_s", "xlsx_peak_mb", "backup_s", "restore_s", "restore_peak_mb",
                      "bytes_per_record"}


def run(*args: str, timeout: float = 300) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("script", ["bench/bench_engine.py", "bench/bench_reports.py", "bench/bench_sign_in.py"])
def test_benchmark_runs(script):
    assert run(script, "--smoke").strip()


def test_records_benchmark_prints_every_median_as_json():
    figures = json.loads(run("bench/bench_records.py", "--smoke", "--json"))
    assert set(figures) == BENCH_RECORDS_KEYS
    assert all(isinstance(v, int | float) and v > 0 for v in figures.values())


def test_records_benchmark_runs_on_postgresql():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("INTAKE_REQUIRE_POSTGRES") == "1":
            pytest.fail("TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL server to benchmark on")
    from db_support import fresh_postgres_url

    with fresh_postgres_url() as schema_url:
        figures = json.loads(run("bench/bench_records.py", "--smoke", "--json", "--database-url", schema_url))
    assert set(figures) == BENCH_RECORDS_KEYS


def test_ui_benchmark_runs():
    if not Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    out = run("bench/bench_ui.py", "--smoke")
    assert "Server side" in out and "answer click" in out


def test_concurrency_benchmark_runs():
    if not Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    out = run("bench/bench_concurrency.py", "--smoke")
    assert "click to screen" in out and "answers stored: 6 of 6 given" in out
