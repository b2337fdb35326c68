"""The OCR queue: scanned attachments (``attachments.needs_ocr``) read after the crawl, so
OCR never slows a night's crawl (``govarchive ocr``; the scheduler runs it each morning).
Each file is read once per SHA-256 (``parsers.ocr``), its text stored in ``attachment_ocr``
with the engine and its confidence, and every document linking it gets the text in its
search index. A file OCR cannot read is recorded with why, and not tried again."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from archive import rows
from parsers.ocr import ENGINE, LANGUAGE, engine_version, ocr_file


@dataclass
class OcrReport:
    read: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def pending(archive: Any, limit: int | None = None) -> list[tuple[str, str, str]]:
    """Scans not yet read, oldest first: (sha256, MIME type, stored path)."""
    sql = (
        "SELECT a.sha256, a.mime_type, a.stored_path FROM attachments a"
        " WHERE a.needs_ocr = 1 AND a.sha256 IS NOT NULL"
        " AND a.sha256 NOT IN (SELECT sha256 FROM attachment_ocr)"
        " GROUP BY a.sha256 ORDER BY min(a.id)"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [tuple(row) for row in archive.conn.execute(sql)]


def drain(archive: Any, limit: int | None = None) -> OcrReport:
    """Read every pending scan (at most ``limit``); what each gave is recorded."""
    report = OcrReport()
    version = engine_version()
    engine = f"{version or ENGINE}, {LANGUAGE}"
    for sha, mime, stored in pending(archive, limit):
        started = time.monotonic()
        text = confidence = pages = error = None
        try:
            data = (archive.files_dir / stored).read_bytes()
            if hashlib.sha256(data).hexdigest() != sha:
                raise ValueError("the stored file does not match its SHA-256")
            read = ocr_file(data, mime)
            text, confidence, pages = read.text, read.confidence, read.pages
            report.read += 1
        except (ValueError, OSError) as exc:
            error = str(exc)[:500]
            report.failed += 1
            report.errors.append(f"{sha[:12]}: {error}")
        with archive.transaction() as conn:
            rows.insert(
                archive.db, "attachment_ocr",
                {"sha256": sha, "engine": engine, "confidence": confidence, "pages": pages,
                 "text": text, "error": error, "seconds": round(time.monotonic() - started, 2),
                 "done_at": archive.clock()},
                replace=True,
            )  # fmt: skip
            documents = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT document_id FROM attachments WHERE sha256 = ?", (sha,)
                )
            ]
            for doc_id in documents:
                archive.index_attachment_text(doc_id)
    return report
