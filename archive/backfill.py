"""Schema v4's data step: canonical URLs and the events a v3 archive already implies.

Runs once, inside the migration's transaction. No row is deleted: a URL whose canonical
spelling another document already holds keeps its old spelling (and is counted), so two
rows are never merged behind the user's back. Every backfilled event says so in its
evidence (``{"backfilled": true}``): it was inferred from the v3 columns, not observed.
"""

from __future__ import annotations

import json
import sqlite3

from archive.lifecycle import CHANGED, DELISTED, GONE, MISSING, NEW, add_event
from parsers.urls import canonical_url

BACKFILLED = {"backfilled": True}


def canonicalise_urls(conn: sqlite3.Connection) -> dict[str, int]:
    """Rewrite document URLs to their canonical form; return counts."""
    rows = conn.execute("SELECT id, url FROM documents ORDER BY id").fetchall()
    taken = {row[1] for row in rows}
    counts = {"rewritten": 0, "kept-colliding": 0}
    for doc_id, url in rows:
        canonical = canonical_url(url)
        if canonical == url:
            continue
        if canonical in taken:
            counts["kept-colliding"] += 1
            continue
        conn.execute("UPDATE documents SET url = ? WHERE id = ?", (canonical, doc_id))
        taken.discard(url)
        taken.add(canonical)
        counts["rewritten"] += 1
    return counts


def backfill_events(conn: sqlite3.Connection) -> int:
    """One event per transition the v3 columns record; return how many were written."""
    written = 0
    documents = conn.execute(
        "SELECT id, url, status, first_seen, last_seen, gone_at, missing_since FROM documents"
        " ORDER BY id"
    ).fetchall()
    for doc_id, url, status, first_seen, last_seen, gone_at, missing_since in documents:
        versions = conn.execute(
            "SELECT version, fetched_at, run_id, changed_fields FROM versions"
            " WHERE document_id = ? ORDER BY version",
            (doc_id,),
        ).fetchall()
        for version, fetched_at, run_id, changed in versions:
            if version == 1:
                add_event(
                    conn, doc_id, NEW, url=url, at=fetched_at or first_seen, run_id=run_id,
                    version=1, evidence=BACKFILLED,
                )  # fmt: skip
            else:
                evidence = {**BACKFILLED, "fields": json.loads(changed or "[]")}
                add_event(
                    conn, doc_id, CHANGED, url=url, at=fetched_at, run_id=run_id,
                    version=version, evidence=evidence,
                )  # fmt: skip
            written += 1
        if status == "gone":
            if missing_since:
                add_event(conn, doc_id, MISSING, url=url, at=missing_since, evidence=BACKFILLED)
                written += 1
            add_event(conn, doc_id, GONE, url=url, at=gone_at or last_seen, evidence=BACKFILLED)
            written += 1
        elif status == "delisted":
            add_event(conn, doc_id, DELISTED, url=url, at=last_seen, evidence=BACKFILLED)
            conn.execute("UPDATE documents SET delisted_at = ? WHERE id = ?", (last_seen, doc_id))
            written += 1
        elif missing_since:
            add_event(conn, doc_id, MISSING, url=url, at=missing_since, evidence=BACKFILLED)
            conn.execute("UPDATE documents SET status = 'missing' WHERE id = ?", (doc_id,))
            written += 1
    return written


def backfill_v4(conn: sqlite3.Connection) -> None:
    canonicalise_urls(conn)
    backfill_events(conn)
