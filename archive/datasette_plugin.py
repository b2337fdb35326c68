"""Datasette plugin (entry point ``govarchive``): the Chinese tokenizer on every connection.

Registered through the package's ``datasette`` entry point, so any Datasette in the same
environment can search the archive's ``documents_fts`` with one- and two-character
Chinese queries.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from archive.tokenizer import register


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    register(conn)
