"""Datasette plugin (entry point ``govarchive``): the Chinese tokenizer on every connection
and the search box's words written for it (``escape_fts``),
the archivist's pages (``archive.views``), a search page that reads only the matches
it shows (``search_page``), document titles linking to them, the documents
table opening on the columns a person reads, over-long searches refused, and templates (``templates/``) that fold the
column glossary away and put the search box and feeds on the first screen.

Registered through the package's ``datasette`` entry point, so any Datasette in the same
environment can search the archive's ``documents_fts`` with one- and two-character
Chinese queries.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from datasette import hookimpl

from archive import compare_views, feeds, file_views, search_views, version_views, views
from archive.datasette_plugin import search_page
from archive.tokenizer import match_expression, register

# Datasette's connections read the archive through a memory map and a larger page cache:
# a search's count and facets look up every matching row, and with mmap those lookups
# need no read() call each.
MMAP_BYTES = 2 * 1024**3
CACHE_KIB = 256 * 1024


# Last, after Datasette's own prepare_connection: our escape_fts (the function Datasette's
# search box wraps a search in) replaces Datasette's.
@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    register(conn)
    # A one-character term becomes a prefix query, the way the bigram index finds it.
    conn.create_function("escape_fts", 1, match_expression, deterministic=True)
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


@hookimpl(hookwrapper=True)
def filters_from_request(request, database, table, datasette):  # noqa: ANN001, ANN201 - Datasette's hook
    """A search listed newest first reads only the matches its page shows
    (``search_page``): every hook's filters, Datasette's search among them, pass
    through one function that may bound the search clause below."""
    outcome = yield
    outcome.force_result(
        search_page.wrap_results(outcome.get_result(), request, database, table, datasette)
    )


@hookimpl
def register_routes() -> list:
    return [
        *version_views.routes(),
        *compare_views.routes(),
        *views.routes(),
        *file_views.routes(),
        *search_views.routes(),
        *feeds.routes(),
        # Last: any other address under /DB/-/ is a mistyped page of the archive's.
        (r"^/(?P<db>[^/]+)/-/(?P<rest>.*)$", views.guarded(None, views.unknown_page)),
    ]


@hookimpl
def render_cell(row, value, column, table, database):  # noqa: ANN001, ANN201 - Datasette's hook
    """A document's title links to its document page."""
    if table == "documents" and column == "title" and "id" in row.keys() and value:
        from markupsafe import Markup, escape

        return Markup(
            f'<a href="/{escape(database)}/-/document/{int(row["id"])}">{escape(value)}</a>'
        )
    return None


# What the documents table shows when opened without a query: what a person reads.
DOCUMENT_COLUMNS: tuple[str, ...] = (
    "title",
    "issuer",
    "doc_date",
    "site",
    "status",
    "last_changed",
)
_DOCUMENTS_PATH = re.compile(r"^/[^/]+/documents$")
# A documents page that already chose its columns or its format keeps them, and a search
# (the search box's own form) is answered as it is asked.
_CHOSEN = re.compile(r"(?:^|&)(?:_col|_nocol|_format|_search[^=&]*)=")

# Search text longer than this is answered 400 before any query runs: the tokenizer refuses
# queries over MAX_QUERY_BYTES (1,000 Chinese characters quoted stay well inside it), and a
# person's search is never that long.
MAX_SEARCH_CHARS = 1000
_SEARCH_PARAM = re.compile(r"^(_search(_.+)?|q)$")
# A table search answers its page of rows without facets or an exact count: on a large
# archive they are most of a search's time (every matching row is looked up and counted).
# Its rows come newest archived first (id descending) unless it asks for another order:
# Datasette's search is ``id IN (matching rowids)``, and sorting every match by the
# table's default column (last_changed) costs a sort of all of them (at 100,000 documents,
# a common word: 211 ms against 36 ms).
_TABLE_PATH = re.compile(r"^/[^/]+/[^/.]+(?:\.json)?$")
_TABLE_SEARCH = re.compile(r"(?:^|&)_search(?:_[^=&]*)?=[^&]")
_COUNT_OR_FACET = re.compile(r"(?:^|&)_no(?:count|facet)=")
_SORT = re.compile(r"(?:^|&)_sort(?:_desc|_by_desc)?=")


