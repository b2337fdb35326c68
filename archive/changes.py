"""What an edit changed, read from the archive: the diff between any two versions of a
document (the compare page, ``govarchive diff``) and, for a ``changed`` event, between its
version and the one before (feed entries and alerts carry its headline and excerpt)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from archive.diff import RecordDiff, diff_attachments, diff_records


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


def files_at(
    conn: sqlite3.Connection, document_id: int, version: int
) -> dict[str, tuple[str, str, str | None]]:
    """The file each attachment URL held at ``version``: URL -> (name, sha256, text)."""
    rows = conn.execute(
        "SELECT url, name, sha256, text FROM attachment_files WHERE document_id = ?"
        " AND coalesce(version, 1) <= ? ORDER BY id",
        (document_id, version),
    )
    return {r[0]: (r[1] or "", r[2], r[3]) for r in rows}  # a later file replaces the earlier


def compare(
    conn: sqlite3.Connection,
    document_id: int,
    old_version: int,
    new_version: int,
    old: dict[str, Any],
    new: dict[str, Any],
) -> RecordDiff:
    """What changed from one version (``old``, its record) to another: the record's
    fields and text, and the files replaced at its attachment URLs."""
    diff = diff_records(old, new)
    diff.attachments = diff_attachments(
        files_at(conn, document_id, old_version), files_at(conn, document_id, new_version)
    )
    return diff


def change_of(conn: sqlite3.Connection, document_id: int, version: int) -> RecordDiff | None:
    """What ``version`` changed from the version before it (None: its first version, or
    no such version)."""
    rows = conn.execute(
        "SELECT version, record FROM versions WHERE document_id = ? AND version <= ?"
        " ORDER BY version DESC LIMIT 2",
        (document_id, version),
    ).fetchall()
    if len(rows) < 2:
        return None
    (new_version, new), (old_version, old) = rows
    return compare(conn, document_id, old_version, new_version, json.loads(old), json.loads(new))


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
