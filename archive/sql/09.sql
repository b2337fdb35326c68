-- v9: evidence that holds outside the archive.
-- - ``fetches`` keep the exchange: the request's head as sent and the response's status line
--   and headers as received (``archive.captures``: packed text), and the server's address;
-- - ``chain`` and ``checkpoints``, the tamper-evident log (``archive.ledger``): every fetch,
--   version and event row is sealed into a hash chain, each run ends with a checkpoint;
-- - ``timestamps``: RFC 3161 tokens of checkpoints from a time-stamping authority
--   (``archive.timestamps``);
-- - fetches, versions, the chain and checkpoints are append-only, as events already were.
-- Rows written before the migration are sealed by it, as found (its checkpoint says so).

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
