"""Whether a known document is still there: seen in a listing or answering 304 (still
there; a relisting), missing (a 404, a withdrawal page, a redirect away: ``missing``, then
``gone`` once confirmed on two crawls ``gone_after`` apart), delisted from a complete
walk while its URL answers, and back (``recovered``, ``restored``). ``PresenceStore`` is
the part of the ``Archive`` facade that writes these facts and their events; a
document's status is always re-derived from them (``archive.lifecycle.derive_status``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from archive.clock import Clock
from archive.evidence import (
    ALREADY_GONE,
    CONFIRMED_GONE,
    STILL_MISSING,
    absence_step,
    answer_event,
)
from archive.lifecycle import DELISTED, GONE, MISSING, RELISTED, add_event, derive_status


@dataclass(slots=True)
class Observation:
    """Where a piece of evidence came from: the run, the fetch and its HTTP status."""

    run_id: int | None = None
    fetch_id: int | None = None
    http_status: int | None = None


class PresenceStore:
    """Presence facts of document rows; mixed into ``Archive`` through ``DocumentStore``."""

    conn: sqlite3.Connection
    clock: Clock
    gone_after: timedelta
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def touch_document(
        self,
        url: str,
        *,
        listed: bool = False,
        fetched: bool = False,
        listing_url: str | None = None,
        run_id: int | None = None,
        fetch_id: int | None = None,
        at: str | None = None,
    ) -> None:
        """A known document seen in a listing, or answered 304: it is still there."""
        stamp = at or self.clock()
        with self.transaction():
            row = self._row(url)
            if row is None:
                return
            doc_id = int(row["id"])
            if listed:
                self.conn.execute(
                    "UPDATE documents SET last_seen = ?, listed_at = ? WHERE id = ?",
                    (stamp, stamp, doc_id),
                )
                if row["delisted_at"]:
                    add_event(
                        self.conn, doc_id, RELISTED, url=url, at=stamp, run_id=run_id,
                        evidence={"listing": listing_url, "delisted_at": row["delisted_at"]},
                    )  # fmt: skip
                    self.conn.execute(
                        "UPDATE documents SET delisted_at = NULL WHERE id = ?", (doc_id,)
                    )
            if fetched:
                self._answered(row, Observation(run_id, fetch_id, 304), stamp)
                self.conn.execute(
                    "UPDATE documents SET last_seen = ?, last_fetched = ? WHERE id = ?",
                    (stamp, stamp, doc_id),
                )
            self._restate(doc_id)

    def record_missing(
        self,
        url: str,
        at: str | None = None,
        *,
        reason: str = "http-404",
        run_id: int | None = None,
        fetch_id: int | None = None,
        http_status: int | None = None,
        counts: bool = True,
    ) -> str:
        """A 404/410, soft-404, withdrawal page or redirect away from a known document.

        The document becomes ``gone`` only when it has been missing on at least two crawls
        at least ``gone_after`` apart with no answer in between (``archive.evidence``'s
        ``absence_step``). Returns "unknown" (never archived), "missing" (not yet confirmed;
        the first answer of an absence writes the ``missing`` event), "gone" (confirmed by
        this answer) or "already-gone".
        ``counts=False``: an answer from a night that contradicts itself is recorded (the
        absence starts, its event is written) but never counts toward ``gone``.
        """
        stamp = at or self.clock()
        with self.transaction():
            row = self._row(url)
            if row is None:
                return "unknown"
            doc_id = int(row["id"])
            step = absence_step(
                gone=row["status"] == "gone",
                missing_since=row["missing_since"],
                missing_count=int(row["missing_count"]),
                counts=counts,
                now=stamp,
                gone_after=self.gone_after,
            )
            confirmed = step.outcome == CONFIRMED_GONE
            self.conn.execute(
                "UPDATE documents SET missing_since = ?, missing_count = ?, last_fetched = ?,"
                " gone_at = CASE WHEN ? THEN ? ELSE gone_at END WHERE id = ?",
                (step.missing_since, step.missing_count, stamp, confirmed, stamp, doc_id),
            )
            if step.outcome == ALREADY_GONE:
                return ALREADY_GONE
            evidence = {"reason": reason}
            if not counts:
                evidence["not_counted"] = (
                    "the listing still shows it on a night most answers failed"
                )
            event_args: dict[str, Any] = {
                "url": url, "at": stamp, "run_id": run_id, "reason": reason,
                "fetch_id": fetch_id, "http_status": http_status,
            }  # fmt: skip
            if step.opens:
                add_event(self.conn, doc_id, MISSING, evidence=evidence, **event_args)
            if confirmed:
                gone_evidence: dict[str, Any] = {
                    **evidence, "missing_since": step.missing_since, "answers": step.missing_count,
                }  # fmt: skip
                add_event(self.conn, doc_id, GONE, evidence=gone_evidence, **event_args)
                self.conn.execute("UPDATE documents SET status = 'gone' WHERE id = ?", (doc_id,))
                return CONFIRMED_GONE
            self._restate(doc_id)
            return STILL_MISSING

    def mark_delisted(
        self,
        url: str,
        at: str | None = None,
        *,
        run_id: int | None = None,
        fetch_id: int | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> bool:
        """Absent from a complete, plausible walk of its listing, yet its URL answers.

        Returns True when this is a new delisting (an event was written)."""
        stamp = at or self.clock()
        with self.transaction():
            row = self._row(url)
            if row is None or row["delisted_at"]:
                return False
            doc_id = int(row["id"])
            self.conn.execute(
                "UPDATE documents SET delisted_at = ?, last_seen = ? WHERE id = ?",
                (stamp, stamp, doc_id),
            )
            add_event(
                self.conn, doc_id, DELISTED, url=url, at=stamp, run_id=run_id,
                fetch_id=fetch_id, http_status=200 if fetch_id else None, evidence=evidence,
            )  # fmt: skip
            self._restate(doc_id)
            return True

    # --- helpers (inside a transaction) ---------------------------------------------------
    def _row(self, url: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT id, url, status, content_hash, version_count, missing_since, missing_count,"
            " delisted_at"
            " FROM documents WHERE url = ?",
            (url,),
        ).fetchone()

    def _restate(self, doc_id: int) -> None:
        """Re-derive ``status`` from the availability and listing facts of the row."""
        row = self.conn.execute(
            "SELECT status, missing_since, delisted_at FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        status = derive_status(
            gone=row["status"] == "gone",
            missing=row["missing_since"] is not None,
            delisted=row["delisted_at"] is not None,
        )
        if status != row["status"]:
            self.conn.execute("UPDATE documents SET status = ? WHERE id = ?", (status, doc_id))

    def _answered(self, row: sqlite3.Row, seen: Observation, stamp: str) -> None:
        """The URL answered with the document (200 or 304): close any absence."""
        doc_id = int(row["id"])
        event = answer_event(gone=row["status"] == "gone", missing=row["missing_since"] is not None)
        if event is None:
            return
        add_event(
            self.conn, doc_id, event, url=row["url"], at=stamp, run_id=seen.run_id,
            fetch_id=seen.fetch_id, http_status=seen.http_status,
            evidence={"missing_since": row["missing_since"]},
        )  # fmt: skip
        self.conn.execute(
            "UPDATE documents SET status = 'live', missing_since = NULL, missing_count = 0"
            " WHERE id = ?",
            (doc_id,),
        )
        self._restate(doc_id)
