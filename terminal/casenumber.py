"""Case numbers: unique per terminal, short enough to read aloud, never reused.

Form: `TERMINAL-YYMMDD-NNNN`, e.g. `JY0101-261121-0007`. The sequence restarts at 1 each new day
(the number stays short) and is widened past 9999 rather than wrapped. The last issued
(date, sequence) lives in a SQLite file committed with `synchronous=FULL` *before* a number is
handed out, so a restart, a power cut or `kill -9` never hands the same number out twice. If the
clock goes backwards (a dead RTC battery on a Pi, an NTP step), the counter keeps the latest date
it has used and carries on counting there instead of reusing an earlier day's numbers.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

CASE_NUMBER_RE = re.compile(r"^(?P<terminal>[A-Z0-9]{4,8})-(?P<day>\d{6})-(?P<seq>\d{4,})$")
FILE_NAME = "case-numbers.sqlite3"


def format_case_number(terminal_id: str, day: date, seq: int) -> str:
    return f"{terminal_id}-{day:%y%m%d}-{seq:04d}"


def parse_case_number(text: str) -> tuple[str, date, int] | None:
    """(terminal, day, sequence), or None if `text` is not a case number (e.g. a typo at the keypad)."""
    m = CASE_NUMBER_RE.match(text.strip().upper())
    if not m:
        return None
    try:
        day = datetime.strptime(m["day"], "%y%m%d").date()
    except ValueError:
        return None
    return m["terminal"], day, int(m["seq"])


class CaseNumbers:
    """Hands out case numbers for one terminal from a counter file in the data folder.

    Safe across threads and processes (SQLite locking); each call opens its own transaction.
    """

    def __init__(self, data_dir: Path, terminal_id: str, today: Callable[[], date] = date.today) -> None:
        if not re.fullmatch(r"[A-Z0-9]{4,8}", terminal_id):
            raise ValueError(f"terminal id {terminal_id!r} must be 4-8 capital letters or digits")
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / FILE_NAME
        self.terminal_id = terminal_id
        self._today = today
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS counter (terminal TEXT PRIMARY KEY, day TEXT NOT NULL,"
                         " seq INTEGER NOT NULL)")

    def next(self) -> str:
        """A new case number, durable on disk before it is returned."""
        today = self._today()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT day, seq FROM counter WHERE terminal = ?",
                                       (self.terminal_id,)).fetchone()
                if row is None:
                    day, seq = today, 1
                else:
                    last_day, last_seq = date.fromisoformat(row[0]), row[1]
                    if today > last_day:
                        day, seq = today, 1
                    else:
                        if today < last_day:
                            log.warning("event=clock_behind today=%s counter_day=%s", today, last_day)
                        day, seq = last_day, last_seq + 1
                self._db.execute("INSERT INTO counter (terminal, day, seq) VALUES (?, ?, ?) ON CONFLICT(terminal)"
                                 " DO UPDATE SET day = excluded.day, seq = excluded.seq",
                                 (self.terminal_id, day.isoformat(), seq))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return format_case_number(self.terminal_id, day, seq)

    def close(self) -> None:
        self._db.close()
