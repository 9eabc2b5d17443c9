"""Which cases one ID card submitted at this terminal, for 进度查询 by card, without keeping ID numbers.

Cases leave the outbox once the platform has them, so progress by card needs its own small
index. It keeps a keyed hash (HMAC-SHA256 with a key only this terminal has) of the ID number
next to each case number, and forgets the pair after `storage.retention_days`. Without the key
the hash cannot be matched against guessed ID numbers (there are few enough to try them all).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from terminal.cases import Case
from terminal.safewrite import write_once
from terminal.session import CaseSink

DAY_SECONDS = 86400

log = logging.getLogger(__name__)


def _key(path: Path) -> bytes:
    """The terminal's own hashing key, created once (owner-only) beside the outbox keys."""
    if not path.exists():
        write_once(path, secrets.token_bytes(32))
    return path.read_bytes()


class CaseIndex:
    """The index, or -- on a read-only or broken data partition -- none, said once in the log: the
    kiosk still starts, progress by card then finds only what the outbox holds, and the index is
    tried again at the next case."""

    def __init__(self, data_dir: Path, retention_days: int, clock: Callable[[], float] = time.time) -> None:
        self.data_dir = Path(data_dir)
        self.retention_seconds = retention_days * DAY_SECONDS
        self.clock = clock
        self._lock = threading.Lock()  # the UI thread adds, a lookup thread reads
        self._secret = b""
        self._db: sqlite3.Connection | None = None
        self._ready()

    def _ready(self) -> sqlite3.Connection | None:
        """The open index; opened now if it could not be before (None while it still cannot)."""
        if self._db is not None:
            return self._db
        try:
            self._secret = _key(self.data_dir / "keys" / "case-index.key")
            db = sqlite3.connect(self.data_dir / "case-index.sqlite", isolation_level=None,
                                 check_same_thread=False, timeout=30)
            db.execute("CREATE TABLE IF NOT EXISTS cases (holder BLOB NOT NULL, case_no TEXT PRIMARY KEY, "
                       "at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS cases_holder ON cases (holder)")
        except (OSError, sqlite3.Error) as error:
            log.warning("event=case_index_unavailable problem=%s", type(error).__name__)
            return None
        self._db = db
        return db

    def _holder(self, id_number: str) -> bytes:
        return hmac.new(self._secret, id_number.strip().upper().encode("ascii"), hashlib.sha256).digest()

    def add(self, id_number: str, case_no: str) -> None:
        with self._lock:
            db = self._ready()
            if db is not None:
                db.execute("INSERT OR REPLACE INTO cases VALUES (?, ?, ?)",
                           (self._holder(id_number), case_no, self.clock()))

    def cases_of(self, id_number: str, limit: int = 5) -> list[str]:
        """The newest case numbers of this ID number within the retention time (forgets older ones)."""
        with self._lock:
            db = self._ready()
            if db is None:
                return []
            try:
                db.execute("DELETE FROM cases WHERE at < ?", (self.clock() - self.retention_seconds,))
            except sqlite3.OperationalError:  # a read-only partition: forgotten at the next lookup that can write
                pass
            rows = db.execute("SELECT case_no FROM cases WHERE holder = ? AND at >= ? ORDER BY at DESC LIMIT ?",
                              (self._holder(id_number), self.clock() - self.retention_seconds, limit)).fetchall()
        return [case_no for (case_no,) in rows]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()


class IndexedSink:
    """The case sink of a kiosk: the outbox, and the card index once the outbox holds the case."""

    def __init__(self, outbox: CaseSink, index: CaseIndex) -> None:
        self.outbox = outbox
        self.index = index

    def submit(self, case: Case) -> None:
        self.outbox.submit(case)
        self.index.add(case.applicant.id_number, case.case_no)
