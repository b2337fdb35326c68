"""Atom feeds of the archive's lifecycle events (plugin routes, beside ``archive.views``;
written by feedgen): ``/DB/-/feed/KIND.atom`` and ``/DB/-/feed/SITE/KIND.atom`` — new,
changed, delisted, gone, restored and relisted documents (``events`` for all of them), each entry linking to the
document page, narrowed to a saved search by ``?q=``, ``?site=``, ``?issuer=`` and
``?event=``; ``/DB/-/feeds`` lists them all."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from xml.sax.saxutils import escape

from datasette.utils.asgi import Response

from archive.changes import change_notes
from archive.event_filters import EventFilter
from archive.lifecycle import EVENTS
from archive.page_support import database_of, guarded, json_response, not_found, render
from archive.search_views import search_text

FEED_KINDS: dict[str, tuple[str, ...]] = {
    "new": ("new",),
    "changed": ("changed",),
    "delisted": ("delisted",),
    "gone": ("gone",),
    "restored": ("restored",),
    "relisted": ("relisted",),
    "events": EVENTS,
}
FEED_TITLES = {
    "new": "newly archived documents",
    "changed": "documents edited on their site",
    "delisted": "documents taken off their listings",
    "gone": "documents removed (404/410 on two crawls a day apart)",
    "restored": "removed documents that came back",
    "relisted": "delisted documents listed again",
    "events": "every lifecycle event",
}
FEED_ENTRIES = 100
# Each database's changed-entry notes, by (document id, version) (see ``feed``).
_CHANGE_NOTES: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
# The plugin's static file (Datasette serves it under /-/static-plugins/PLUGIN/).
STYLESHEET = "/-/static-plugins/govarchive/feed.xsl"


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
        (r"^/(?P<db>[^/]+)/-/feed/(?P<kind>[a-z]+)\.atom$", guarded("document_events", feed)),
        (
            r"^/(?P<db>[^/]+)/-/feed/(?P<site>[a-z0-9_-]+)/(?P<kind>[a-z]+)\.atom$",
            guarded("document_events", feed),
        ),
        (r"^/(?P<db>[^/]+)/-/feeds(?P<json>\.json)?$", guarded("document_events", feed_index)),
    ]


async def feed(datasette: Any, request: Any) -> Response:
    db = database_of(datasette, request)
    kind = request.url_vars["kind"]
    if db is None or kind not in FEED_KINDS:
        return not_found("no such feed")
    site = request.url_vars.get("site")
    if site:
        unknown = await _unknown_site(db, site)
        if unknown:
            return unknown
    events = FEED_KINDS[kind]
    sites = [site] if site else request.args.getlist("site")
    chosen = [e for e in request.args.getlist("event") if e in events]
    issuer = (request.args.get("issuer") or "").strip()
    words = search_text(request)
    if words is None:
        return Response.text("search text must not contain control characters\n", status=400)
    chosen_filter = EventFilter(tuple(chosen) or events, sites, issuer, words)
    sql, params = chosen_filter.sql(limit=FEED_ENTRIES)
    rows = [dict(r) for r in (await db.execute(sql, params)).rows]
    await _add_change_notes(db, rows)
    # An empty feed was last updated when the archive last looked: its latest finished run.
    checked = (await db.execute("SELECT max(finished_at) FROM runs")).rows[0][0]
    base = f"{request.scheme}://{request.host}"
    wanted = [*sites, *chosen, *([issuer] if issuer else []), *([words] if words else [])]
    title = f"govarchive {db.name}: {kind}" + (f" ({', '.join(wanted)})" if wanted else "")
    return Response(
        atom(title, f"{base}{request.path}", base, db.name, rows, checked, STYLESHEET),
        content_type=_feed_type(request),
        headers={"Vary": "Accept"},
    )


async def _unknown_site(db: Any, site: str) -> Response | None:
    """The 404 naming the archive's sites, for a feed of a site it never held; else None."""
    known = (
        await db.execute(
            "SELECT 1 FROM sites WHERE name = ? UNION"
            " SELECT 1 FROM documents WHERE site = ? LIMIT 1",
            [site, site],
        )
    ).rows
    if known:
        return None
    names = [r[0] for r in (await db.execute("SELECT name FROM sites ORDER BY name")).rows]
    return not_found(
        f"no site {site!r} in {db.name}: the sites it holds are {', '.join(names) or 'none'}"
    )


