"""The evidence lifecycle of a document: its states, its events, and the append-only log.

A document has two independent facts about it:

* **availability** — does its URL answer with the document? ``live``; ``missing`` after a
  first 404/410/soft-404/withdrawal answer; ``gone`` once missing on two crawls at least
  the confirmation window apart, with no answer in between;
* **listing** — is it still in its column listing? ``delisted_at`` is set when a complete,
  plausible walk of the listing no longer shows it, and cleared only when a listing shows
  it again (``relisted``); a URL that answers never relists a document by itself.

``documents.status`` is the one-word summary (``gone`` > ``missing`` > ``delisted`` >
``live``). Every transition is one row of ``document_events``; triggers refuse UPDATE and
DELETE there, so no code path can rewrite or erase what was recorded.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

# Events, one per transition (README "Lifecycle").
NEW = "new"
CHANGED = "changed"
DELISTED = "delisted"
RELISTED = "relisted"
MISSING = "missing"
RECOVERED = "recovered"  # answered again while missing, before it was confirmed gone
GONE = "gone"
RESTORED = "restored"  # answered again after it was confirmed gone
MOVED = "moved"
EVENTS: tuple[str, ...] = (
    NEW,
    CHANGED,
    DELISTED,
    RELISTED,
    MISSING,
    RECOVERED,
    GONE,
    RESTORED,
    MOVED,
)
# Reasons of a ``changed`` event that no edit on the site caused: the parsers were re-run
# over stored pages (``govarchive reparse``), or a crawl found a page whose previous capture,
# parsed with today's parsers, gives today's record (the parsers changed, not the page).
REPARSE = "reparse"
PARSER_UPDATE = "parser-update"
PARSER_REASONS: tuple[str, ...] = (REPARSE, PARSER_UPDATE)
# The reason of a ``changed`` event whose page stayed the same while a file at one of its
# attachment URLs was replaced (an edit of an attachment-only document).
ATTACHMENT_CHANGED = "attachment-changed"
# documents.status values.
STATUSES: tuple[str, ...] = ("live", "delisted", "missing", "gone")


def derive_status(*, gone: bool, missing: bool, delisted: bool) -> str:
    """The one-word state: availability first, then the listing."""
    if gone:
        return "gone"
    if missing:
        return "missing"
    return "delisted" if delisted else "live"


def add_event(
    conn: sqlite3.Connection,
    document_id: int,
    event: str,
    *,
    url: str,
    at: str,
    run_id: int | None = None,
    reason: str | None = None,
    fetch_id: int | None = None,
    http_status: int | None = None,
    version: int | None = None,
    evidence: dict[str, Any] | None = None,
) -> None:
    """Append one event (inside the caller's transaction)."""
    if event not in EVENTS:
        raise ValueError(f"unknown lifecycle event {event!r}")
    conn.execute(
        "INSERT INTO document_events (document_id, event, at, run_id, url, reason, fetch_id,"
        " http_status, version, evidence) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            document_id,
            event,
            at,
            run_id,
            url,
            reason,
            fetch_id,
            http_status,
            version,
            json.dumps(evidence, ensure_ascii=False, sort_keys=True) if evidence else None,
        ),
    )
