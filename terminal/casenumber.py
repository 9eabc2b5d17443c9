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
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from terminal.errors import TerminalError
from terminal.events import EventId, record

log = logging.getLogger(__name__)

CASE_NUMBER_RE = re.compile(r"^(?P<terminal>[A-Z0-9]{4,8})-(?P<day>\d{6})-(?P<seq>\d{4,})$")
FILE_NAME = "case-numbers.sqlite3"
COPY_NAME = "case-numbers.last"  # the second copy: "TERMINAL YYYY-MM-DD SEQ"


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


class CounterUnavailable(TerminalError):
    """The case-number counter cannot be read or written just now (locked, no permission, I/O error)."""

    advice_zh = "终端暂时不能生成受理编号，请到窗口办理，或联系技术人员。"


class CaseNumbers:
    """Hands out case numbers for one terminal from a counter file in the data folder.

    Safe across threads and processes (SQLite locking); each call opens its own transaction.
    A second copy of the last number (`case-numbers.last`) is written before the counter, and
    `known` may name case numbers kept elsewhere (the case index); at start the counter takes the
    highest of all three, so a counter file that is deleted, truncated or overwritten with garbage
    is set aside and rebuilt (event E3020) instead of stopping the kiosk or reusing a number.
    """

    def __init__(self, data_dir: Path, terminal_id: str, today: Callable[[], date] = date.today,
                 known: Callable[[], Iterable[str]] = tuple) -> None:
        if not re.fullmatch(r"[A-Z0-9]{4,8}", terminal_id):
            raise ValueError(f"terminal id {terminal_id!r} must be 4-8 capital letters or digits")
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / FILE_NAME
        self.copy_path = data_dir / COPY_NAME
        self.terminal_id = terminal_id
        self._today = today
        self._known = known
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            self._db = self._open()
        except CounterUnavailable as e:  # a read-only or locked data folder: the kiosk still starts
            log.warning("event=case_counter_unavailable problem=%s", e.message)

    def _connection(self) -> sqlite3.Connection:
        """The open counter; opened now if it could not be at start (CounterUnavailable if still not)."""
        if self._db is None:
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        """The counter, reconciled with the copy and the known numbers; rebuilt if it cannot be read."""
        damage = ""
        db: sqlite3.Connection | None = None
        try:
            db = self._connect()
            stored = self._stored(db)
        except sqlite3.OperationalError as e:  # locked, no permission, I/O error: not damage, never set aside
            if db is not None:
                db.close()
            raise CounterUnavailable(f"case-number counter {self.path.name} cannot be opened ({e})") from None
        except sqlite3.DatabaseError as e:  # "file is not a database", "disk image is malformed"
            if db is not None:
                db.close()
            damage, stored = type(e).__name__, None
            self._set_aside()
            db = self._connect()
        best = max((s for s in (stored, self._read_copy(), self._highest_known()) if s is not None), default=None)
        if best is not None and best != stored:
            damage = damage or ("missing" if stored is None else "behind")
            self._write(db, *best)
            record(EventId.CASE_COUNTER_RECOVERED, damage=damage, day=best[0].isoformat(), seq=best[1])
            log.warning("event=case_counter_recovered damage=%s day=%s seq=%d", damage, *best)
        return db

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        # One small row: checkpoint often and cut the WAL back, or it grows by a page per number to 4 MB.
        db.execute("PRAGMA wal_autocheckpoint=16")
        db.execute("PRAGMA journal_size_limit=131072")
        db.execute("CREATE TABLE IF NOT EXISTS counter (terminal TEXT PRIMARY KEY, day TEXT NOT NULL,"
                   " seq INTEGER NOT NULL)")
        return db

    def _stored(self, db: sqlite3.Connection) -> tuple[date, int] | None:
        row = db.execute("SELECT day, seq FROM counter WHERE terminal = ?", (self.terminal_id,)).fetchone()
        if row is None:
            return None
        try:
            return date.fromisoformat(row[0]), int(row[1])
        except (TypeError, ValueError):
            raise sqlite3.DatabaseError("counter row is not a date and a number") from None

    def _set_aside(self) -> None:
        """Keep the damaged file for the technician (renamed) and start a fresh one."""
        stamp = datetime.now().strftime("%Y%m%d%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            damaged = self.path.with_name(self.path.name + suffix)
            if damaged.exists():
                damaged.replace(damaged.with_name(f"{damaged.name}.damaged-{stamp}"))

    def _read_copy(self) -> tuple[date, int] | None:
        try:
            terminal, day, seq = self.copy_path.read_text(encoding="ascii").split()
            return (date.fromisoformat(day), int(seq)) if terminal == self.terminal_id else None
        except (OSError, ValueError, UnicodeDecodeError):
            return None

    def _highest_known(self) -> tuple[date, int] | None:
        mine = [p[1:] for p in map(parse_case_number, self._known()) if p and p[0] == self.terminal_id]
        return max(mine, default=None)

    def _write(self, db: sqlite3.Connection, day: date, seq: int) -> None:
        """The copy first, then the counter: a crash between them skips a number, never repeats one."""
        part = self.copy_path.with_name(self.copy_path.name + ".part")
        with open(part, "w", encoding="ascii") as fh:
            fh.write(f"{self.terminal_id} {day.isoformat()} {seq}\n")
            fh.flush()
            os.fsync(fh.fileno())
        part.replace(self.copy_path)
        db.execute("INSERT INTO counter (terminal, day, seq) VALUES (?, ?, ?) ON CONFLICT(terminal)"
                   " DO UPDATE SET day = excluded.day, seq = excluded.seq", (self.terminal_id, day.isoformat(), seq))

    def next(self) -> str:
        """A new case number, durable on disk before it is returned.

        A counter damaged while the kiosk runs is rebuilt from its copy and counting goes on; one
        that cannot be reached (locked, I/O error) is CounterUnavailable, in words.
        """
        try:
            return self._next()
        except sqlite3.OperationalError as e:
            raise CounterUnavailable(f"case-number counter {self.path.name} cannot be written ({e})") from None
        except sqlite3.DatabaseError:
            with self._lock:
                if self._db is not None:
                    self._db.close()
                self._db = None
                self._db = self._open()
            return self._next()

    def _next(self) -> str:
        today = self._today()
        with self._lock:
            db = self._connection()
            db.execute("BEGIN IMMEDIATE")
            try:
                last = self._stored(db)
                if last is None or today > last[0]:
                    day, seq = today, 1
                else:
                    if today < last[0]:
                        log.warning("event=clock_behind today=%s counter_day=%s", today, last[0])
                    day, seq = last[0], last[1] + 1
                self._write(db, day, seq)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return format_case_number(self.terminal_id, day, seq)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
