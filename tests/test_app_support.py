"""Helpers shared by the AppTest suites (no tests here): a fresh app on a throwaway database."""

from __future__ import annotations

from pathlib import Path

import yaml
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
CASES = Path("/work/shared/cases") if Path("/work/shared/cases").is_dir() else ROOT / "tests" / "cases"
EMERGENCY_CASE = "example-10-cauda-equina-syndrome.yaml"
TIMEOUT = 30


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if query:
        at.query_params.update(query)
    return at.run()


def case_data(name: str) -> dict:
    data = yaml.safe_load((CASES / name).read_text(encoding="utf-8"))
    data.pop("expected", None)
    return data


def goto(at: AppTest, step: str) -> AppTest:
    return at.segmented_control(key="nav:step").set_value(step).run()


def consent(at: AppTest) -> AppTest:
    return at.checkbox(key="w::consent").check().run()


def texts(at: AppTest) -> str:
    """Every piece of text on screen (main and sidebar), for 'is it shown anywhere' checks."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "header", "subheader", "title"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    for kind in ("text_input", "text_area", "number_input"):
        parts.extend(str(w.value) for w in getattr(at, kind))
    return "\n".join(parts)
