"""Filed records and the audit log as tables and files: the records page's CSV and Excel exports.

Pure functions (no Streamlit, no database): the rows come from ``Records.export_rows`` (which
audits the export and never holds a patient's name) and ``AuditLog.entries``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from intake.knowledge import KnowledgeBase
from intake.storage.records import EXPORT_COLUMNS

__all__ = ["AUDIT_COLUMNS", "audit_frame", "labels", "records_frame", "to_csv", "to_excel"]

AUDIT_COLUMNS: tuple[str, ...] = ("when_utc", "who", "action", "kind", "record_id", "detail")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TEXT_COLUMNS = ("practitioner",)


def labels(kb: KnowledgeBase) -> dict[str, str]:
    """Knowledge-base labels for every origin, red-flag condition and muscle id an export names."""
    out = {key: origin.label for key, origin in kb.origins.items()}
    out |= {key: condition.label for key, condition in kb.red_flag_conditions.items()}
    out |= {key: muscle.label for key, muscle in kb.muscles.items()}
    return out


def _cell(text: Any) -> Any:
    """Typed text a spreadsheet must show, not run (a display name like ``=HYPERLINK(...)``)."""
    return "'" + text if isinstance(text, str) and text.startswith(_FORMULA_START) else text


def records_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per assessment, in the export's column order."""
    frame = pd.DataFrame(list(rows), columns=list(EXPORT_COLUMNS))
    for column in _TEXT_COLUMNS:
        frame[column] = frame[column].map(_cell)
    return frame


def audit_frame(entries: Iterable[Any]) -> pd.DataFrame:
    """The audit log (``AuditEntry`` objects), newest first as given."""
    rows = [{"when_utc": e.at.replace(tzinfo=None, microsecond=0), "who": _cell(e.username), "action": e.action,
             "kind": e.kind, "record_id": e.record_id or "",
             "detail": json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else ""} for e in entries]
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opens names such as Zoë correctly."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_excel(frame: pd.DataFrame, sheet: str = "records") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()