def lean_search(path: str, query_string: bytes) -> bytes | None:
    """The query string of a table search with ``_nocount`` and ``_nofacet`` added, and
    ``_sort_desc=id`` when it names no order (None when it is not a search, or already says
    all of that)."""
    text = query_string.decode("latin-1")
    if not _TABLE_PATH.match(path) or not _TABLE_SEARCH.search(text):
        return None
    added = "" if _COUNT_OR_FACET.search(text) else "&_nocount=1&_nofacet=1"
    if path.split("/")[-1].removesuffix(".json") == "documents" and not _SORT.search(text):
        added += "&_sort_desc=id"
    return f"{text}{added}".encode("latin-1") if added else None


def oversized_search(query_string: bytes) -> bool:
    """Whether a search parameter (``_search``, ``_search_COL``, ``q``) is too long."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return any(_SEARCH_PARAM.match(name) and len(value) > MAX_SEARCH_CHARS for name, value in pairs)


def is_csv(path: str, query_string: bytes) -> bool:
    """A Datasette CSV answer (``.csv``, or ``_format=csv``), not its HTML debug view."""
    query = query_string.decode("latin-1")
    if "_trace=" in query:
        return False
    return path.endswith(".csv") or "_format=csv" in query


def csv_guard(send: Any) -> Any:
    """``send`` with every CSV cell a spreadsheet would run as a formula neutralised
    (``archive.csv_safe``) and a UTF-8 byte order mark first, as the project's own CSV
    export has it (Excel on Chinese Windows reads a CSV without one as GBK and garbles
    it); the length is then the server's to frame (chunked)."""
    from archive.csv_safe import CsvStreamNeutralizer

    neutralizer = CsvStreamNeutralizer()
    started = False

    async def guarded(message: dict) -> None:
        if message["type"] == "http.response.start":
            headers = [
                (k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"
            ]
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body":
            nonlocal started
            final = not message.get("more_body", False)
            body = neutralizer.feed(message.get("body", b""), final)
            if not started and body:
                body, started = "\ufeff".encode() + body, True
            message = {**message, "body": body}
        await send(message)

    return guarded


async def _answer(send: Any, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper() -> Callable[[Any], Any]:
    """``/DB/documents`` that names no columns opens on ``DOCUMENT_COLUMNS``, its filters
    kept (a shared ``?status=gone`` too; every column stays one click away: Datasette's
    column chooser, or any ``?_col=``); a search longer than
    ``MAX_SEARCH_CHARS`` is answered 400 before it reaches SQLite; a table search runs
    without facets or an exact count (``lean_search``); a CSV answer's formula cells are
    neutralised (``csv_guard``)."""

    def wrap(app: Any) -> Any:
        async def wrapped(scope: dict, receive: Callable[[], Awaitable[dict]], send: Any) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            query_string = scope.get("query_string") or b""
            if _DOCUMENTS_PATH.match(scope.get("path", "")) and not _CHOSEN.search(
                query_string.decode("latin-1")
            ):
                query = "&".join(f"_col={c}" for c in DOCUMENT_COLUMNS)
                if query_string:
                    query = f"{query_string.decode('latin-1')}&{query}"
                location = f"{scope.get('root_path', '')}{scope['path']}?{query}"
                # The query string is the request's own bytes (read as latin-1): sent back so.
                headers = [(b"location", location.encode("latin-1")), (b"content-length", b"0")]
                await _answer(send, 302, headers, b"")
                return
            if len(query_string) > MAX_SEARCH_CHARS and oversized_search(query_string):
                body = f"search text too long: at most {MAX_SEARCH_CHARS} characters\n".encode()
                headers = [(b"content-type", b"text/plain; charset=utf-8")]
                await _answer(send, 400, headers, body)
                return
            lean = lean_search(scope.get("path", ""), query_string)
            if lean is not None:
                scope = {**scope, "query_string": lean}
            if is_csv(scope.get("path", ""), query_string):
                send = csv_guard(send)
            await app(scope, receive, send)

        return wrapped

    return wrap
