"""The archive's migrations as data: each schema version's SQL is a file,
``archive/sql/NN.sql`` (its comments say why the step was made), and where a step must
also read or seal what is there, a function here runs it. Version 1 creates every table as
it first was; no released step is ever edited, the next one is added. ``archive.schema``
applies them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from importlib.resources import files

from parsers.record import CONTENT_FIELDS

# The per-character tokenizer the index had until v6. Steps 1 and 4 create (and step 6
# drops) an index under this name; it is registered (as the bigram tokenizer, which no
# step ever queries or indexes text with under this name) only while migrating.
LEGACY_TOKENIZER = "govarchive_chars"


# Columns of ``documents`` that hold the parser's record: its content fields, how it was
# shown and parsed, and the year used for faceting.
RECORD_COLUMNS: tuple[str, ...] = (
    *CONTENT_FIELDS,
    "body_html",
    "template",
    "year",
    "source",
)

# The search index's in-memory buffer (step 8's ``hashsize``).
INDEX_HASH_BYTES = 32 * 1024 * 1024

# Applies the notes: a document's first note, when it is a 'delete', holds the text the
# index has for it (taken out); every noted document that exists now goes in with its
# current text. A document inserted and deleted within the same commit never reaches it.
INDEX_PENDING: tuple[str, ...] = (
    "INSERT INTO documents_fts(documents_fts, rowid, title, body_text, attachment_text)"
    " SELECT 'delete', p.doc_id, p.title, p.body_text, p.attachment_text"
    " FROM documents_fts_pending p WHERE p.op = 'delete' AND p.seq ="
    " (SELECT min(q.seq) FROM documents_fts_pending q WHERE q.doc_id = p.doc_id)",
    "INSERT INTO documents_fts(rowid, title, body_text, attachment_text)"
    " SELECT d.id, d.title, d.body_text, d.attachment_text FROM documents d"
    " WHERE d.id IN (SELECT doc_id FROM documents_fts_pending) ORDER BY d.id",
    "DELETE FROM documents_fts_pending",
)


def step_sql(version: int) -> str:
    """The SQL of the step that reaches ``version``, without its comment lines."""
    text = (files("archive") / "sql" / f"{version:02d}.sql").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("--")).strip()


def _v4(conn: sqlite3.Connection) -> None:
    for statement in statements(step_sql(4)):
        conn.execute(statement)
    from archive.backfill import backfill_v4

    backfill_v4(conn)
    conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")


def _v6(conn: sqlite3.Connection) -> None:
    for statement in statements(step_sql(6)):
        conn.execute(statement)
    conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")


APPEND_ONLY: tuple[str, ...] = ("fetches", "versions", "chain", "checkpoints", "timestamps")


def append_only(table: str) -> list[str]:
    """Triggers that refuse UPDATE and DELETE on ``table``."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN"
        f" SELECT RAISE(ABORT, '{table} is append-only'); END"
        for verb in ("UPDATE", "DELETE")
    ]


def _v9(conn: sqlite3.Connection) -> None:
    from archive.clock import now_iso
    from archive.ledger import seal

    for statement in statements(step_sql(9)):
        conn.execute(statement)
    for table in APPEND_ONLY:
        for statement in append_only(table):
            conn.execute(statement)
    seal(
        conn,
        at=now_iso(),
        run_id=None,
        note="chain started at the migration to schema 9: rows written before it are sealed"
        " as they were found",
        always=True,
    )


def _v10(conn: sqlite3.Connection) -> None:
    import uuid

    for statement in statements(step_sql(10)):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO archive_meta (key, value) VALUES ('archive_id', ?)", (str(uuid.uuid4()),)
    )


def _v13(conn: sqlite3.Connection) -> None:
    from archive.clock import now_iso
    from archive.ledger import seal

    for statement in [*statements(step_sql(13)), *append_only("attachment_files")]:
        conn.execute(statement)
    if conn.execute("SELECT 1 FROM attachment_files LIMIT 1").fetchone():
        seal(
            conn,
            at=now_iso(),
            run_id=None,
            note="attachment files joined the chain at the migration to schema 13: those"
            " already stored are sealed as they were found",
            always=True,
        )


# version reached -> the SQL (or function) that reaches it from the version before.
# Never edit a released step: add the next one.
_FUNCTIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    4: _v4,
    6: _v6,
    9: _v9,
    10: _v10,
    13: _v13,
}
_VERSIONS = sorted(
    int(path.name.removesuffix(".sql"))
    for path in (files("archive") / "sql").iterdir()
    if path.name.endswith(".sql")
)
MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    version: _FUNCTIONS.get(version) or step_sql(version) for version in _VERSIONS
}


def statements(script: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies whole."""
    out: list[str] = []
    buf: list[str] = []
    for line in script.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            out.append(joined)
            buf = []
    if "".join(buf).strip():
        out.append("\n".join(buf))
    return out
