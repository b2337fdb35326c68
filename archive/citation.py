"""What a citable version says about itself: its capture's provenance (where, when, what
the server answered, the SHA-256 of the bytes, the checkpoint that sealed it) and a
"cite this" block in plain text and CSL-JSON (what Zotero and citation processors read).

Pure functions of rows the caller read (``version_facts``), so the version page and its
``.json`` twin say the same thing.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timezone
from typing import Any

from archive.clock import parse_iso

SOFTWARE = "govarchive"


def version_facts(conn: sqlite3.Connection, doc_id: int, number: int) -> dict[str, Any] | None:
    """Everything the version page shows, read from the archive (None: no such version)."""
    row = conn.execute(
        "SELECT v.*, d.url AS doc_url, d.site, d.status AS doc_status FROM versions v"
        " JOIN documents d ON d.id = v.document_id WHERE v.document_id = ? AND v.version = ?",
        (doc_id, number),
    ).fetchone()
    if row is None:
        return None
    record = json.loads(row["record"])
    fetch = None
    if row["raw_sha256"]:
        fetch = conn.execute(
            "SELECT id, url, status, fetched_at, peer FROM fetches WHERE raw_sha256 = ?"
            " ORDER BY fetched_at = ? DESC, id LIMIT 1",
            (row["raw_sha256"], row["fetched_at"]),
        ).fetchone()
    checkpoint = conn.execute(
        "SELECT id, run_id, at, head, seq FROM checkpoints"
        " WHERE json_extract(marks, '$.versions') >= ? ORDER BY id LIMIT 1",
        (row["id"],),
    ).fetchone()
    newest = conn.execute(
        "SELECT max(version) FROM versions WHERE document_id = ?", (doc_id,)
    ).fetchone()[0]
    return {
        "document_id": doc_id,
        "version": number,
        "versions": newest,
        "url": record.get("url") or row["doc_url"],
        "site": row["site"],
        "document_status": row["doc_status"],
        "title": record.get("title"),
        "issuer": record.get("issuer"),
        "doc_no": record.get("doc_no"),
        "index_no": record.get("index_no"),
        "doc_date": record.get("doc_date"),
        "publish_date": record.get("publish_date"),
        "body_text": record.get("body_text") or "",
        "changed_fields": json.loads(row["changed_fields"]) if row["changed_fields"] else [],
        "captured_at": row["fetched_at"],
        "captured_at_utc": utc(row["fetched_at"]),
        "content_hash": row["content_hash"],
        "capture_sha256": row["raw_sha256"],
        "http_status": fetch["status"] if fetch else None,
        "fetch_id": fetch["id"] if fetch else None,
        "peer": fetch["peer"] if fetch else None,
        "run_id": row["run_id"],
        "checkpoint": dict(checkpoint) if checkpoint else None,
    }


def utc(stamp: str) -> str:
    """An archive stamp (China time) in UTC, ISO 8601 with Z."""
    return parse_iso(stamp).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_citation(facts: dict[str, Any], permalink: str, archive_name: str) -> str:
    """One paragraph: issuer, title, document number and date, then where and when it was
    archived, the capture's SHA-256 and the permalink."""
    parts = [facts["issuer"], f"《{facts['title']}》" if facts["title"] else None]
    parts += [facts["doc_no"], facts["doc_date"] or facts["publish_date"]]
    head = "，".join(p for p in parts if p)
    archived = (
        f"Archived by {SOFTWARE} ({archive_name}), version {facts['version']},"
        f" captured {facts['captured_at_utc']} from {facts['url']}"
    )
    if facts["http_status"]:
        archived += f" (HTTP {facts['http_status']})"
    if facts["capture_sha256"]:
        archived += f"; SHA-256 {facts['capture_sha256']}"
    return f"{head}. {archived}. {permalink}"


def csl_json(facts: dict[str, Any], permalink: str, archive_name: str) -> dict[str, Any]:
    """The version as a CSL-JSON item (an archived web page)."""
    item: dict[str, Any] = {
        "id": f"{SOFTWARE}-{archive_name}-{facts['document_id']}-v{facts['version']}",
        "type": "webpage",
        "title": facts["title"],
        "URL": facts["url"],
        "accessed": _date_parts(facts["captured_at"]),
        "archive": f"{SOFTWARE}: {archive_name}",
        "archive_location": permalink,
        "note": f"version {facts['version']}; SHA-256 of the capture {facts['capture_sha256']}",
    }
    if facts["issuer"]:
        item["author"] = [{"literal": facts["issuer"]}]
    if facts["doc_no"]:
        item["number"] = facts["doc_no"]
    issued = facts["doc_date"] or facts["publish_date"]
    if issued:
        try:
            item["issued"] = _date_parts(issued)
        except ValueError:
            item["issued"] = {"raw": issued}
    return item


def _date_parts(stamp: str) -> dict[str, list[list[int]]]:
    moment = parse_iso(stamp)
    return {"date-parts": [[moment.year, moment.month, moment.day]]}
