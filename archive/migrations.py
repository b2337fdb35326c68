"""The archive's migrations as data: each schema version, the SQL script (or the function,
where a step must read what is there) that reaches it from the one before. Version 1
creates every table as it first was; no released step is ever edited, the next one is
added. ``archive.schema`` applies them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from archive.tokenizer import TOKENIZER_NAME
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

_V1 = f"""
CREATE TABLE IF NOT EXISTS sites (
    name TEXT PRIMARY KEY,
    title TEXT,
    jurisdiction TEXT,
    level TEXT,
    family TEXT,
    home_url TEXT,
    start_urls TEXT,
    verified INTEGER,
    updated_at TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    finish_reason TEXT,
    command TEXT,
    sites TEXT,
    pages INTEGER DEFAULT 0,
    new INTEGER DEFAULT 0,
    changed INTEGER DEFAULT 0,
    unchanged INTEGER DEFAULT 0,
    gone INTEGER DEFAULT 0,
    delisted INTEGER DEFAULT 0,
    errors INTEGER DEFAULT 0,
    healthy INTEGER,
    pid INTEGER,
    exit_code INTEGER
);
CREATE TABLE IF NOT EXISTS run_sites (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    site TEXT NOT NULL,
    list_pages INTEGER DEFAULT 0,
    list_links INTEGER DEFAULT 0,
    pages INTEGER DEFAULT 0,
    new INTEGER DEFAULT 0,
    changed INTEGER DEFAULT 0,
    unchanged INTEGER DEFAULT 0,
    not_modified INTEGER DEFAULT 0,
    gone INTEGER DEFAULT 0,
    delisted INTEGER DEFAULT 0,
    attachments INTEGER DEFAULT 0,
    errors INTEGER DEFAULT 0,
    listing_complete INTEGER DEFAULT 0,
    healthy INTEGER,
    health_note TEXT,
    PRIMARY KEY (run_id, site)
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    site TEXT,
    title TEXT,
    doc_date TEXT,
    publish_date TEXT,
    issuer TEXT,
    index_no TEXT,
    doc_no TEXT,
    topic TEXT,
    validity TEXT,
    keywords TEXT,
    template TEXT,
    year TEXT,
    content_hash TEXT NOT NULL,
    raw_sha256 TEXT,
    status TEXT NOT NULL DEFAULT 'live',
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_changed TEXT NOT NULL,
    last_fetched TEXT,
    version_count INTEGER NOT NULL DEFAULT 1,
    gone_at TEXT,
    missing_since TEXT,
    missing_count INTEGER NOT NULL DEFAULT 0,
    listed_at TEXT,
    list_date TEXT,
    etag TEXT,
    last_modified TEXT,
    -- Large values last, so reading the columns above never walks their overflow pages.
    attachments TEXT,
    body_text TEXT,
    body_html TEXT
);
CREATE INDEX IF NOT EXISTS documents_site ON documents(site);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_status ON documents(status);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    run_id INTEGER,
    changed_fields TEXT,
    record TEXT NOT NULL,
    raw_sha256 TEXT,
    UNIQUE (document_id, version)
);
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    site TEXT,
    url TEXT NOT NULL,
    kind TEXT,
    fetched_at TEXT NOT NULL,
    status INTEGER,
    bytes INTEGER,
    elapsed_ms INTEGER,
    error TEXT,
    raw_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS fetches_run ON fetches(run_id);
CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url);
CREATE TABLE IF NOT EXISTS raw_pages (
    sha256 TEXT PRIMARY KEY,
    url TEXT,
    content_type TEXT,
    size INTEGER NOT NULL,
    compressed_size INTEGER NOT NULL,
    compression TEXT NOT NULL DEFAULT 'zlib',
    content BLOB NOT NULL,
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    url TEXT NOT NULL,
    name TEXT,
    sha256 TEXT,
    mime_type TEXT,
    size INTEGER,
    stored_path TEXT,
    text TEXT,
    error TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (document_id, url)
);
CREATE INDEX IF NOT EXISTS attachments_sha ON attachments(sha256);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    title, body_text, content='documents', content_rowid='id', tokenize='{LEGACY_TOKENIZER}'
);
CREATE TRIGGER IF NOT EXISTS documents_fts_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
CREATE TRIGGER IF NOT EXISTS documents_fts_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, body_text)
    VALUES ('delete', old.id, old.title, old.body_text);
