-- Schema 10, crawls across machines that lose nothing (``crawler.distributed``):
-- - ``archive_meta``: the archive's own facts; ``archive_id``, a UUID, names its keys in
--   Redis, so two archives sharing a Redis never take each other's messages;
-- - ``ingest_streams``: where ``govarchive ingest`` stands in each (run, site) stream of
--   messages, written in the same transaction as what they recorded: the job attempt it
--   follows, the last message recorded (a redelivered one is skipped), messages missing
--   from the stream, the site recorder's state between messages, and how the site closed.

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
