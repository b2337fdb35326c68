"""Column listing walks: what each walk of a column found, and what earlier walks found.

A delisting is a claim that a government took a document out of its listing. It may only
rest on a walk that is complete *and* plausible; ``column_walks`` keeps every walk with its
verdict, and ``column_history`` gives the spider what it needs to judge the next one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from archive import rows
from archive.clock import Clock


@dataclass(slots=True)
class ColumnHistory:
    """Earlier walks of one column."""

    last_complete_at: str | None = None  # latest walk that could decide delistings
    last_complete_links: int | None = None
    last_full_at: str | None = None  # latest full walk attempted (complete or not)
    previous_links: int | None = None  # the latest walk that reached the end, any verdict
    previous_at: str | None = None
    previous_note: str | None = None


@dataclass(slots=True)
class WalkRecord:
    """One walk of one column, as ``column_walks`` stores it."""

    site: str
    column_url: str
    full_walk: bool
    pages: int
    links: int
    reached_end: bool
    complete: bool
    note: str | None = None
    declared_pages: int | None = None
    declared_records: int | None = None
    healthy: bool = True  # not stored: what the run's health is judged from


class WalkStore:
    """``column_walks`` rows; mixed into ``Archive`` (which owns the connection)."""

    conn: sqlite3.Connection
    db: sqlite_utils.Database
    clock: Clock

    def record_walk(self, run_id: int | None, walk: WalkRecord, at: str | None = None) -> None:
        row: dict[str, Any] = {
            "run_id": run_id,
            "site": walk.site,
            "column_url": walk.column_url,
            "walked_at": at or self.clock(),
            "full_walk": int(walk.full_walk),
            "pages": walk.pages,
            "links": walk.links,
            "declared_pages": walk.declared_pages,
            "declared_records": walk.declared_records,
            "reached_end": int(walk.reached_end),
            "complete": int(walk.complete),
            "note": walk.note,
        }
        rows.insert(self.db, "column_walks", row)

    def column_history(self, site: str) -> dict[str, ColumnHistory]:
        """Each walked column of a site: its last complete walk and its previous walk."""
        out: dict[str, ColumnHistory] = {}
        rows = self.conn.execute(
            "SELECT column_url, walked_at, full_walk, links, reached_end, complete, note"
            " FROM column_walks WHERE site = ? ORDER BY id",
            (site,),
        )
        for row in rows:
            history = out.setdefault(row["column_url"], ColumnHistory())
            if row["complete"]:
                history.last_complete_at = row["walked_at"]
                history.last_complete_links = row["links"]
            if row["full_walk"]:
                history.last_full_at = row["walked_at"]
            if row["reached_end"]:
                history.previous_links = row["links"]
                history.previous_at = row["walked_at"]
                history.previous_note = row["note"]
        return out
