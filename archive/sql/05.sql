-- v5: ``documents.source``, the 来源 a page displays, kept apart from ``issuer`` (which may be
-- the signing department when 来源 names only the portal's operator). Not part of the
-- content hash: adding it makes no new version of any document.

ALTER TABLE documents ADD COLUMN source TEXT;
