"""Catalogs published from the console, and which version each terminal last fetched."""

from yoyo import step  # type: ignore[import-untyped]  # yoyo ships no type hints

from gov_central.migrate_sql import for_both

__depends__ = {"0002_county"}

steps = [step(for_both("""
CREATE TABLE catalogs (
    region TEXT NOT NULL,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    items INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    operator TEXT NOT NULL,
    PRIMARY KEY (region, version)
);
CREATE TABLE catalog_fetches (
    terminal_id TEXT NOT NULL,
    region TEXT NOT NULL,
    version INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (terminal_id, region)
)
"""))]
