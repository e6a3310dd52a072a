"""Filed records and the audit log as tables and files: the records page's CSV and Excel exports.

Pure functions (no Streamlit, no database): the rows come from ``Records.iter_export`` (which
audits the export and never holds a patient's name) and ``AuditLog.entries``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from intake import spreadsheet
from intake.knowledge import KnowledgeBase
from intake.spreadsheet import safe_cell, to_csv
from intake.storage.records import EXPORT_COLUMNS

if TYPE_CHECKING:  # pandas is imported where a frame is made: most pages never need it
    import pandas as pd

__all__ = ["AUDIT_COLUMNS", "EXCEL_MAX_ROWS", "TooManyRows", "audit_frame", "labels", "records_csv", "records_frame",
           "records_xlsx", "to_csv", "to_excel", "too_many_for_excel", "write_records_csv"]

AUDIT_COLUMNS: tuple[str, ...] = ("when_utc", "who", "action", "kind", "record_id", "detail")
_TEXT_COLUMNS = ("practitioner",)
#: A worksheet holds 1,048,576 rows, one of them the header.
EXCEL_MAX_ROWS = 1_048_575


class TooManyRows(ValueError):
    """More rows than the format can hold (the message says what to do instead)."""


def too_many_for_excel(rows: int | None) -> str:
    """Why Excel is refused; `rows` None when counting stopped past the limit (a streamed export)."""
    has = f"more than {EXCEL_MAX_ROWS:,}" if rows is None else f"{rows:,}"
    return (f"Excel holds at most {EXCEL_MAX_ROWS:,} rows in a sheet and this export has {has}: "
            "export it as CSV instead (any spreadsheet or statistics program opens it), or narrow the filter.")


def labels(kb: KnowledgeBase) -> dict[str, str]:
    """Knowledge-base labels for every origin, red-flag condition and muscle id an export names."""
    out = {key: origin.label for key, origin in kb.origins.items()}
    out |= {key: condition.label for key, condition in kb.red_flag_conditions.items()}
    out |= {key: muscle.label for key, muscle in kb.muscles.items()}
    return out


_cell = safe_cell


def records_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per assessment, in the export's column order."""
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(EXPORT_COLUMNS))
    for column in _TEXT_COLUMNS:
        frame[column] = frame[column].map(_cell)
    return frame


def _export_cells(row: dict[str, Any]) -> list[Any]:
    """One record's cells, in the export's columns, text cells made safe for a spreadsheet."""
    return [_cell(row[c]) if c in _TEXT_COLUMNS else row[c] for c in EXPORT_COLUMNS]


def write_records_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write the export's rows to `out` as CSV one at a time (memory flat in the number of rows),
    with the same columns, cells and quoting as `to_csv(records_frame(rows))`. Returns the row count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(_export_cells(row))
        count += 1
    return count


def records_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """The export as UTF-8 CSV with a byte-order mark (so a spreadsheet opens names such as Zoë
    correctly): the rows are written as they are read, so only the file itself is held (a
    download is handed to the browser whole; `write_records_csv` writes to a file instead)."""
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
    write_records_csv(rows, text)
    text.flush()
    text.detach()
    return buffer.getvalue()


def records_xlsx(rows: Iterable[dict[str, Any]]) -> bytes:
    """The export as an Excel workbook, written as the rows are read (memory holds the finished file,
    not the rows: openpyxl's write-only mode), with the cells of `to_excel(records_frame(rows))`;
    TooManyRows once past what a sheet holds."""
    def cells() -> Iterable[list[Any]]:
        for count, row in enumerate(rows, 1):
            if count > EXCEL_MAX_ROWS:
                raise TooManyRows(too_many_for_excel(None))  # stop here: not read to the end to count
            yield _export_cells(row)

    return spreadsheet.rows_to_excel(EXPORT_COLUMNS, cells())


def audit_frame(entries: Iterable[Any]) -> pd.DataFrame:
    """The audit log (``AuditEntry`` objects), newest first as given."""
    import pandas as pd

    rows = [{"when_utc": e.at.replace(tzinfo=None, microsecond=0), "who": _cell(e.username), "action": e.action,
             "kind": e.kind, "record_id": e.record_id or "",
             "detail": json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else ""} for e in entries]
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def to_excel(frame: pd.DataFrame, sheet: str = "records") -> bytes:
    if len(frame) > EXCEL_MAX_ROWS:
        raise TooManyRows(too_many_for_excel(len(frame)))
    return spreadsheet.to_excel({sheet: frame})
