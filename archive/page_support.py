"""What every page of the archive's Datasette plugin shares: the Content-Security-Policy of
its pages, Datasette's permissions asked as Datasette's own table pages ask them
(``may_view``, ``guarded``), the database a route names, row ids from URLs, a 404, a page
rendered from the plugin's templates, and a JSON answer."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from datasette.utils.asgi import Response

# The archivist's pages show the archive's own text, styles and images, and frame its own
# captures; they load nothing from outside (a reader's browser never calls a government
# server, and shows nothing that changed there since).
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-src 'self';"
    " base-uri 'none'; form-action 'self'"
)


# --- permissions ----------------------------------------------------------------------
async def may_view(datasette: Any, actor: Any, db: str | None, table: str | None) -> bool:
    """Whether ``actor`` may see ``table`` of ``db``, asked as Datasette's own table page
    asks (view-table, else view-database, else view-instance), so ``serve --public``, a
    ``metadata.json`` "allow" block and permission plugins govern the archive's pages as
    they govern its tables."""
    from datasette import Forbidden

    checks: list[Any] = ["view-instance"]
    if db is not None:
        checks.insert(0, ("view-database", db))
        if table is not None:
            checks.insert(0, ("view-table", (db, table)))
    try:
        await datasette.ensure_permissions(actor, checks)
    except Forbidden:
        return False
    return True


def guarded(table: str | None, handler: Any) -> Any:
    """``handler`` (a plugin route) answered only for those who may view ``table`` of the
    route's database (``may_view``); 403 for the others."""

    async def route(datasette: Any, request: Any) -> Response:
        if not await may_view(datasette, request.actor, request.url_vars.get("db"), table):
            return Response.html(
                "<h1>Forbidden</h1><p>You may not view this archive's pages.</p>", status=403
            )
        return await handler(datasette, request)

    route.__name__ = route.__qualname__ = handler.__name__
    route.__doc__ = handler.__doc__
    return route


def database_of(datasette: Any, request: Any) -> Any:
    name = request.url_vars["db"]
    try:
        return datasette.get_database(name)
    except KeyError:
        return None


# The largest row id SQLite stores (a larger number in a URL names no row).
MAX_ROW_ID = 2**63 - 1


def row_id(text: str) -> int | None:
    """A row id from a URL's digits; None when SQLite could hold no such id."""
    number = int(text)
    return number if number <= MAX_ROW_ID else None


def not_found(what: str) -> Response:
    return Response.html(f"<h1>Not found</h1><p>{escape(what)}</p>", status=404)


async def render(
    datasette: Any, request: Any, template: str, policy: str | None = None, **context: Any
) -> Response:
    """A page from one of the plugin's templates, rendered by Datasette (so a site's
    ``--template-dir`` can replace it, as it replaces Datasette's own); ``policy``: its
    Content-Security-Policy."""
    headers = {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff"}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, headers=headers if policy else None)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, default=str),
        status=status,
        content_type="application/json; charset=utf-8",
        headers={"Access-Control-Allow-Origin": "*"},
    )