END;
CREATE TRIGGER IF NOT EXISTS documents_fts_au AFTER UPDATE OF title, body_text ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, body_text)
    VALUES ('delete', old.id, old.title, old.body_text);
    INSERT INTO documents_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
CREATE VIEW IF NOT EXISTS same_document_elsewhere AS
    SELECT content_hash, count(*) AS copies, group_concat(site, ' | ') AS sites,
           group_concat(url, ' | ') AS urls, min(title) AS title
    FROM documents GROUP BY content_hash HAVING count(*) > 1;
"""

# v2: fetches record the Content-Type served (binary sent as text/html shows there).
_V2 = """
ALTER TABLE fetches ADD COLUMN content_type TEXT;
"""

# v3: indexes for what the documents page does on every visit: sort by last_changed (its
# default order) and count its issuer and year facets. Without them each visit sorts and
# scans the whole table (measured: 166 ms against 28-29 ms for the unfiltered page at 100,000
# documents); site and status facets already had theirs.
_V3 = """
CREATE INDEX IF NOT EXISTS documents_last_changed ON documents(last_changed);
CREATE INDEX IF NOT EXISTS documents_issuer ON documents(issuer);
CREATE INDEX IF NOT EXISTS documents_year ON documents(year);
"""

# v4: evidence of edits and removals.
# - ``document_events``: the lifecycle log, one row per transition, append-only (triggers
#   refuse UPDATE and DELETE, so no code path can rewrite what was recorded);
# - ``column_walks``: each column listing walk and whether it was complete and plausible,
#   the only thing allowed to decide that a document was delisted;
# - ``documents.delisted_at`` (the listing dimension, kept apart from availability) and
#   ``documents.attachment_text`` (attachments' extracted text, searchable with the body);
# - document URLs canonicalised in place (``parsers.urls.canonical_url``), and the events
#   a v3 archive implies (new, changed, gone, delisted) written once, marked as backfilled.
_V4 = """
CREATE TABLE IF NOT EXISTS document_events (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    event TEXT NOT NULL,
    at TEXT NOT NULL,
    run_id INTEGER,
    url TEXT NOT NULL,
    reason TEXT,
    fetch_id INTEGER,
    http_status INTEGER,
    version INTEGER,
    evidence TEXT
);
CREATE INDEX IF NOT EXISTS document_events_document ON document_events(document_id, id);
CREATE INDEX IF NOT EXISTS document_events_at ON document_events(at);
CREATE INDEX IF NOT EXISTS document_events_event ON document_events(event, at);
CREATE TRIGGER IF NOT EXISTS document_events_no_update BEFORE UPDATE ON document_events BEGIN
    SELECT RAISE(ABORT, 'document_events is append-only');
END;
CREATE TRIGGER IF NOT EXISTS document_events_no_delete BEFORE DELETE ON document_events BEGIN
    SELECT RAISE(ABORT, 'document_events is append-only');
END;
CREATE TABLE IF NOT EXISTS column_walks (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    site TEXT NOT NULL,
    column_url TEXT NOT NULL,
    walked_at TEXT NOT NULL,
    full_walk INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    links INTEGER NOT NULL,
    declared_pages INTEGER,
    declared_records INTEGER,
    reached_end INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    note TEXT
);
CREATE INDEX IF NOT EXISTS column_walks_column ON column_walks(site, column_url, id);
ALTER TABLE documents ADD COLUMN delisted_at TEXT;
ALTER TABLE documents ADD COLUMN attachment_text TEXT;
DROP TRIGGER IF EXISTS documents_fts_ai;
DROP TRIGGER IF EXISTS documents_fts_ad;
DROP TRIGGER IF EXISTS documents_fts_au;
DROP TABLE IF EXISTS documents_fts;
CREATE VIRTUAL TABLE documents_fts USING fts5(
    title, body_text, attachment_text, content='documents', content_rowid='id',
    tokenize='{tokenizer}'
);
CREATE TRIGGER documents_fts_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, body_text, attachment_text)
    VALUES (new.id, new.title, new.body_text, new.attachment_text);
