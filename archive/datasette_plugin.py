"""Datasette plugin (entry point ``govarchive``): the Chinese tokenizer on every connection,
the archivist's pages (``archive.views``), and document titles linking to them.

Registered through the package's ``datasette`` entry point, so any Datasette in the same
environment can search the archive's ``documents_fts`` with one- and two-character
Chinese queries.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from archive import views
from archive.tokenizer import register

# Datasette's connections read the archive through a memory map and a larger page cache:
# a search's count and facets look up every matching row, and with mmap those lookups
# need no read() call each.
MMAP_BYTES = 2 * 1024**3
CACHE_KIB = 256 * 1024


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    register(conn)
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


@hookimpl
def register_routes() -> list:
    return views.routes()


@hookimpl
def render_cell(row, value, column, table, database):  # noqa: ANN001, ANN201 - Datasette's hook
    """A document's title links to its document page."""
    if table == "documents" and column == "title" and "id" in row.keys() and value:
        from markupsafe import Markup, escape

        return Markup(
            f'<a href="/{escape(database)}/-/document/{int(row["id"])}">{escape(value)}</a>'
        )
    return None
