-- v15: ``attachments.pages``, a PDF's or OFD's page count as read when it was stored, shown
-- on the document page beside its text length. Files stored before v15 have none (their
-- pages are counted when a revisit brings new bytes).

ALTER TABLE attachments ADD COLUMN pages INTEGER;
