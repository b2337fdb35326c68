"""What an edit changed, read from the archive: the diff between any two versions of a
document (the compare page, ``govarchive diff``) and, for a ``changed`` event, between its
version and the one before (feed entries and alerts carry its headline and excerpt)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from archive.diff import RecordDiff, diff_records


def versions_of(conn: sqlite3.Connection, document_id: int) -> list[int]:
    """The document's version numbers, oldest first."""
    rows = conn.execute(
        "SELECT version FROM versions WHERE document_id = ? ORDER BY version", (document_id,)
    )
    return [r[0] for r in rows]


def record_of(conn: sqlite3.Connection, document_id: int, version: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT record FROM versions WHERE document_id = ? AND version = ?",
        (document_id, version),
    ).fetchone()
    return json.loads(row[0]) if row else None


def change_of(conn: sqlite3.Connection, document_id: int, version: int) -> RecordDiff | None:
    """What ``version`` changed from the version before it (None: its first version, or
    no such version)."""
    rows = conn.execute(
        "SELECT record FROM versions WHERE document_id = ? AND version <= ?"
        " ORDER BY version DESC LIMIT 2",
        (document_id, version),
    ).fetchall()
    if len(rows) < 2:
        return None
    return diff_records(json.loads(rows[1][0]), json.loads(rows[0][0]))


def change_notes(
    conn: sqlite3.Connection, events: list[tuple[int, int | None]]
) -> dict[tuple[int, int], tuple[str, str]]:
    """For each (document id, version) of a changed event: the change's headline and
    excerpt (``RecordDiff.headline``, ``RecordDiff.excerpt``)."""
    out = {}
    for document_id, version in events:
        if version is None or (document_id, version) in out:
            continue
        diff = change_of(conn, document_id, version)
        if diff is not None:
            out[(document_id, version)] = (diff.headline(), diff.excerpt())
    return out
