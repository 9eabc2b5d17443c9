"""One storage interface, two back ends: SQLite in one folder (the default) and PostgreSQL (a county).

The platform's code writes its SQL once, with `?` placeholders and the subset both databases share
(`ON CONFLICT`, `RETURNING`); `PostgresDatabase` turns the placeholders into psycopg's. Rows read
by column name (`row["state"]`) on both. Schema changes are yoyo migrations in `migrations/`,
written once for both (gov_central.migrate_sql); `migrate()` applies the missing ones when a store
opens, so an old `central.sqlite` is adopted in place.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, cast
from urllib.parse import quote

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

Row = Mapping[str, Any]
Params = Sequence[Any]


class Cursor(Protocol):
    """What a transaction offers: statements in order, all or none committed."""

    def execute(self, sql: str, params: Params = ()) -> None: ...

    def one(self, sql: str, params: Params = ()) -> Row | None: ...


class Database(Protocol):
    """The storage interface the platform's stores use."""

    kind: str

    def execute(self, sql: str, params: Params = ()) -> None: ...

    def one(self, sql: str, params: Params = ()) -> Row | None: ...

    def all(self, sql: str, params: Params = ()) -> list[Row]: ...

    def transaction(self, durable: bool = False) -> Any: ...

    def size_bytes(self) -> int: ...

    def close(self) -> None: ...


class SqliteDatabase:
    """One SQLite file, one connection behind a lock (WAL; reads are fast, writers queue anyway)."""

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        migrate(f"sqlite:///{self.path}")
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # Chunk progress commits with NORMAL (a power cut may lose the last few; the terminal then resends
        # those chunks). Manifests, receipts and console decisions use `transaction(durable=True)`.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")

    def execute(self, sql: str, params: Params = ()) -> None:
        with self._lock:
            self._db.execute(sql, tuple(params))

    def one(self, sql: str, params: Params = ()) -> Row | None:
        with self._lock:
            row: Row | None = self._db.execute(sql, tuple(params)).fetchone()
            return row

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        with self._lock:
            return list(self._db.execute(sql, tuple(params)).fetchall())

    @contextmanager
    def transaction(self, durable: bool = False) -> Iterator[Cursor]:
        """BEGIN IMMEDIATE ... COMMIT; with `durable` on disk (synchronous=FULL) when it returns."""
        with self._lock:
            if durable:
                self._db.execute("PRAGMA synchronous=FULL")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if durable:
                    self._db.execute("PRAGMA synchronous=NORMAL")

    def size_bytes(self) -> int:
        row = self.one("SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()")
        wal = self.path.with_name(self.path.name + "-wal")
        return int(row["size"] if row else 0) + (wal.stat().st_size if wal.exists() else 0)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _PgCursor:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> None:
        self.conn.execute(_pg(sql), tuple(params))

    def one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = self.conn.execute(_pg(sql), tuple(params)).fetchone()
        return row


class PostgresDatabase:
    """A pool of psycopg 3 connections; every statement outside `transaction()` commits on its own.

    PostgreSQL commits are durable by default (fsync, synchronous_commit=on), so `durable` needs nothing more.
    """

    kind = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 16) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        migrate(_yoyo_url(url))
        self.url = url
        self.pool = ConnectionPool(url, min_size=2, max_size=pool_size, open=True,
                                   kwargs={"autocommit": True, "row_factory": dict_row})

    def execute(self, sql: str, params: Params = ()) -> None:
        with self.pool.connection() as conn:
            conn.execute(_pg(sql), tuple(params))

    def one(self, sql: str, params: Params = ()) -> Row | None:
        with self.pool.connection() as conn:  # rows are dicts: the pool's connections use dict_row
            return cast(Row | None, conn.execute(_pg(sql), tuple(params)).fetchone())

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        with self.pool.connection() as conn:
            return cast(list[Row], conn.execute(_pg(sql), tuple(params)).fetchall())

    @contextmanager
    def transaction(self, durable: bool = False) -> Iterator[Cursor]:
        with self.pool.connection() as conn, conn.transaction():
            yield _PgCursor(conn)

    def size_bytes(self) -> int:
        row = self.one("SELECT pg_database_size(current_database()) AS size")
        return int(row["size"]) if row else 0

    def close(self) -> None:
        self.pool.close()


def _pg(sql: str) -> str:
    """`?` placeholders to psycopg's `%s` (the platform's SQL has no literal `?` or `%`)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _yoyo_url(url: str) -> str:
    """yoyo names the psycopg 3 driver in the scheme; a libpq `host=` query (a socket folder) is kept."""
    scheme, _, rest = url.partition("://")
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {scheme}://...")
    return "postgresql+psycopg://" + rest


def migrate(url: str) -> None:
    """Apply the schema migrations this database lacks (idempotent; yoyo locks against a parallel run)."""
    from yoyo import get_backend, read_migrations  # type: ignore[import-untyped]  # yoyo ships no type hints

    backend = get_backend(url)
    try:
        with backend.lock():
            backend.apply_migrations(backend.to_apply(read_migrations(str(MIGRATIONS))))
    finally:
        backend.connection.close()


def open_database(where: str | Path) -> Database:
    """`postgresql://...` is a server; anything else is a SQLite file."""
    text = str(where)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(text)
    return SqliteDatabase(Path(where))


def socket_url(folder: Path, port: int, user: str, database: str) -> str:
    """A libpq URL for a server listening on a unix socket in `folder` (tests, a single-host install)."""
    return f"postgresql://{quote(user)}@/{quote(database)}?host={quote(str(folder))}&port={port}"