END;
CREATE TRIGGER documents_fts_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, body_text, attachment_text)
    VALUES ('delete', old.id, old.title, old.body_text, old.attachment_text);
END;
CREATE TRIGGER documents_fts_au AFTER UPDATE OF title, body_text, attachment_text
ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, body_text, attachment_text)
    VALUES ('delete', old.id, old.title, old.body_text, old.attachment_text);
    INSERT INTO documents_fts(rowid, title, body_text, attachment_text)
    VALUES (new.id, new.title, new.body_text, new.attachment_text);
END;
""".replace("{tokenizer}", LEGACY_TOKENIZER)


def _v4(conn: sqlite3.Connection) -> None:
    for statement in statements(_V4):
        conn.execute(statement)
    from archive.backfill import backfill_v4

    backfill_v4(conn)
    conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")


# v5: ``documents.source``, the 来源 a page displays, kept apart from ``issuer`` (which may be
# the signing department when 来源 names only the portal's operator). Not part of the
# content hash: adding it makes no new version of any document.
_V5 = """
ALTER TABLE documents ADD COLUMN source TEXT;
"""


# v6: the search index tokenized by the C bigram tokenizer (archive/_bigrams.c): the same
# rows as LIKE, as before, with a common two-character word one token instead of a phrase
# of two very common characters. The index is rebuilt from the documents' own text.
_V6 = _V4[_V4.index("DROP TRIGGER IF EXISTS documents_fts_ai;") :].replace(
    f"tokenize='{LEGACY_TOKENIZER}'", f"tokenize='{TOKENIZER_NAME}'"
)


def _v6(conn: sqlite3.Connection) -> None:
    for statement in statements(_V6):
        conn.execute(statement)
    conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")


# v7: the search index is brought up to date when a transaction commits, not row by row.
# The triggers only note which documents changed (and, for an update or a delete, the text
# the index holds for them); ``INDEX_PENDING`` applies the notes once per commit. Inside a
# batch every write is a savepoint, and FTS5 writes its pending terms out at each savepoint:
# indexed row by row, a batch cost one index segment per document.
_V7 = """
CREATE TABLE documents_fts_pending (
    seq INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL,
    op TEXT NOT NULL,
    title TEXT,
    body_text TEXT,
    attachment_text TEXT
);
CREATE INDEX documents_fts_pending_doc ON documents_fts_pending(doc_id, seq);
DROP TRIGGER IF EXISTS documents_fts_ai;
DROP TRIGGER IF EXISTS documents_fts_ad;
DROP TRIGGER IF EXISTS documents_fts_au;
CREATE TRIGGER documents_fts_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts_pending(doc_id, op) VALUES (new.id, 'insert');
END;
CREATE TRIGGER documents_fts_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts_pending(doc_id, op, title, body_text, attachment_text)
    VALUES (old.id, 'delete', old.title, old.body_text, old.attachment_text);
END;
CREATE TRIGGER documents_fts_au AFTER UPDATE OF title, body_text, attachment_text
ON documents BEGIN
    INSERT INTO documents_fts_pending(doc_id, op, title, body_text, attachment_text)
    VALUES (old.id, 'delete', old.title, old.body_text, old.attachment_text);
