"""Shared fixtures: where the example cases live, and a loaded knowledge base."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from intake.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
SHARED_CASES = ROOT / "intake" / "cases" / "examples"
LIBRARY_CASES = ROOT / "intake" / "cases"


def vignette_paths() -> list[Path]:
    """Every vignette the project knows: the shared examples and the student library."""
    paths = sorted(SHARED_CASES.glob("*.yaml")) + sorted(LIBRARY_CASES.glob("*.yaml"))
    return paths


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    """Every test gets its own empty data folder: no test reads or writes ./data."""
    monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _real_main_module():
    """An AppTest runs the app as a new ``__main__`` module and leaves it installed; a process
    started with "spawn" afterwards would then run the app script first. Put the real one back."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture
def store():
    """The test practitioner's clinic in this test's database (what the app sees once signed in)."""
    from test_app_support import clinic_store

    return clinic_store()


@pytest.fixture(scope="session")
def kb():
    return load_knowledge()


DISAGREEMENTS_FILE = Path(__file__).with_name("known_disagreements.yaml")


def known_disagreements() -> dict[str, str]:
    """Vignettes judged clinically right where the engine is not yet: strict xfail until fixed."""
    data = yaml.safe_load(DISAGREEMENTS_FILE.read_text(encoding="utf-8")) if DISAGREEMENTS_FILE.exists() else None
    return {str(k): str(v) for k, v in (data or {}).items()}


def pytest_collection_modifyitems(config, items):
    listed = known_disagreements()
    for item in items:
        callspec = getattr(item, "callspec", None)
        path = callspec.params.get("path") if callspec else None
        if item.originalname == "test_vignette_meets_expected" and isinstance(path, Path) and path.stem in listed:
            item.add_marker(pytest.mark.xfail(reason=f"known disagreement: {listed[path.stem]}", strict=True))


# ---------------------------------------------------------------- storage on SQLite and PostgreSQL
# (helpers in tests/db_support.py; the PostgreSQL server comes from $TEST_DATABASE_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database, once as a SQLite file and once as a PostgreSQL schema of its own."""
    from db_support import fresh_url

    with fresh_url(request.param, tmp_path / "db") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    from db_support import fresh_url

    with fresh_url("sqlite", tmp_path / "db") as url:
        yield url


@pytest.fixture
def postgres_url():
    from db_support import fresh_postgres_url

    with fresh_postgres_url() as url:
        yield url


@pytest.fixture
def db_store(db_url):
    """A Store (migrated to head) on `db_url`, disposed of before the database is dropped."""
    from intake.store import Store

    opened = Store(db_url)
    yield opened
    opened.dispose()


@pytest.fixture
def downloads(monkeypatch):
    """The data function behind every deferred download button drawn, by file name (what a click runs)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return made
