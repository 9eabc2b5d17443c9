"""The wire contract's storage: records as received, attachment progress, conflicts, latest heartbeat.

IF NOT EXISTS adopts a `central.sqlite` made by the reference server before migrations.
"""

from yoyo import step  # type: ignore[import-untyped]  # yoyo ships no type hints

from gov_central.migrate_sql import for_both

steps = [step(for_both("""
CREATE TABLE IF NOT EXISTS records (
    record_id TEXT PRIMARY KEY,
    terminal_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    manifest {blob} NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    receipt TEXT,
    completed_at TEXT,
    via TEXT NOT NULL,
    resends INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS attachments (
    record_id TEXT NOT NULL REFERENCES records (record_id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (record_id, name)
);
CREATE TABLE IF NOT EXISTS conflicts (id {serial}, record_id TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS heartbeats (terminal_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, body TEXT NOT NULL)
"""))]
