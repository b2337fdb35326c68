-- v14: scans read by OCR after the crawl (``archive.ocr_queue``): ``attachments.needs_ocr``
-- marks a file with no text of its own (a PDF without a text layer, an image), the queue;
-- ``attachment_ocr`` holds what OCR read of each such file, once per SHA-256: the engine,
-- its mean confidence, the pages read, the text, or why it could not be read. Files stored
-- before v14 that are PDFs without text or images join the queue.

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
