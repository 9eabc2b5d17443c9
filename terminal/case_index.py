"""Which cases one ID card submitted at this terminal, for 进度查询 by card, without keeping ID numbers.

Cases leave the outbox once the platform has them, so progress by card needs its own small
index. It keeps a keyed hash (HMAC-SHA256 with a key only this terminal has) of the ID number
next to each case number, and forgets the pair after `storage.retention_days`. Without the key
the hash cannot be matched against guessed ID numbers (there are few enough to try them all).
"""

from __future__ import annotations

import hashlib
import hmac
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


def _key(path: Path) -> bytes:
    """The terminal's own hashing key, created once (owner-only) beside the outbox keys."""
    if not path.exists():
        write_once(path, secrets.token_bytes(32))
    return path.read_bytes()


class CaseIndex:
    def __init__(self, data_dir: Path, retention_days: int, clock: Callable[[], float] = time.time) -> None:
        self._secret = _key(Path(data_dir) / "keys" / "case-index.key")
        self.retention_seconds = retention_days * DAY_SECONDS
        self.clock = clock
        self._lock = threading.Lock()  # the UI thread adds, a lookup thread reads
        self._db = sqlite3.connect(Path(data_dir) / "case-index.sqlite", isolation_level=None,
                                   check_same_thread=False, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS cases (holder BLOB NOT NULL, case_no TEXT PRIMARY KEY, "
                         "at REAL NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS cases_holder ON cases (holder)")

    def _holder(self, id_number: str) -> bytes:
        return hmac.new(self._secret, id_number.strip().upper().encode("ascii"), hashlib.sha256).digest()

    def add(self, id_number: str, case_no: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO cases VALUES (?, ?, ?)",
                             (self._holder(id_number), case_no, self.clock()))

    def cases_of(self, id_number: str, limit: int = 5) -> list[str]:
        """The newest case numbers of this ID number within the retention time (forgets older ones)."""
        with self._lock:
            self._db.execute("DELETE FROM cases WHERE at < ?", (self.clock() - self.retention_seconds,))
            rows = self._db.execute("SELECT case_no FROM cases WHERE holder = ? ORDER BY at DESC LIMIT ?",
                                    (self._holder(id_number), limit)).fetchall()
        return [case_no for (case_no,) in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class IndexedSink:
    """The case sink of a kiosk: the outbox, and the card index once the outbox holds the case."""

    def __init__(self, outbox: CaseSink, index: CaseIndex) -> None:
        self.outbox = outbox
        self.index = index

    def submit(self, case: Case) -> None:
        self.outbox.submit(case)
        self.index.add(case.applicant.id_number, case.case_no)
