"""Old module paths that still import, as the very module object at the new path.

Storage moved into ``intake/storage/`` and practice into ``intake/practice/``; code and tests that
say ``intake.records`` or patch ``intake.accounts._HASHER`` must reach the same module, not a copy,
so a patch at the old name is seen by every caller. Nothing is imported until the old name is.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

__all__ = ["MOVED", "install"]

MOVED: dict[str, str] = {
    "intake.db": "intake.storage",
    "intake.db.database": "intake.storage.database",
    "intake.db.schema": "intake.storage.schema",
    "intake.accounts": "intake.storage.accounts",
    "intake.audit": "intake.storage.audit",
    "intake.backup": "intake.storage.backup",
    "intake.records": "intake.storage.records",
    "intake.store": "intake.storage.store",
    "intake.library": "intake.practice.library",
    "intake.progress": "intake.practice.progress",
    "intake.practice_text": "intake.practice.text",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._own_spec: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(name, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(MOVED[spec.name])
        self._own_spec[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the old name's spec on the module; give it back its own.
        module.__spec__ = self._own_spec[module.__name__]


def install() -> None:
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())


install()
