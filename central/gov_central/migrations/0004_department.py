"""The department of a case, for 好差评 counts per department (ratings carry only the case number)."""

from yoyo import step  # type: ignore[import-untyped]  # yoyo ships no type hints

from gov_central.migrate_sql import for_both

__depends__ = {"0003_catalogs"}

steps = [step(for_both("ALTER TABLE records ADD COLUMN department TEXT"))]
