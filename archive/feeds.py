"""Atom feeds of the archive's lifecycle events (plugin routes, beside ``archive.views``):
``/DB/-/feed/KIND.atom`` and ``/DB/-/feed/SITE/KIND.atom`` — new, changed, delisted and
gone documents (``events`` for all of them), each entry linking to the document page."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from xml.sax.saxutils import escape

from datasette.utils.asgi import Response

from archive.lifecycle import EVENTS, PARSER_REASONS
from archive.views import _database, _not_found

FEED_KINDS: dict[str, tuple[str, ...]] = {
    "new": ("new",),
    "changed": ("changed",),
    "delisted": ("delisted",),
    "gone": ("gone",),
    "events": EVENTS,
}
FEED_ENTRIES = 100


# Characters XML 1.0 does not allow in a document (C0 controls other than tab, newline and
# carriage return; lone surrogates; U+FFFE and U+FFFF): one in an archived title would make
# the whole feed ill-formed for every reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_escape(value: str) -> str:
    """Text for an XML element or a double-quoted attribute: characters XML forbids
    removed, markup characters and quotes escaped."""
    return escape(_NOT_XML.sub("", value), {'"': "&quot;"})


def routes() -> list[tuple[str, Any]]:
    return [
        (r"^/(?P<db>[^/]+)/-/feed/(?P<kind>[a-z]+)\.atom$", feed),
        (r"^/(?P<db>[^/]+)/-/feed/(?P<site>[a-z0-9_-]+)/(?P<kind>[a-z]+)\.atom$", feed),
    ]


async def feed(datasette: Any, request: Any) -> Response:
    db = _database(datasette, request)
    kind = request.url_vars["kind"]
    if db is None or kind not in FEED_KINDS:
        return _not_found("no such feed")
    site = request.url_vars.get("site")
    if site:
        known = (
            await db.execute(
                "SELECT 1 FROM sites WHERE name = ? UNION"
                " SELECT 1 FROM documents WHERE site = ? LIMIT 1",
                [site, site],
            )
        ).rows
        if not known:
            names = [r[0] for r in (await db.execute("SELECT name FROM sites ORDER BY name")).rows]
            return _not_found(
                f"no site {site!r} in {db.name}: the sites it holds are {', '.join(names) or 'none'}"
            )
    events = FEED_KINDS[kind]
    sql = (
        "SELECT e.id, e.at, e.event, e.reason, d.id AS document_id, d.title, d.site, d.issuer,"
        " e.url FROM document_events e JOIN documents d ON d.id = e.document_id"
        f" WHERE e.event IN ({', '.join('?' * len(events))})"
        # A version the parsers made (reparse, parser-update) is not an edit on the site.
        f" AND coalesce(e.reason, '') NOT IN ({', '.join('?' * len(PARSER_REASONS))})"
    )
    params: list[Any] = [*events, *PARSER_REASONS]
    if site:
        sql += " AND d.site = ?"
        params.append(site)
    sql += f" ORDER BY e.id DESC LIMIT {FEED_ENTRIES}"
    rows = (await db.execute(sql, params)).rows
    # An empty feed was last updated when the archive last looked: its latest finished run.
    checked = (await db.execute("SELECT max(finished_at) FROM runs")).rows[0][0]
    base = f"{request.scheme}://{request.host}"
    title = f"govarchive {db.name}: {kind}" + (f" ({site})" if site else "")
    return Response(
        atom(title, f"{base}{request.path}", base, db.name, [dict(r) for r in rows], checked),
        content_type="application/atom+xml; charset=utf-8",
    )


def atom(
    title: str,
    self_url: str,
    base: str,
    db: str,
    rows: list[dict[str, Any]],
    checked_at: str | None = None,
) -> str:
    """An Atom 1.0 feed (RFC 4287): one entry per event, linking to the document page.
    Updated at its newest entry; an empty feed when the archive last looked (``checked_at``,
    its latest finished run), or now for an archive that never ran."""
    updated = rows[0]["at"] if rows else checked_at or datetime.now(timezone.utc).isoformat()
    entries = []
    for row in rows:
        link = f"{base}/{db}/-/document/{row['document_id']}"
        summary = f"{row['event']}: {row['title'] or row['url']}" + (
            f" ({row['reason']})" if row.get("reason") else ""
        )
        entry_title = f"[{row['event']}] {row['title'] or row['url']}"
        entries.append(
            "<entry>"
            f"<id>tag:govarchive,2025:{xml_escape(db)}/event/{row['id']}</id>"
            f"<title>{xml_escape(entry_title)}</title>"
            f'<link rel="alternate" type="text/html" href="{xml_escape(link)}"/>'
            f"<updated>{xml_escape(row['at'])}</updated>"
            f"<author><name>{xml_escape(row.get('issuer') or row['site'] or 'govarchive')}</name></author>"
            f'<category term="{xml_escape(row["event"])}"/>'
            f"<summary>{xml_escape(summary)}</summary>"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{xml_escape(self_url)}</id><title>{xml_escape(title)}</title>"
        f"<updated>{xml_escape(updated)}</updated>"
        f'<link rel="self" href="{xml_escape(self_url)}"/>'
        f"<generator>govarchive</generator>{''.join(entries)}</feed>"
    )
