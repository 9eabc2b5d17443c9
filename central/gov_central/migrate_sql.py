"""Schema migrations written once for both back ends: SQL with `{blob}` and `{serial}` filled in per database.

The migration files (`migrations/NNNN_*.py`, read by yoyo) call `for_both(sql)`; the step sees the
raw DB-API connection and picks SQLite's or PostgreSQL's spelling of the two types that differ.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

DIALECTS = {
    "sqlite": {"blob": "BLOB", "serial": "INTEGER PRIMARY KEY"},
    "postgresql": {"blob": "BYTEA", "serial": "BIGSERIAL PRIMARY KEY"},
}


def for_both(sql: str) -> Callable[[Any], None]:
    """A yoyo step function running `sql` (statements separated by `;`) in the connection's dialect."""

    def apply(connection: Any) -> None:
        words = DIALECTS["sqlite" if isinstance(connection, sqlite3.Connection) else "postgresql"]
        cursor = connection.cursor()
        for statement in sql.format(**words).split(";"):
            if statement.strip():
                cursor.execute(statement)

    return apply
