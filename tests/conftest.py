"""Shared fixtures: where the example cases live, and a loaded knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
SHARED_CASES = ROOT.parent / "shared" / "cases"
LIBRARY_CASES = ROOT / "intake" / "cases"


def vignette_paths() -> list[Path]:
    """Every vignette the project knows: the shared examples and the student library."""
    paths = sorted(SHARED_CASES.glob("*.yaml")) + sorted(LIBRARY_CASES.glob("*.yaml"))
    return paths


@pytest.fixture(scope="session")
def kb():
    return load_knowledge()
