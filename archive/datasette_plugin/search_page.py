"""A table search page that reads only the matches it shows.

Datasette searches a table with ``pk IN (SELECT rowid FROM fts WHERE fts MATCH ...)``:
SQLite builds the whole set of matching rowids before the first row is shown, so a word
in most documents costs a set of a million rowids at a million documents. A search page
listed newest first (``_sort_desc=id``, what ``lean_search`` asks for) shows only the
``page size + 1`` highest matching rowids below where the page starts. FTS5 walks its
index in descending rowid order and stops a few matches further (``FLOOR_MARGIN``): 0.2-5
ms at a million documents, once cached. That rowid is the page's *floor*, and the search
clause becomes
``pk IN (SELECT rowid ... MATCH ... AND rowid >= floor)``: the same rows in the same
order, from a set of at most ``page size + 1 + FLOOR_MARGIN`` rowids.

The floor is added only where it cannot change what the page says: a plain ``_search``,
sorted by the primary key descending, neither counted nor faceted, with no other filter
and no CSV stream (which pages without ``_next`` in its query string). Anything else is
answered as Datasette answers it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, urlsafe_components

# Query-string keys that neither filter rows nor ask for a count, facets or a stream.
PAGE_KEYS = frozenset(
    {
        "_search",
        "_searchmode",
        "_sort_desc",
        "_nocount",
        "_nofacet",
        "_nosuggest",
        "_size",
        "_next",
        "_col",
        "_nocol",
        "_labels",
        "_nolabels",
        "_shape",
        "_json",
        "_trace",
    }
)
FLOOR_PARAM = "govarchive_floor"
# The floor sits this many matches below the page's last row: a document whose text changes
# between the floor's query and the page's (a crawl writing while someone searches) leaves
# the page whole, its "next" link included.
FLOOR_MARGIN = 10


def page_rows(args: Any, table_size: Any, default_size: int, max_rows: int) -> int | None:
    """How many rows Datasette reads for this page (its page size plus one, to know
    whether there is a next), or None when the size is not one it would accept."""
    size = args.get("_size") or table_size
    if not size:
        return default_size + 1
    if size == "max":
        return max_rows + 1
    try:
        number = int(size)
    except ValueError:
        return None
    return number + 1 if 0 <= number <= max_rows else None


def page_start(args: Any) -> int | None:
    """The rowid a later page starts below (``_next`` of a ``_sort_desc=id`` page is
    ``id,id``); 0 for the first page; None when ``_next`` is not such a token."""
    token = args.get("_next")
    if not token:
        return 0
    try:
        values = {int(value) for value in urlsafe_components(token)}
    except ValueError:
        return None
    return values.pop() if len(values) == 1 else None


def floor_applies(args: Any, pk: str) -> bool:
    """Whether the page is one a floor cannot change: a plain search newest first,
    neither counted nor faceted, with no other filter."""
    return (
        set(args.keys()) <= PAGE_KEYS
        and bool(args.get("_search"))
        and args.get("_sort_desc") == pk
        and bool(args.get("_nocount"))
        and bool(args.get("_nofacet"))
    )


def search_clause(fts_table: str, fts_pk: str, raw: bool) -> str:
    """The search clause exactly as Datasette's ``search_filters`` writes it."""
    match = ":search" if raw else "escape_fts(:search)"
    fts = escape_sqlite(fts_table)
    return f"{escape_sqlite(fts_pk)} in (select rowid from {fts} where {fts} match {match})"


def merged(results: Iterable[FilterArguments | None]) -> FilterArguments:
    """Several hooks' filter arguments as one, in the order Datasette would apply them."""
    out = FilterArguments([])
    for result in results:
        if result:
            out.where_clauses.extend(result.where_clauses)
            out.params.update(result.params)
            out.human_descriptions.extend(result.human_descriptions)
            out.extra_context.update(result.extra_context)
    return out


async def with_floor(
    filters: FilterArguments, request: Any, database: str, table: str, datasette: Any
) -> FilterArguments:
    """``filters`` with the search clause bounded below by the page's floor, when that
    leaves the page unchanged (see the module docstring)."""
    if not request.args.get("_search") or not request.args.get("_sort_desc"):
        return filters  # not a search listed newest first: nothing to look up
    db = datasette.get_database(database)
    if table in await db.view_names():
        return filters
    pks = await db.primary_keys(table)
    if len(pks) != 1 or not floor_applies(request.args, pks[0]):
        return filters
    metadata = datasette.table_metadata(database, table)
    rows = page_rows(
        request.args,
        metadata.get("size"),
        datasette.setting("default_page_size"),
        datasette.setting("max_returned_rows"),
    )
    start = page_start(request.args)
    fts_table = metadata.get("fts_table") or await db.fts_table(table)
    fts_pk = metadata.get("fts_pk", "rowid")
    if rows is None or start is None or not fts_table or fts_pk not in ("rowid", pks[0]):
        return filters
    raw = (request.args.get("_searchmode") or metadata.get("searchmode")) == "raw"
    clause = search_clause(fts_table, fts_pk, raw)
    if filters.where_clauses != [clause]:
        return filters
    fts = escape_sqlite(fts_table)
    below = " and rowid < :start" if start else ""
    sql = (
        f"select rowid from {fts} where {fts} match {'' if raw else 'escape_fts'}(:search)"
        f"{below} order by rowid desc limit 1 offset :offset"
    )
    params = {"search": request.args["_search"], "start": start, "offset": rows - 1 + FLOOR_MARGIN}
    try:
        found = (await db.execute(sql, params)).first()
    except Exception:  # noqa: BLE001 - the page's own query reports a bad search
        return filters
    if found is None:  # fewer matches than the page holds: all of them are read anyway
        return filters
    filters.where_clauses[0] = clause.removesuffix(")") + f" and rowid >= :{FLOOR_PARAM})"
    filters.params[FLOOR_PARAM] = found[0]
    return filters


def wrap_results(
    results: list[Any], request: Any, database: str, table: str, datasette: Any
) -> list[Callable[[], Awaitable[FilterArguments]]]:
    """Every ``filters_from_request`` result as one, with the search page's floor."""

    async def inner() -> FilterArguments:
        from datasette.utils import await_me_maybe

        filters = merged([await await_me_maybe(result) for result in results])
        return await with_floor(filters, request, database, table, datasette)

    return [inner]
