-- v13: attachments are evidence like pages. ``attachment_files`` (append-only, chained)
-- keeps every file seen at a document's attachment URL, with the document version it
-- belongs to, so a PDF replaced at the same URL leaves both files, a version and an event;
-- ``attachments`` (the current file per URL) keeps the validators of its last answer
-- (``etag``, ``last_modified``) for conditional revisits, when it was last checked and the
-- HTTP status it then gave (404 while its document lives is recorded there). Existing
-- files join ``attachment_files`` under the version current when they were first seen.

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
