-- v6: the search index tokenized by the C bigram tokenizer (archive/_bigrams.c): the same
-- rows as LIKE, as before, with a common two-character word one token instead of a phrase
-- of two very common characters. The index is rebuilt from the documents' own text.

DROP TRIGGER IF EXISTS documents_fts_ai;
DROP TRIGGER IF EXISTS documents_fts_ad;
DROP TRIGGER IF EXISTS documents_fts_au;
DROP TABLE IF EXISTS documents_fts;
CREATE VIRTUAL TABLE documents_fts USING fts5(
    title, body_text, attachment_text, content='documents', content_rowid='id',
    tokenize='govarchive_bigrams'
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
