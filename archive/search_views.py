"""Search pages inside Datasette (plugin routes, beside ``archive.views``):
``/DB/-/search?q=…`` (and ``.json``) — ranked full-text search with highlighted snippets,
covering the body and the attachments' text — and ``/-/search`` over every archive served.
"""

from __future__ import annotations

from html import escape
from typing import Any

from datasette.utils.asgi import Response

from archive.tokenizer import match_expression
from archive.views import _database, _json, _not_found, _render

SEARCH_RESULTS = 50
SNIPPET_TOKENS = 24
# Sentinels around a match in snippet(): never in text, replaced after escaping.
_OPEN, _CLOSE = "\x02", "\x03"


def routes() -> list[tuple[str, Any]]:
    return [
        (r"^/(?P<db>[^/]+)/-/search(?P<json>\.json)?$", search_page),
        (r"^/-/search(?P<json>\.json)?$", search_all_page),
    ]


def search_text(request: Any) -> str | None:
    """The search box's text, or None when it holds a control character (a NUL ends an
    FTS5 string early): such a search is answered 400."""
    query = (request.args.get("q") or "").strip()
    return None if any(ord(c) < 32 for c in query) else query


def _bad_search() -> Response:
    return Response.text("search text must not contain control characters\n", status=400)


def _highlight(snippet: str | None) -> Any:
    from markupsafe import Markup

    text = escape(snippet or "")
    return Markup(text.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))


_SEARCH_SQL = (
    "SELECT d.id, d.title, d.site, d.issuer, d.doc_date, d.status, rank,"
    f" snippet(documents_fts, -1, '{_OPEN}', '{_CLOSE}', '…', {SNIPPET_TOKENS})"
    " AS snippet FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid"
    f" WHERE documents_fts MATCH ? ORDER BY rank LIMIT {SEARCH_RESULTS}"
)


async def _search(db: Any, query: str) -> list[dict[str, Any]]:
    """The best ``SEARCH_RESULTS`` matches of one archive, each with its database's name."""
    rows = (await db.execute(_SEARCH_SQL, [match_expression(query)])).rows
    return [{**dict(r), "db": db.name, "snippet": _highlight(r["snippet"])} for r in rows]


async def search_page(datasette: Any, request: Any) -> Response:
    db = _database(datasette, request)
    if db is None:
        return _not_found("no such database")
    query = search_text(request)
    if query is None:
        return _bad_search()
    results = await _search(db, query) if match_expression(query) else []
    if request.url_vars.get("json"):
        return _json(search_json(query, results))
    return _render("govarchive-search.html", db=db.name, query=query, results=results)


async def search_all_page(datasette: Any, request: Any) -> Response:
    """One search over every archive served (``govarchive serve --db A --add B …``): each
    archive's best matches, merged by FTS5 rank (bm25 scores, comparable across archives
    of the same kind of text), the best ``SEARCH_RESULTS`` kept."""
    query = search_text(request)
    if query is None:
        return _bad_search()
    results: list[dict[str, Any]] = []
    if match_expression(query):
        for db in datasette.databases.values():
            if db.name.startswith("_") or not await db.table_exists("documents_fts"):
                continue
            results += await _search(db, query)
    results = sorted(results, key=lambda r: r["rank"])[:SEARCH_RESULTS]
    if request.url_vars.get("json"):
        return _json(search_json(query, results))
    return _render("govarchive-search.html", db=None, query=query, results=results)


def search_json(query: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Search results as data: each match's archive, document, rank and snippet (the
    matches marked with <mark> in ``snippet_html``)."""
    return {
        "query": query,
        "results": [
            {**{k: v for k, v in r.items() if k != "snippet"}, "snippet_html": str(r["snippet"])}
            for r in results
        ],
    }
