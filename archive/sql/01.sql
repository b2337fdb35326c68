-- v1: every table as it first was (each later step adds to it; none is ever edited).

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
    title, body_text, content='documents', content_rowid='id', tokenize='govarchive_chars'
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
