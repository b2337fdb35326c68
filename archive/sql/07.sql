-- v7: the search index is brought up to date when a transaction commits, not row by row.
-- The triggers only note which documents changed (and, for an update or a delete, the text
-- the index holds for them); ``INDEX_PENDING`` applies the notes once per commit. Inside a
-- batch every write is a savepoint, and FTS5 writes its pending terms out at each savepoint:
-- indexed row by row, a batch cost one index segment per document.

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
