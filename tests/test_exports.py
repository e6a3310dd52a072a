"""`__all__` is respected: every `from intake… import name` / `from reports… import name` in the
product and its tests names something the module exports (or a submodule)."""

from __future__ import annotations

import ast
import importlib
import importlib.util

from tests.conftest import ROOT

# Private helpers shared inside reports' own ReportLab fast paths, on purpose: not an API.
ALLOWED = {("reports.recorded", "reports.para", "_format"), ("reports.para", "reports.text", "_markup")}


def _sources():
    for folder in ("intake", "reports", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
    yield ROOT / "streamlit_app.py"


def _module_name(path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_imports_name_only_what_a_module_exports():
    bypasses = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                    and node.module.split(".")[0] in ("intake", "reports")):
                continue
            module = importlib.import_module(node.module)
            exported = getattr(module, "__all__", None)
            if exported is None:
                continue
            for alias in node.names:
                name = alias.name
                if name == "*" or name in exported or (_module_name(path), node.module, name) in ALLOWED:
                    continue
                if hasattr(module, "__path__") and importlib.util.find_spec(f"{node.module}.{name}") is not None:
                    continue  # a submodule of a package
                bypasses.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.module}.{name}")
    assert not bypasses, "imported past __all__:\n" + "\n".join(bypasses)
