"""One home per policy (intake/policy, intake/errors, intake/spreadsheet): each view reads it."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from intake import errors
from intake.conditions import ConditionError
from intake.form import FormError
from intake.knowledge import KnowledgeError
from intake.loader import CaseError
from intake.policy.roles import ROLE_MODES, ROLES, may, may_delete_record
from intake.policy.urgency import PRESENTATION, URGENCIES, URGENCY_ORDER, most_urgent_first, presentation
from intake.policy.visit import NEXT_IS_REFERRAL, red_flag_decides
from intake.practice.scoring import RubricError
from intake.practice.text import no_test_to_suggest
from intake.spreadsheet import safe_cell, to_csv, to_excel
from intake.storage.accounts import AccountError
from intake.storage.backup import BackupError
from intake.storage.clinic_details import SettingsError
from intake.storage.patient_links import LinkRefused
from intake.storage.records import AccessDenied, RecordChanged
from reports import NoReferral
from reports.branding import BrandingError
from reports.content import HandoutChoiceError
from reports.styles import URGENCY_COLOURS


@pytest.mark.parametrize(("error", "kind", "legacy"), [
    (CaseError, errors.InvalidInput, ValueError),
    (AccountError, errors.InvalidInput, ValueError),
    (BackupError, errors.InvalidInput, ValueError),
    (AccessDenied, errors.NotAllowed, PermissionError),
    (SettingsError, errors.InvalidInput, ValueError),
    (HandoutChoiceError, errors.InvalidInput, ValueError),
    (NoReferral, errors.InvalidInput, ValueError),
    (LinkRefused, errors.NotAllowed, PermissionError),
    (RecordChanged, errors.InvalidInput, RuntimeError),
    (KnowledgeError, errors.ConfigurationError, ValueError),
    (FormError, errors.ConfigurationError, ValueError),
    (ConditionError, errors.ConfigurationError, ValueError),
    (RubricError, errors.ConfigurationError, ValueError),
    (BrandingError, errors.ConfigurationError, ValueError),
])
def test_every_refusal_is_an_intake_error_of_one_kind_and_keeps_its_old_base(error, kind, legacy):
    assert issubclass(error, kind) and issubclass(error, errors.IntakeError) and issubclass(error, legacy)
    others = {errors.InvalidInput, errors.NotAllowed, errors.ConfigurationError} - {kind}
    assert not any(issubclass(error, other) for other in others)


def test_roles():
    assert ROLES == ("admin", "practitioner", "student")
    assert [r for r in ROLES if may(r, "see_patients")] == ["admin", "practitioner"]
    assert [r for r in ROLES if may(r, "administer_clinic")] == ["admin"]
    assert not may(None, "see_patients") and not may("nurse", "see_patients")
    assert ROLE_MODES["student"] == ("practice",)
    assert may_delete_record("practitioner", 7, 7) and not may_delete_record("practitioner", 7, 8)
    assert may_delete_record("admin", 1, 8)
    assert not may_delete_record("student", 7, 7)
    assert not may_delete_record("practitioner", None, None)


def test_urgency_order_and_presentation():
    assert sorted(URGENCIES, key=URGENCY_ORDER.get, reverse=True) == list(URGENCIES)
    items = [{"u": "monitor", "n": 1}, {"u": "emergency", "n": 2}, {"u": "routine", "n": 3}, {"u": "emergency", "n": 4},
             {"u": "urgent", "n": 5}]
    assert [i["n"] for i in most_urgent_first(items, lambda i: i["u"])] == [2, 4, 5, 3, 1]  # ties keep their order
    assert presentation("emergency").box == "error" and presentation("monitor").box == "info"
    assert presentation("no such urgency") == PRESENTATION["none"]
    assert {u: URGENCY_COLOURS[u].hexval()[2:] for u in URGENCIES} == {u: PRESENTATION[u].ink[1:] for u in URGENCIES}


def test_a_red_flag_decides_the_visit_only_when_urgent_or_emergency():
    assert [r for r in ("none", "monitor", "routine", "urgent", "emergency") if red_flag_decides(r)] == ["urgent", "emergency"]
    assert no_test_to_suggest("emergency") == "None: " + NEXT_IS_REFERRAL[0].lower() + NEXT_IS_REFERRAL[1:]
    assert "referral" not in no_test_to_suggest("routine")


def test_the_spreadsheet_writer_shows_formulas_as_text():
    assert [safe_cell(t) for t in ("=HYPERLINK(1)", "+1", "-1", "@x", "\tx", "\rx", "Zoë", 5)] == \
        ["'=HYPERLINK(1)", "'+1", "'-1", "'@x", "'\tx", "'\rx", "Zoë", 5]
    frame = pd.DataFrame({"who": ["Zoë"]})
    assert to_csv(frame).startswith("\ufeff".encode()) and "Zoë" in to_csv(frame).decode("utf-8-sig")
    book = pd.read_excel(io.BytesIO(to_excel({"a": frame, "b": frame.assign(n=[1])})), sheet_name=None)
    assert list(book) == ["a", "b"] and list(book["b"].columns) == ["who", "n"]