END;
"""

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


# v8: the search index gathers 32 MB of new terms in memory before it writes them out as a
# segment (FTS5's default is 1 MB). A bigram index makes a token of nearly every character,
# so at 1 MB a batch of documents was written as many small segments, merged again at once.
# Bulk indexing 10,000 documents: 1.37-1.45x faster (8 MB: 1.3x; 64 MB: as 32); the
# default tokenizer's rate (a token per run of Chinese) did not change beyond the noise. The
# memory is held only until the writer's batch commits.
INDEX_HASH_BYTES = 32 * 1024 * 1024
_V8 = f"""
INSERT INTO documents_fts(documents_fts, rank) VALUES ('hashsize', {INDEX_HASH_BYTES});
"""


# v9: evidence that holds outside the archive.
# - ``fetches`` keep the exchange: the request's head as sent and the response's status line
#   and headers as received (``archive.captures``: packed text), and the server's address;
# - ``chain`` and ``checkpoints``, the tamper-evident log (``archive.ledger``): every fetch,
#   version and event row is sealed into a hash chain, each run ends with a checkpoint;
# - ``timestamps``: RFC 3161 tokens of checkpoints from a time-stamping authority
#   (``archive.timestamps``);
# - fetches, versions, the chain and checkpoints are append-only, as events already were.
# Rows written before the migration are sealed by it, as found (its checkpoint says so).
_V9 = """
ALTER TABLE fetches ADD COLUMN request_head BLOB;
ALTER TABLE fetches ADD COLUMN response_head BLOB;
ALTER TABLE fetches ADD COLUMN peer TEXT;
CREATE TABLE chain (
    seq INTEGER PRIMARY KEY,
    tbl TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    at TEXT NOT NULL,
    seq INTEGER NOT NULL,
    head TEXT NOT NULL,
    rows INTEGER NOT NULL,
    marks TEXT NOT NULL,
    note TEXT
);
CREATE TABLE timestamps (
    id INTEGER PRIMARY KEY,
    checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
    tsa_url TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    gen_time TEXT,
    token BLOB,
    error TEXT
);
"""
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

    for statement in statements(_V9):
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


# Schema 10, crawls across machines that lose nothing (``crawler.distributed``):
# - ``archive_meta``: the archive's own facts; ``archive_id``, a UUID, names its keys in
#   Redis, so two archives sharing a Redis never take each other's messages;
# - ``ingest_streams``: where ``govarchive ingest`` stands in each (run, site) stream of
#   messages, written in the same transaction as what they recorded: the job attempt it
#   follows, the last message recorded (a redelivered one is skipped), messages missing
#   from the stream, the site recorder's state between messages, and how the site closed.
_V10 = """
CREATE TABLE archive_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE ingest_streams (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    site TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    missing INTEGER NOT NULL DEFAULT 0,
    state TEXT,
    closed TEXT,
    PRIMARY KEY (run_id, site)
);
"""


def _v10(conn: sqlite3.Connection) -> None:
    import uuid

    for statement in statements(_V10):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO archive_meta (key, value) VALUES ('archive_id', ?)", (str(uuid.uuid4()),)
    )


# v11: the search index keeps a prefix index of each token's first character (``prefix='1'``),
# so a one-character search (法, a prefix query of every bigram starting with 法) reads one
# doclist instead of merging hundreds: at 100,000 documents its page went from a median of
# 543 ms to 12 ms, that of a two-character search. Rebuilt from the documents' own text,
# with v8's index buffer (a setting the dropped index took with it).
_V11 = """
DROP TABLE IF EXISTS documents_fts;
CREATE VIRTUAL TABLE documents_fts USING fts5(
    title, body_text, attachment_text, content='documents', content_rowid='id',
    tokenize='{tokenizer}', prefix='1'
);
INSERT INTO documents_fts(documents_fts, rank) VALUES ('hashsize', {hashsize});
DELETE FROM documents_fts_pending;
INSERT INTO documents_fts(documents_fts) VALUES ('rebuild');
""".replace("{tokenizer}", TOKENIZER_NAME).replace("{hashsize}", str(INDEX_HASH_BYTES))


# v12: ``alert_deliveries``, each digest of lifecycle events sent (or tried) to one target
# of an alert subscription (``archive.alerts``): what it covered, how many attempts, and the
# error of a failed one; a target's next digest starts after its last delivered event.
_V12 = """
CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY,
    subscription TEXT NOT NULL,
    target TEXT NOT NULL,
    at TEXT NOT NULL,
    run_id INTEGER,
    first_event_id INTEGER NOT NULL,
    last_event_id INTEGER NOT NULL,
    events INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    delivered INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX alert_deliveries_target ON alert_deliveries(subscription, target, delivered);
