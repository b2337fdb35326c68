"""``govarchive ocr``: read the scanned attachments crawls left for OCR (``archive.ocr_queue``)
and make their text searchable. The scheduler runs it each morning, after the night's
crawls; it can be run by hand at any time."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_arguments(add: Callable[..., Any], db_arg: Callable[[Any], None]) -> None:
    ocr = add(
        "ocr",
        "Read the scanned attachments (PDFs without a text layer, images) by OCR (Tesseract,"
        " chi_sim) and make their text searchable with their documents; each file once.",
        "govarchive ocr --db archive.db",
        "govarchive ocr --db archive.db --limit 20   # at most 20 files this time",
    )
    db_arg(ocr)
    ocr.add_argument("--limit", type=int, metavar="N", help="read at most N files")


def cmd_ocr(args: argparse.Namespace) -> int:
    from archive import Archive
    from archive.ocr_queue import drain, pending

    db = Path(args.db)
    if not db.exists():
        print(f"govarchive ocr: no archive at {db}", file=sys.stderr)
        return 2
    with Archive(db) as archive:
        waiting = len(pending(archive))
        report = drain(archive, args.limit)
    print(f"ocr: {report.read} read, {report.failed} not readable, {waiting} were waiting")
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return 0
