-- v4: evidence of edits and removals.
-- - ``document_events``: the lifecycle log, one row per transition, append-only (triggers
--   refuse UPDATE and DELETE, so no code path can rewrite what was recorded);
-- - ``column_walks``: each column listing walk and whether it was complete and plausible,
--   the only thing allowed to decide that a document was delisted;
-- - ``documents.delisted_at`` (the listing dimension, kept apart from availability) and
--   ``documents.attachment_text`` (attachments' extracted text, searchable with the body);
-- - document URLs canonicalised in place (``parsers.urls.canonical_url``), and the events
--   a v3 archive implies (new, changed, gone, delisted) written once, marked as backfilled.

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
    tokenize='govarchive_chars'
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
