"""Spreadsheet attachments (.xlsx, .xls, WPS's .et, .ods) as text a person can read: each
sheet under its name in brackets, each row a line of its non-empty cells joined by " | ",
so a 预算 table stays a table when searched, quoted or diffed. Read by python-calamine (Rust,
no macros or formulas run: a formula cell gives its cached value)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

# A sheet is read up to this many rows and cells (a hostile file can declare a million).
MAX_ROWS = 100_000
MAX_CELLS = 2_000_000


def spreadsheet_text(data: bytes) -> str:
    """The workbook's text; ValueError when it cannot be read."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types for bad files
        raise ValueError(f"unreadable spreadsheet: {type(exc).__name__}: {str(exc)[:200]}") from exc
    lines: list[str] = []
    cells = 0
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.iter_rows()
        except Exception as exc:  # noqa: BLE001 - one unreadable sheet (a chart sheet)
            lines.append(f"[{name}] (unreadable: {type(exc).__name__})")
            continue
        lines.append(f"[{name}]")
        for count, row in enumerate(rows):
            if count >= MAX_ROWS or cells >= MAX_CELLS:
                lines.append(f"(sheet cut at {count} rows)")
                break
            texts = [_cell(value) for value in row]
            cells += len(texts)
            filled = [t for t in texts if t]
            if filled:
                lines.append(" | ".join(filled))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()
