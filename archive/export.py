"""The archive out, for downstream tools: documents, versions, events or attachments as
JSON Lines or CSV, and the raw captures as WARC.

``--since`` means "anything happened since": a document is exported when any lifecycle
event (new, changed, delisted, relisted, missing, recovered, gone, restored, moved) is at
or after that time, so a document confirmed gone that day is in the export;
``changed_only`` narrows it to new and changed documents. CSV is written UTF-8 with a BOM,
which Excel on a Chinese Windows machine needs to read it as UTF-8.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, BinaryIO, TextIO

from archive.clock import parse_iso
from archive.files import storage_dir
from archive.store import Archive

DOCUMENT_COLUMNS: tuple[str, ...] = (
    "id", "url", "site", "title", "doc_date", "publish_date", "issuer", "index_no", "doc_no",
    "topic", "validity", "keywords", "status", "first_seen", "last_seen", "last_changed",
    "version_count", "gone_at", "delisted_at", "content_hash", "attachments", "body_text",
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
        "id", "document_id", "document_url", "url", "name", "sha256", "mime_type", "size",
        "error", "first_seen", "last_seen",
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
            writer.writerow(row)
            count += 1
        return count
    raise ValueError(f"unknown export format {fmt!r} (jsonl or csv)")


# --- WARC --------------------------------------------------------------------------------
def write_warc(
    archive: Archive, out: BinaryIO, since: str | None = None, sites: list[str] | None = None
) -> int:
    """Every kept raw capture and stored attachment as a WARC/1.1 ``response`` record, with
    its original URL, fetch time and the status and Content-Type that were kept."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    count = 0
    for url, at, status, content_type, body in _captures(archive, since, sites):
        reason = _reason(status)
        headers = [("Content-Type", content_type or "application/octet-stream")]
        headers.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": _warc_date(at)},
        )
        writer.write_record(record)
        count += 1
    return count


def _captures(
    archive: Archive, since: str | None, sites: list[str] | None
) -> Iterator[tuple[str, str, int, str | None, bytes]]:
    where, params = ["f.raw_sha256 IS NOT NULL"], []
    if since:
        where.append("f.fetched_at >= ?")
        params.append(check_since(since))
    if sites:
        where.append(f"f.site IN ({', '.join('?' * len(sites))})")
        params.extend(sites)
    rows = archive.conn.execute(
        "SELECT f.url, f.fetched_at, f.status, f.content_type, f.raw_sha256 FROM fetches f"
        f" WHERE {' AND '.join(where)} ORDER BY f.id",
        params,
    ).fetchall()
    for row in rows:
        body = archive.raw_page(row["raw_sha256"])
        if body is not None:
            yield row["url"], row["fetched_at"], row["status"] or 200, row["content_type"], body
    attachment_sql = (
        "SELECT a.url, a.first_seen, a.mime_type, a.stored_path FROM attachments a"
        " JOIN documents d ON d.id = a.document_id WHERE a.stored_path IS NOT NULL"
    )
    attachment_params: list[Any] = []
    if since:
        attachment_sql += " AND a.first_seen >= ?"
        attachment_params.append(since)
    if sites:
        attachment_sql += f" AND d.site IN ({', '.join('?' * len(sites))})"
        attachment_params.extend(sites)
    root = storage_dir(archive.path)
    for row in archive.conn.execute(attachment_sql + " ORDER BY a.id", attachment_params):
        path = root / row["stored_path"]
        if path.is_file():
            yield row["url"], row["first_seen"], 200, row["mime_type"], path.read_bytes()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _warc_date(stamp: str) -> str:
    moment = parse_iso(stamp).astimezone(timezone.utc)
    return datetime.strftime(moment, "%Y-%m-%dT%H:%M:%SZ")
