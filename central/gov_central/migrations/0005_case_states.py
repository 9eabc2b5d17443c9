"""Case states (terminal/casestates.py): when a case was accepted and the date promised from that day,
and 补交材料 records linked to their case."""

from yoyo import step  # type: ignore[import-untyped]  # yoyo ships no type hints

from gov_central.migrate_sql import for_both

__depends__ = {"0004_department"}

steps = [step(for_both("""
ALTER TABLE case_states ADD COLUMN accepted_at TEXT;
ALTER TABLE case_states ADD COLUMN promised_date TEXT;
CREATE TABLE IF NOT EXISTS supplements (record_id TEXT PRIMARY KEY, case_no TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS supplements_case ON supplements (case_no)
"""))]
