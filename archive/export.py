"""Clean records out of the archive for downstream tools: JSON Lines or CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from archive.store import Archive

EXPORT_COLUMNS: tuple[str, ...] = (
    "id", "url", "site", "title", "doc_date", "publish_date", "issuer", "index_no", "doc_no",
    "topic", "validity", "keywords", "status", "first_seen", "last_seen", "last_changed",
    "version_count", "gone_at", "content_hash", "attachments", "body_text",
)  # fmt: skip


def export_rows(
    archive: Archive, since: str | None = None, sites: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Documents (current versions), oldest id first; ``since`` filters on last_changed."""
    where, params = [], []
    if since:
        where.append("last_changed >= ?")
        params.append(since)
    if sites:
        where.append(f"site IN ({', '.join('?' * len(sites))})")
        params.extend(sites)
    sql = f"SELECT {', '.join(EXPORT_COLUMNS)} FROM documents"
    if where:
        sql += " WHERE " + " AND ".join(where)
    for row in archive.conn.execute(sql + " ORDER BY id", params):
        data = dict(row)
        data["attachments"] = json.loads(data["attachments"] or "[]")
        yield data


def write_export(rows: Iterator[dict[str, Any]], fmt: str, out: TextIO) -> int:
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(EXPORT_COLUMNS))
        writer.writeheader()
        for row in rows:
            row["attachments"] = json.dumps(row["attachments"], ensure_ascii=False)
            writer.writerow(row)
            count += 1
        return count
    raise ValueError(f"unknown export format {fmt!r} (jsonl or csv)")
