"""The archive's tables: created, versioned and migrated in place.

The schema version is SQLite's ``user_version``. Opening an older archive applies each
migration (``archive.migrations``) in order inside one transaction; opening a newer one is
refused (the code is older than the file), so no half-understood archive is ever written
to.
"""

from __future__ import annotations

import sqlite3

from archive.migrations import (
    INDEX_HASH_BYTES,
    INDEX_PENDING,
    LEGACY_TOKENIZER,
    MIGRATIONS,
    RECORD_COLUMNS,
    statements,
)
from archive.tokenizer import register

SCHEMA_VERSION = max(MIGRATIONS)

__all__ = [
    "INDEX_HASH_BYTES",
    "INDEX_PENDING",
    "LEGACY_TOKENIZER",
    "MIGRATIONS",
    "RECORD_COLUMNS",
    "SCHEMA_VERSION",
    "SchemaError",
    "apply_step",
    "foreign_tables",
    "migrate",
    "schema_version",
]


class SchemaError(RuntimeError):
    """The archive cannot be used by this version of govarchive."""


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def foreign_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables of a database that is not (yet) a govarchive archive: user_version 0 and
    tables, none of them ``documents``. Empty for a new file or an archive."""
    if schema_version(conn) != 0:
        return []
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return [] if "documents" in names else sorted(names)


def migrate(conn: sqlite3.Connection, adopt: bool = False) -> int:
    """Bring the archive to ``SCHEMA_VERSION``; return the version it had.

    A database holding other tables is refused unless ``adopt`` (``--init``): an archive's
    tables are never added to a file that belongs to something else by mistake."""
    found = schema_version(conn)
    foreign = foreign_tables(conn)
    if foreign and not adopt:
        raise SchemaError(
            f"not a govarchive archive: it holds other tables ({', '.join(foreign[:5])}"
            f"{', …' if len(foreign) > 5 else ''}); choose another file, or pass --init to add"
            " the archive's tables to it"
        )
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"archive schema version {found} is newer than this govarchive supports "
            f"({SCHEMA_VERSION}); upgrade govarchive to open it"
        )
    if found == SCHEMA_VERSION:
        return found
    conn.execute("BEGIN IMMEDIATE")
    # Another process may have migrated between the read above and the lock: read again.
    found = schema_version(conn)
    if found < 6:
        register(conn, LEGACY_TOKENIZER)
    try:
        for version in range(found + 1, SCHEMA_VERSION + 1):
            apply_step(conn, version)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def apply_step(conn: sqlite3.Connection, version: int) -> None:
    """Run the migration that reaches ``version`` and record that version (inside the
    caller's transaction)."""
    step = MIGRATIONS[version]
    if callable(step):
        step(conn)
    else:
        for statement in statements(step):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
