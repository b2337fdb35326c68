"""Search pages inside Datasette (plugin routes, beside ``archive.views``):
``/DB/-/search?q=…`` (and ``.json``) — ranked full-text search with highlighted snippets,
covering the body and the attachments' text — and ``/-/search`` over every archive served.
Which matches are ranked, and how scores compare across archives: ``archive.ranking``.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from datasette.utils.asgi import Response

from archive import ranking
from archive.page_support import database_of, guarded, json_response, may_view, not_found, render
from archive.ranking import Window, query_terms, rescore, statistics, window
from archive.tokenizer import RANK_FUNCTION, match_expression

SEARCH_RESULTS = 50
SNIPPET_TOKENS = 24
# A body that opens with its own title gets its snippet from a match past the title,
# found in its first BODY_READ_CHARS characters.
BODY_READ_CHARS = 20_000
SNIPPET_BEFORE, SNIPPET_AFTER = 12, 40
# Sentinels around a match in snippet(): never in text, replaced after escaping.
_OPEN, _CLOSE = "\x02", "\x03"


def routes() -> list[tuple[str, Any]]:
    return [
        (r"^/(?P<db>[^/]+)/-/search(?P<json>\.json)?$", guarded("documents", search_page)),
        (r"^/-/search(?P<json>\.json)?$", guarded(None, search_all_page)),
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


# The best matches by bm25 among those ranked, each phrase's IDF given (archive.ranking;
# FTS5 reads the window's rows in rowid order; ``ORDER BY rank`` took twice as long at a
# million documents), then the page's fields and snippets for those rows only.
_RANKED_SQL = (
    f"SELECT rowid, {RANK_FUNCTION}(documents_fts, {{idfs}}) AS rank FROM documents_fts"
    " WHERE documents_fts MATCH ? AND rowid >= ?"
    f" ORDER BY rank LIMIT {SEARCH_RESULTS}"
)
# The snippet comes from the body, else the attachments' text, where the match is: the
# title is on the result already (FTS5's choice of column was often the title again).
_RESULTS_SQL = (
    "SELECT d.id, d.title, d.site, d.issuer, d.doc_date, d.status,"
    f" snippet(documents_fts, 1, '{_OPEN}', '{_CLOSE}', '…', {SNIPPET_TOKENS}) AS body_snippet,"
    f" snippet(documents_fts, 2, '{_OPEN}', '{_CLOSE}', '…', {SNIPPET_TOKENS}) AS file_snippet,"
    f" snippet(documents_fts, -1, '{_OPEN}', '{_CLOSE}', '…', {SNIPPET_TOKENS}) AS any_snippet,"
    f" substr(d.body_text, 1, {BODY_READ_CHARS}) AS body_start"
    " FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid"
    " WHERE documents_fts MATCH ? AND documents_fts.rowid IN ({ids})"
)


async def _search(db: Any, query: str) -> tuple[list[dict[str, Any]], Window]:
    """One archive's best ``SEARCH_RESULTS`` matches among those ranked (its ``Window``),
    each with its database's name and, as ``score``, its bm25 (``archive.ranking``;
    higher is better)."""
    expression = match_expression(query)
    ranked = await window(db, expression)
    if not ranked.matches:
        return [], ranked
    terms = query_terms(query)
    weights = await statistics(db, terms, known=ranked)
    sql = _RANKED_SQL.replace("{idfs}", ",".join("?" * len(terms)))
    idfs = [weights.idf(term) for term in terms]
    best = (await db.execute(sql, [*idfs, expression, ranked.floor or 0])).rows
    if not best:
        return [], ranked
    rank = {row["rowid"]: row["rank"] for row in best}
    sql = _RESULTS_SQL.replace("{ids}", ",".join("?" * len(rank)))
    rows = (await db.execute(sql, [expression, *rank])).rows
    results = [
        {
            **{k: r[k] for k in ("id", "title", "site", "issuer", "doc_date", "status")},
            "db": db.name,
            "rank": rank[r["id"]],
            "score": round(-rank[r["id"]], 6),
            "snippet": _highlight(_snippet(r, terms)),
        }
        for r in rows
    ]
    return sorted(results, key=lambda r: r["rank"]), ranked


def _snippet(row: Any, terms: list[str]) -> str | None:
    """The body's snippet when the body matches (past the title when the body opens with
    it), else the attachments', else (a match in the title alone) the body's opening."""
    body = row["body_snippet"] or ""
    if _OPEN in body:
        title = row["title"] or ""
        plain = body.replace(_OPEN, "").replace(_CLOSE, "").lstrip("…")
        if len(title) >= 6 and plain.startswith(title[:10]):
            return _past_title(row["body_start"] or "", title, terms) or body
        return body
    if _OPEN in (row["file_snippet"] or ""):
        return row["file_snippet"]
    # A match in the title alone: the title is shown already; the body's opening says more.
    return body or row["any_snippet"]


def _past_title(body: str, title: str, terms: list[str]) -> str | None:
    """A snippet around the first match of ``terms`` after the body's opening title (None:
    no match there), the matches marked as FTS5 marks them."""
    start = body.find(title[:10])
    start = 0 if start < 0 else start + len(title)
    # ASCII folded only, as the tokenizer folds: every position stays where it was.
    folded = "".join(c.lower() if c.isascii() else c for c in body)
    found = [(p, t) for t in terms if t and (p := folded.find(t, start)) >= 0]
    if not found:
        return None
    first = min(p for p, _ in found)
    left, right = max(start, first - SNIPPET_BEFORE), first + SNIPPET_AFTER
    window = body[left:right]
    marked = re.sub(
        "|".join(re.escape(t) for t in sorted({t for _, t in found}, key=len, reverse=True)),
        lambda m: f"{_OPEN}{m.group(0)}{_CLOSE}",
        window,
        flags=re.I,
    )
    return ("…" if left > 0 else "") + marked.strip() + ("…" if right < len(body) else "")


async def search_page(datasette: Any, request: Any) -> Response:
    db = database_of(datasette, request)
    if db is None:
        return not_found("no such database")
    query = search_text(request)
    if query is None:
        return _bad_search()
    results, windows = [], []
    if match_expression(query):
        results, ranked = await _search(db, query)
        windows = [ranked]
    return await _answer(datasette, request, query, results, windows, db.name)


async def search_all_page(datasette: Any, request: Any) -> Response:
    """One search over every archive served (``govarchive serve --db A --add B …``): each
    archive's best matches, scored again with statistics shared by all of them when there
    are several (``archive.ranking``), the best ``SEARCH_RESULTS`` kept."""
    query = search_text(request)
    if query is None:
        return _bad_search()
    per_archive: dict[Any, list[dict[str, Any]]] = {}
    windows = []
    if match_expression(query):
        for db in datasette.databases.values():
            if db.name.startswith("_") or not await db.table_exists("documents_fts"):
                continue
            if not await may_view(datasette, request.actor, db.name, "documents"):
                continue  # an archive this reader may not see is not searched
            per_archive[db], ranked = await _search(db, query)
            windows.append(ranked)
    if len(per_archive) > 1:
        await rescore(per_archive, query)
    results = [r for found in per_archive.values() for r in found]
    results = sorted(results, key=lambda r: -r["score"])[:SEARCH_RESULTS]
    return await _answer(datasette, request, query, results, windows, None)


async def _answer(
    datasette: Any,
    request: Any,
    query: str,
    results: list[dict[str, Any]],
    windows: list[Window],
    db: str | None,
) -> Response:
    limited = [w.db for w in windows if w.limited]
    if request.url_vars.get("json"):
        return json_response(search_json(query, results, limited))
    return await render(
        datasette,
        request,
        "govarchive-search.html",
        db=db,
        query=query,
        results=results,
        limited=limited,
        rank_within=ranking.RANK_WITHIN,
    )


def search_json(query: str, results: list[dict[str, Any]], limited: list[str]) -> dict[str, Any]:
    """Search results as data: each match's archive, document, score (higher is better;
    comparable across the archives of one answer), FTS5 rank and snippet (the matches
    marked with <mark> in ``snippet_html``); ``ranked_newest`` names the archives where
    more than ``RANK_WITHIN`` documents matched and only the newest that many were
    ranked."""
    return {
        "query": query,
        "ranked_newest": {name: ranking.RANK_WITHIN for name in limited},
        "results": [
            {**{k: v for k, v in r.items() if k != "snippet"}, "snippet_html": str(r["snippet"])}
            for r in results
        ],
    }