"""


# v13: attachments are evidence like pages. ``attachment_files`` (append-only, chained)
# keeps every file seen at a document's attachment URL, with the document version it
# belongs to, so a PDF replaced at the same URL leaves both files, a version and an event;
# ``attachments`` (the current file per URL) keeps the validators of its last answer
# (``etag``, ``last_modified``) for conditional revisits, when it was last checked and the
# HTTP status it then gave (404 while its document lives is recorded there). Existing
# files join ``attachment_files`` under the version current when they were first seen.
_V13 = """
ALTER TABLE attachments ADD COLUMN etag TEXT;
ALTER TABLE attachments ADD COLUMN last_modified TEXT;
ALTER TABLE attachments ADD COLUMN checked_at TEXT;
ALTER TABLE attachments ADD COLUMN http_status INTEGER;
CREATE TABLE attachment_files (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    url TEXT NOT NULL,
    name TEXT,
    sha256 TEXT NOT NULL,
    mime_type TEXT,
    size INTEGER,
    stored_path TEXT,
    text TEXT,
    first_seen TEXT NOT NULL,
    version INTEGER,
    run_id INTEGER
);
CREATE INDEX attachment_files_document ON attachment_files(document_id, url, id);
INSERT INTO attachment_files (document_id, url, name, sha256, mime_type, size, stored_path,
    text, first_seen, version)
SELECT a.document_id, a.url, a.name, a.sha256, a.mime_type, a.size, a.stored_path, a.text,
    a.first_seen, coalesce((SELECT max(v.version) FROM versions v
        WHERE v.document_id = a.document_id AND v.fetched_at <= a.first_seen), 1)
FROM attachments a WHERE a.sha256 IS NOT NULL ORDER BY a.id;
"""


def _v13(conn: sqlite3.Connection) -> None:
    from archive.clock import now_iso
    from archive.ledger import seal

    for statement in [*statements(_V13), *append_only("attachment_files")]:
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


# v14: scans read by OCR after the crawl (``archive.ocr_queue``): ``attachments.needs_ocr``
# marks a file with no text of its own (a PDF without a text layer, an image), the queue;
# ``attachment_ocr`` holds what OCR read of each such file, once per SHA-256: the engine,
# its mean confidence, the pages read, the text, or why it could not be read. Files stored
# before v14 that are PDFs without text or images join the queue.
_V14 = """
ALTER TABLE attachments ADD COLUMN needs_ocr INTEGER NOT NULL DEFAULT 0;
CREATE TABLE attachment_ocr (
    sha256 TEXT PRIMARY KEY,
    engine TEXT,
    confidence REAL,
    pages INTEGER,
    text TEXT,
    error TEXT,
    seconds REAL,
    done_at TEXT NOT NULL
);
UPDATE attachments SET needs_ocr = 1 WHERE sha256 IS NOT NULL AND coalesce(text, '') = ''
    AND (mime_type = 'application/pdf' OR mime_type LIKE 'image/%');
"""


# v15: ``attachments.pages``, a PDF's or OFD's page count as read when it was stored, shown
# on the document page beside its text length. Files stored before v15 have none (their
# pages are counted when a revisit brings new bytes).
_V15 = """
ALTER TABLE attachments ADD COLUMN pages INTEGER;
"""


# version reached -> the SQL (or function) that reaches it from the version before.
# Never edit a released step: add the next one.
MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    1: _V1,
    2: _V2,
    3: _V3,
    4: _v4,
    5: _V5,
    6: _v6,
    7: _V7,
    8: _V8,
    9: _v9,
    10: _v10,
    11: _V11,
    12: _V12,
    13: _v13,
    14: _V14,
    15: _V15,
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
