"""CSV cells a spreadsheet will not run: a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is a formula to Excel and LibreOffice (``=HYPERLINK(…)``,
``=cmd|"/c calc"!A1``), and an archived title or issuer is whatever a site wrote. As OWASP
recommends, such a cell is written with a leading ``'``, which spreadsheets show as text;
a plain number (``-5``, ``+3.2``) is left as it is.

``neutralize`` is for the rows ``govarchive export`` writes; ``CsvStreamNeutralizer``
rewrites a CSV stream chunk by chunk (Datasette's ``.csv`` pages, through the plugin's ASGI
wrapper), holding back only an incomplete last record.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralize(value: Any) -> Any:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class CsvStreamNeutralizer:
    """Rewrites CSV bytes as they stream: every complete record is re-written with its
    cells neutralised; a record cut by a chunk's end waits for the next chunk."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.pending = ""

    def feed(self, data: bytes, final: bool = False) -> bytes:
        text = self.pending + self.decoder.decode(data, final)
        cut = len(text) if final else _last_record_end(text)
        complete, self.pending = text[:cut], text[cut:]
        return _rewrite(complete).encode("utf-8") if complete else b""


def _last_record_end(text: str) -> int:
    """The index just past the last newline that ends a record (outside quotes: a newline
    inside a quoted cell follows an odd number of quote characters), found line by line."""
    end = start = quotes = 0
    while (newline := text.find("\n", start)) >= 0:
        quotes += text.count('"', start, newline)
        if quotes % 2 == 0:
            end = newline + 1
        start = newline + 1
    return end


def _rewrite(text: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([neutralize(cell) for cell in row])
    return out.getvalue()
