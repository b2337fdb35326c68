-- v12: ``alert_deliveries``, each digest of lifecycle events sent (or tried) to one target
-- of an alert subscription (``archive.alerts``): what it covered, how many attempts, and the
-- error of a failed one; a target's next digest starts after its last delivered event.

CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY,
    subscription TEXT NOT NULL,
    target TEXT NOT NULL,
    at TEXT NOT NULL,
    run_id INTEGER,
    first_event_id INTEGER NOT NULL,
    last_event_id INTEGER NOT NULL,
    events INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    delivered INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX alert_deliveries_target ON alert_deliveries(subscription, target, delivered);