async def _add_change_notes(db: Any, rows: list[dict[str, Any]]) -> None:
    """Each ``changed`` entry's note (fields, paragraphs, first edit) as ``row["change"]``.
    Versions never change once written: each edit is diffed once per process, not on
    every poll of every feed reader."""
    edits = [(r["document_id"], r["version"]) for r in rows if r["event"] == "changed"]
    known = _CHANGE_NOTES.setdefault(db.path or db.name, {})
    missing = [e for e in edits if e not in known]
    if missing:
        known.update(await db.execute_fn(lambda conn: change_notes(conn, missing)))
    for row in rows:
        row["change"] = known.get((row["document_id"], row["version"]))


def _feed_type(request: Any) -> str:
    """Atom's own type for feed readers; for a browser (it asks for text/html first),
    plain XML, which browsers render through the feed's stylesheet where they would show
    ``application/atom+xml`` as raw text."""
    accept = request.headers.get("accept", "")
    if "text/html" in accept:
        return "application/xml; charset=utf-8"
    return "application/atom+xml; charset=utf-8"


async def feed_index(datasette: Any, request: Any) -> Response:
    """Every feed of one archive: each kind, each kind per site, and how to narrow one to a
    saved search (``?q=``, ``?site=`` repeated, ``?issuer=``, ``?event=``)."""
    db = database_of(datasette, request)
    if db is None:
        return not_found("no such database")
    base = f"/{db.name}/-/feed"
    sites = [r[0] for r in (await db.execute("SELECT name FROM sites ORDER BY name")).rows]
    kinds = [{"kind": k, "about": FEED_TITLES[k], "url": f"{base}/{k}.atom"} for k in FEED_KINDS]
    by_site = {s: {k: f"{base}/{s}/{k}.atom" for k in FEED_KINDS} for s in sites}
    if request.url_vars.get("json"):
        return json_response({"feeds": kinds, "sites": by_site, "parameters": FEED_PARAMETERS})
    return await render(datasette, request, "govarchive-feeds.html", db=db.name, kinds=kinds,
                        by_site=by_site, parameters=FEED_PARAMETERS)  # fmt: skip


# What narrows a feed to a saved search; each may be combined with the others.
FEED_PARAMETERS = {
    "q": "search words, as the search box takes them (征地 补偿): documents holding them all",
    "site": "a site's name; repeat it for several sites",
    "issuer": "part of the issuing body's name (自然资源局)",
    "event": "on the events feed, an event to keep (new, changed, gone…); repeat it",
}


def atom(
    title: str,
    self_url: str,
    base: str,
    db: str,
    rows: list[dict[str, Any]],
    checked_at: str | None = None,
    stylesheet: str | None = None,
) -> str:
    """An Atom 1.0 feed (RFC 4287, written by feedgen): one entry per event, linking to the
    document page (a changed entry's summary says what changed, ``row["change"]``:
    headline, excerpt). Updated at its newest entry; an empty feed when the archive last
    looked (``checked_at``, its latest finished run), or now for an archive that never
    ran. ``stylesheet``: the XSLT a browser renders the feed with (feed readers ignore
    it). Characters XML forbids are dropped from every value first."""
    from feedgen.feed import FeedGenerator

    def text(value: Any) -> str:
        return _NOT_XML.sub("", str(value))

    updated = rows[0]["at"] if rows else checked_at or datetime.now(timezone.utc).isoformat()
    feed = FeedGenerator()
    feed.id(text(self_url))
    feed.title(text(title))
    feed.updated(updated)
    feed.link(href=text(self_url), rel="self")
    feed.author(name="govarchive")
    feed.generator("govarchive")
    for row in rows:
        summary = f"{row['event']}: {row['title'] or row['url']}" + (
            f" ({row['reason']})" if row.get("reason") else ""
        )
        if row.get("change"):  # a changed entry: which fields and paragraphs, an excerpt
            headline, excerpt = row["change"]
            summary += f" — {headline}" + (f": {excerpt}" if excerpt else "")
        entry = feed.add_entry(order="append")
        entry.id(f"tag:govarchive,2025:{text(db)}/event/{row['id']}")
        entry.title(text(f"[{row['event']}] {row['title'] or row['url']}"))
        entry.link(
            href=text(f"{base}/{db}/-/document/{row['document_id']}"),
            rel="alternate",
            type="text/html",
        )
        entry.updated(row["at"])
        entry.author(name=text(row.get("issuer") or row["site"] or "govarchive"))
        entry.category(term=text(row["event"]))
        entry.summary(text(summary))
    xml = feed.atom_str(pretty=False).decode("utf-8")
    if stylesheet:
        declaration, _, rest = xml.partition("?>")
        pi = f'<?xml-stylesheet type="text/xsl" href="{xml_escape(stylesheet)}"?>'
        xml = f"{declaration}?>{pi}{rest}"
    return xml
