"""The one spreadsheet writer: CSV and Excel from pandas frames, with the formula guard.

Records exports, the audit log and the instructor's progress tables all leave through here, so
a typed name such as ``=HYPERLINK(...)`` is shown by the spreadsheet, never run, in every file.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a workbook is made: most pages never need it
    import pandas as pd

__all__ = ["FORMULA_START", "rows_to_excel", "safe_cell", "to_csv", "to_excel"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: Any) -> Any:
    """Typed text a spreadsheet must show, not run: a leading formula character is quoted."""
    return "'" + text if isinstance(text, str) and text.startswith(FORMULA_START) else text


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opens names such as Zoë correctly."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def rows_to_excel(header: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "records") -> bytes:
    """A one-sheet workbook written a row at a time (openpyxl's write-only mode streams each row to a
    temporary file), so memory holds the finished file, not a cell object per value: for exports of
    any size. The header is bold, as pandas writes it; cells are written as given (guard them first)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet)
    bold = Font(bold=True)
    titles = []
    for name in header:
        cell = WriteOnlyCell(worksheet, value=name)
        cell.font = bold
        titles.append(cell)
    worksheet.append(titles)
    try:
        for row in rows:
            worksheet.append(list(row))
    except BaseException:  # the rows refused (too many) or failed: close the sheet's temporary file, now
        worksheet.close()
        worksheet._writer.cleanup()  # openpyxl would leave the file until the process ends
        raise
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_excel(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per frame, in order (openpyxl)."""
    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()
