"""A case as the file a clinician downloads (YAML or JSON): one writer for the wizard and the records.

Lives outside ``intake/ui`` so the record view and the reports step share it without importing
each other.
"""

from __future__ import annotations

import json

import yaml

from intake.models import Case

__all__ = ["case_json", "case_yaml"]


def case_yaml(case: Case) -> str:
    return yaml.safe_dump(case.to_data(), sort_keys=False, allow_unicode=True, width=100)


def case_json(case: Case) -> str:
    return json.dumps(case.to_data(), ensure_ascii=False, indent=2) + "\n"
