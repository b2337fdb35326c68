"""Which lifecycle events a feed or an alert subscription covers: one query for both, so
a subscription's e-mail and its feed (``/DB/-/feed/events.atom?q=…&site=…``) say the same.

Events of versions the parsers made (``reparse``, ``parser-update``) are never included:
they are not edits on the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from archive.lifecycle import EVENTS, PARSER_REASONS
from archive.tokenizer import match_expression

EVENT_COLUMNS = (
    "e.id, e.at, e.event, e.reason, e.run_id, d.id AS document_id, d.title, d.site,"
    " d.issuer, e.url, e.version"
)


@dataclass
class EventFilter:
    """Events of these kinds (all when empty), on these sites (any when empty), of
    documents whose issuer holds ``issuer`` and whose text holds every search word of
    ``words``."""

    events: tuple[str, ...] = EVENTS
    sites: list[str] = field(default_factory=list)
    issuer: str = ""
    words: str = ""

    def sql(self, after_id: int = 0, limit: int | None = None) -> tuple[str, list[Any]]:
        """The matching events with id above ``after_id``, newest first."""
        events = self.events or EVENTS
        sql = (
            f"SELECT {EVENT_COLUMNS} FROM document_events e JOIN documents d"
            " ON d.id = e.document_id"
            f" WHERE e.event IN ({', '.join('?' * len(events))})"
            f" AND coalesce(e.reason, '') NOT IN ({', '.join('?' * len(PARSER_REASONS))})"
            " AND e.id > ?"
        )
        params: list[Any] = [*events, *PARSER_REASONS, after_id]
        if self.sites:
            sql += f" AND d.site IN ({', '.join('?' * len(self.sites))})"
            params += self.sites
        if self.issuer.strip():
            sql += " AND d.issuer LIKE ? ESCAPE '\\'"
            params.append("%" + re.sub(r"([%_\\])", r"\\\1", self.issuer.strip()) + "%")
        expression = match_expression(self.words) if self.words else ""
        if expression:
            sql += " AND d.id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)"
            params.append(expression)
        sql += " ORDER BY e.id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, params
