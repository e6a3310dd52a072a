"""The one spreadsheet writer: CSV and Excel from pandas frames, with the formula guard.

Records exports, the audit log and the instructor's progress tables all leave through here, so
a typed name such as ``=HYPERLINK(...)`` is shown by the spreadsheet, never run, in every file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a workbook is made: most pages never need it
    import pandas as pd

__all__ = ["FORMULA_START", "safe_cell", "to_csv", "to_excel"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: Any) -> Any:
    """Typed text a spreadsheet must show, not run: a leading formula character is quoted."""
    return "'" + text if isinstance(text, str) and text.startswith(FORMULA_START) else text


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opens names such as Zoë correctly."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_excel(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per frame, in order (openpyxl)."""
    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()
