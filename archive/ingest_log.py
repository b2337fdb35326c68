"""Where ``govarchive ingest`` stands in each site's stream of messages (``ingest_streams``),
and the archive's id (``archive_meta``): mixed into ``Archive``.

A stream's mark is written in the same transaction as what its messages recorded, so after a
crash the ingest resumes exactly where the archive is: a message redelivered by Redis is
recognised by (attempt, seq) and skipped, and the site's recorder picks up its state.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass


@dataclass(slots=True)
class StreamMark:
    """How far the ingest has recorded one (run, site) stream."""

    run_id: int
    site: str
    attempt: int
    seq: int
    missing: int = 0  # messages of this attempt that never arrived (a gap in seq)
    state: str | None = None  # the site recorder's state (JSON), while the site is open
    closed: str | None = None  # how the site's crawl ended, once recorded


class IngestLog:
    """Mixed into ``Archive`` (which owns the connection and the transaction)."""

    conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # pragma: no cover
        raise NotImplementedError

    @property
    def archive_id(self) -> str:
        """The archive's UUID, made when the archive was (or, for an older one, when it was
        brought to schema 10)."""
        row = self.conn.execute(
            "SELECT value FROM archive_meta WHERE key = 'archive_id'"
        ).fetchone()
        return str(row[0])

    def stream_marks(self, open_runs_only: bool = True) -> list[StreamMark]:
        """Every stream of the runs still open (or of all runs)."""
        where = " WHERE run_id IN (SELECT id FROM runs WHERE finished_at IS NULL)"
        rows = self.conn.execute(
            "SELECT run_id, site, attempt, seq, missing, state, closed FROM ingest_streams"
            + (where if open_runs_only else "")
        ).fetchall()
        return [StreamMark(*tuple(row)) for row in rows]

    def stream_mark(self, run_id: int, site: str) -> StreamMark | None:
        row = self.conn.execute(
            "SELECT run_id, site, attempt, seq, missing, state, closed FROM ingest_streams"
            " WHERE run_id = ? AND site = ?",
            (run_id, site),
        ).fetchone()
        return StreamMark(*tuple(row)) if row else None

    def mark_stream(self, mark: StreamMark) -> None:
        """Write where a stream stands (with the writes of the message that moved it). One
        prepared statement, as every message writes one: sqlite-utils' upsert took 150 µs a
        mark against 7 µs here."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO ingest_streams (run_id, site, attempt, seq, missing, state, closed)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT (run_id, site) DO UPDATE SET"
                " attempt = excluded.attempt, seq = excluded.seq, missing = excluded.missing,"
                " state = excluded.state, closed = excluded.closed",
                (mark.run_id, mark.site, mark.attempt, mark.seq, mark.missing, mark.state,
                 mark.closed),
            )  # fmt: skip
