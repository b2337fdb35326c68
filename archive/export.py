"""The archive out, for downstream tools: documents, versions, events or attachments as
JSON Lines or CSV (the captures as WARC: ``archive.warc``).

``--since`` means "anything happened since": a document is exported when any lifecycle
event (new, changed, delisted, relisted, missing, recovered, gone, restored, moved) is at
or after that time, so a document confirmed gone that day is in the export;
``changed_only`` narrows it to new and changed documents. CSV is written UTF-8 with a BOM,
which Excel on a Chinese Windows machine needs to read it as UTF-8, and with every cell a
spreadsheet would run as a formula neutralised (``archive.csv_safe``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from archive.clock import parse_iso
from archive.csv_safe import neutralize
from archive.store import Archive

DOCUMENT_COLUMNS: tuple[str, ...] = (
    "id", "url", "site", "title", "doc_date", "publish_date", "issuer", "index_no", "doc_no",
    "topic", "validity", "keywords", "status", "first_seen", "last_seen", "last_changed",
    "version_count", "gone_at", "delisted_at", "content_hash", "attachments", "body_text",
    "attachment_text",
)  # fmt: skip
EXPORT_COLUMNS = DOCUMENT_COLUMNS  # the documents export (kept for existing callers)
WHAT: dict[str, tuple[str, ...]] = {
    "documents": DOCUMENT_COLUMNS,
    "versions": (
        "document_id", "url", "version", "fetched_at", "run_id", "content_hash",
        "changed_fields", "raw_sha256", "record",
    ),
    "events": (
        "id", "document_id", "event", "at", "run_id", "url", "reason", "fetch_id",
        "http_status", "version", "evidence",
    ),
    "attachments": (
        "id", "document_id", "document_url", "url", "name", "sha256", "stored_path",
        "mime_type", "size", "pages", "error", "http_status", "checked_at", "first_seen",
        "last_seen",
    ),
}  # fmt: skip
# Columns holding JSON: decoded for JSON Lines, kept as JSON text in CSV.
JSON_COLUMNS = frozenset({"attachments", "changed_fields", "record", "evidence"})
CSV_ENCODING = "utf-8-sig"


def check_since(value: str) -> str:
    """``value`` as an ISO date or date-time; ValueError when it is neither."""
    try:
        parse_iso(value)
    except ValueError as exc:
        raise ValueError(
            f"--since takes a date like 2025-04-01 or 2025-04-01T02:00, got {value!r}"
        ) from exc
    return value


def export_rows(
    archive: Archive,
    since: str | None = None,
    sites: list[str] | None = None,
    *,
    what: str = "documents",
    changed_only: bool = False,
) -> Iterator[dict[str, Any]]:
    """Rows of one kind, oldest first; ``since`` keeps documents with any event since."""
    columns = WHAT[what]
    where, params = [], []
    if since:
        events = "('new', 'changed')" if changed_only else "(SELECT event FROM document_events)"
        where.append(
            f"d.id IN (SELECT document_id FROM document_events WHERE at >= ? AND event IN {events})"
        )
        params.append(check_since(since))
    elif changed_only:
        where.append("d.version_count > 1")
    if sites:
        where.append(f"d.site IN ({', '.join('?' * len(sites))})")
        params.extend(sites)
    sql = _select(what, columns)
    if where:
        sql += " WHERE " + " AND ".join(where)
    for row in archive.conn.execute(sql + f" ORDER BY {_order(what)}", params):
        data = dict(row)
        for name in JSON_COLUMNS & set(data):
            data[name] = json.loads(data[name]) if data[name] else None
        if what == "documents" and data.get("attachments") is None:
            data["attachments"] = []
        yield data


def _select(what: str, columns: tuple[str, ...]) -> str:
    if what == "documents":
        return f"SELECT {', '.join(f'd.{c}' for c in columns)} FROM documents d"
    if what == "versions":
        names = ", ".join("d.url" if c == "url" else f"v.{c}" for c in columns)
        return f"SELECT {names} FROM versions v JOIN documents d ON d.id = v.document_id"
    if what == "events":
        names = ", ".join(f"e.{c}" for c in columns)
        return f"SELECT {names} FROM document_events e JOIN documents d ON d.id = e.document_id"
    names = ", ".join("d.url AS document_url" if c == "document_url" else f"a.{c}" for c in columns)
    return f"SELECT {names} FROM attachments a JOIN documents d ON d.id = a.document_id"


def _order(what: str) -> str:
    return {
        "documents": "d.id",
        "versions": "v.document_id, v.version",
        "events": "e.id",
        "attachments": "a.id",
    }[what]


def write_export(
    rows: Iterator[dict[str, Any]], fmt: str, out: TextIO, what: str = "documents"
) -> int:
    """Write rows as JSON Lines or CSV (open ``out`` with ``CSV_ENCODING`` for CSV)."""
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(WHAT[what]))
        writer.writeheader()
        for row in rows:
            for name in JSON_COLUMNS & set(row):
                row[name] = json.dumps(row[name], ensure_ascii=False)
            writer.writerow({name: neutralize(value) for name, value in row.items()})
            count += 1
        return count
    raise ValueError(f"unknown export format {fmt!r} (jsonl or csv)")
