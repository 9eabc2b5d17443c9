"""The county service: per-terminal credentials, operators and sessions, case decisions, alarms, audit, follow-ups."""

from yoyo import step  # type: ignore[import-untyped]  # yoyo ships no type hints

from gov_central.migrate_sql import for_both

__depends__ = {"0001_wire"}

steps = [step(for_both("""
ALTER TABLE records ADD COLUMN item TEXT;
ALTER TABLE records ADD COLUMN submitted_at TEXT;
CREATE INDEX records_kind_created ON records (kind, created_at);
CREATE INDEX records_terminal ON records (terminal_id);
CREATE TABLE terminals (
    terminal_id TEXT PRIMARY KEY,
    secret TEXT,
    previous_secret TEXT,
    previous_until TEXT,
    state TEXT NOT NULL,
    enrolled_at TEXT,
    rotated_at TEXT,
    revoked_at TEXT,
    revoked_by TEXT
);
CREATE TABLE enrolment_codes (
    code_sha256 TEXT PRIMARY KEY,
    terminal_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE operators (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    operator TEXT NOT NULL REFERENCES operators (name),
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE case_states (
    case_no TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    operator TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE alarms (
    id {serial},
    terminal_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    cleared_at TEXT,
    acked_by TEXT,
    acked_at TEXT
);
CREATE INDEX alarms_open ON alarms (terminal_id, kind, cleared_at);
CREATE TABLE audit (
    id {serial},
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL
);
CREATE TABLE followups (
    record_id TEXT PRIMARY KEY,
    assigned_to TEXT,
    due_at TEXT,
    note TEXT NOT NULL DEFAULT '',
    closed_at TEXT,
    operator TEXT NOT NULL
)
"""))]
