"""The records page's tables: export rows to CSV/Excel, the audit log as a table."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd

from intake import record_tables
from intake.audit import AuditEntry
from intake.records import EXPORT_COLUMNS


def test_labels_cover_origins_red_flags_and_muscles(kb):
    names = record_tables.labels(kb)
    assert names["hip_joint"] == kb.origins["hip_joint"].label
    assert names["cauda_equina"] == "Suspected cauda equina syndrome"
    assert set(kb.muscles) <= set(names)


def test_a_typed_name_is_shown_not_run_and_columns_keep_their_order():
    row = dict.fromkeys(EXPORT_COLUMNS, "") | {"practitioner": "=HYPERLINK(\"x\")", "version": 1}
    frame = record_tables.records_frame([row])
    assert list(frame.columns) == list(EXPORT_COLUMNS)
    back = pd.read_csv(io.BytesIO(record_tables.to_csv(frame)), encoding="utf-8-sig")
    assert back["practitioner"][0].startswith("'=")
    assert len(pd.read_excel(io.BytesIO(record_tables.to_excel(frame)))) == 1
    assert list(record_tables.records_frame([]).columns) == list(EXPORT_COLUMNS)


def test_audit_frame():
    at = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    frame = record_tables.audit_frame([AuditEntry(1, at, "ana", "export", "assessment", "r1", {"format": "csv"}),
                                       AuditEntry(2, at, "ana", "sign_in", "session", None, {})])
    assert list(frame.columns) == list(record_tables.AUDIT_COLUMNS)
    assert frame["detail"].tolist() == ['{"format": "csv"}', ""]
    assert frame["record_id"].tolist() == ["r1", ""]
    assert str(frame["when_utc"][0]) == "2026-01-02 03:04:05"
