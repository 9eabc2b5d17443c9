"""The durable, encrypted outbox every case, rating and complaint waits in until the platform has it.

One SQLite file (WAL, synchronous=FULL, one transaction per state change) holds a row per
record; attachments are files named by the SHA-256 of their content, written temp -> fsync ->
rename -> fsync folder before the row that names them commits. A record moves
queued -> sending -> delivered -> purged. Two of these changes skip their own fsync because
start-up recovery redoes them if a power cut drops them: queued -> sending (a dead send goes back
to queued) and delivered -> purged (delivered records are purged again). Manifests and files
are sealed with the key ring (`sync.keys`); once delivered, both are deleted and only the
non-personal row stays (record id, kind, times, sizes, receipt). Push (`sync.push`) and the pull
API (`sync.api`) share one outbox: whichever acknowledges first wins and the record is never
handed out again.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Iterator

from terminal import events
from terminal.cases import Case, Complaint, RatingRecord
from terminal.config import Config
from terminal.errors import StorageFull, TerminalError
from sync import manifest as wire
from sync.fsutil import fsync_dir, remove_temporaries, temporary_name, write_atomic
from sync.keys import Keyring, SealBroken

log = logging.getLogger(__name__)

QUEUED, SENDING, DELIVERED, PURGED = "queued", "sending", "delivered", "purged"
STATES = (QUEUED, SENDING, DELIVERED, PURGED)
RECORD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIB = 1024 * 1024
CLAIM_LEASE_SECONDS = 900.0    # a send claimed longer ago than this is taken to have died
RETENTION_WARNING_SHARE = 0.8  # alarm once an undelivered record has used this share of retention_days

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'delivered', 'purged')),
    created_at REAL NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    manifest_size INTEGER NOT NULL,
    manifest_sealed BLOB,
    attachment_count INTEGER NOT NULL,
    attachment_bytes INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    claimed_by INTEGER,
    claimed_at REAL,
    last_error TEXT,
    delivered_at REAL,
    delivered_via TEXT,
    receipt TEXT,
    purged_at REAL
);
CREATE INDEX IF NOT EXISTS records_state ON records (state, seq);
CREATE TABLE IF NOT EXISTS attachments (
    record_id TEXT NOT NULL REFERENCES records (record_id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    PRIMARY KEY (record_id, name)
);
CREATE INDEX IF NOT EXISTS attachments_sha ON attachments (sha256);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class RecordConflict(TerminalError):
    """A record id already holds different content: a frozen case cannot change."""

    advice_zh = "该申请已经提交，不能修改；如需更改请到窗口办理。"


class RecordGone(TerminalError):
    """The record was delivered (by push or pull) while someone was still reading it."""


@dataclass(frozen=True)
class AttachmentInfo:
    name: str
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class RecordInfo:
    """One outbox row as technicians and the sync code see it: no personal data."""

    seq: int
    record_id: str
    kind: str
    summary: str
    state: str
    created_at: float
    manifest_sha256: str
    manifest_size: int
    attachment_count: int
    attachment_bytes: int
    attempts: int
    last_error: str | None
    delivered_at: float | None
    delivered_via: str | None
    receipt: str | None
    purged_at: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Alarm:
    level: str  # warning | fault
    summary_zh: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxStats:
    counts: dict[str, int]
    queued_bytes: int
    oldest_queued_age_s: float | None
    last_push: str | None
    last_pull: str | None
    last_error: str | None
    disk_free_mb: float
    alarms: tuple[Alarm, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VerifyReport:
    integrity: str
    checked_files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and not self.problems


def _is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(error, sqlite3.OperationalError) and "full" in str(error)


class Outbox:
    """The one queue between the citizen's submit and the platform; safe across threads and processes."""

    def __init__(self, data_dir: Path, key_file: Path | None = None, *, min_free_mb: int = 200,
                 retention_days: int = 30, clock: Callable[[], float] = time.time) -> None:
        self.root = Path(data_dir) / "outbox"
        self.files = self.root / "attachments"
        self.files.mkdir(parents=True, exist_ok=True)
        self.keys = Keyring(Path(key_file) if key_file else Path(data_dir) / "keys" / "outbox.key")
        self.min_free_mb = min_free_mb
        self.retention_days = retention_days
        self.clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.root / "outbox.sqlite", isolation_level=None, check_same_thread=False,
                                   timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self.recover()

    @classmethod
    def from_config(cls, config: Config) -> "Outbox":
        return cls(config.storage.data_dir, min_free_mb=config.storage.min_free_mb,
                   retention_days=config.storage.retention_days)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def _write(self, *, repaired_by_recover: bool = False) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: the state change is on disk when this block exits.

        `repaired_by_recover=True` is for changes whose loss `recover()` undoes the same way at start
        (queued -> sending, delivered -> purged): they commit without their own fsync (WAL,
        synchronous=NORMAL). A process crash keeps them all the same (the WAL is in the page cache);
        a power cut may drop the latest of them, never an earlier FULL commit, and the next FULL
        commit (a receipt) makes them durable too.
        """
        with self._lock:
            if repaired_by_recover:
                self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if repaired_by_recover:
                    self._db.execute("PRAGMA synchronous=FULL")

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- start-up recovery --------------------------------------------------------------------

    def recover(self) -> None:
        """Undo what a crash left: dead sends go back to queued, delivered data is purged, temp files go."""
        now = self.clock()
        with self._write() as db:
            stale = [row["record_id"] for row in db.execute(
                "SELECT record_id, claimed_by, claimed_at FROM records WHERE state = ?", (SENDING,))
                if row["claimed_by"] == os.getpid() or not _alive(row["claimed_by"])
                or (row["claimed_at"] or 0) < now - CLAIM_LEASE_SECONDS]
            db.executemany("UPDATE records SET state = ?, claimed_by = NULL, claimed_at = NULL WHERE record_id = ?",
                           [(QUEUED, rid) for rid in stale])
        if stale:
            log.info("outbox.recover requeued=%d", len(stale))
        for row in self._query("SELECT record_id FROM records WHERE state = ?", (DELIVERED,)):
            self._purge(row["record_id"])
        remove_temporaries(self.files)
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        """Delete files no queued or sending record names (left by a crash mid-purge or mid-submit).

        Runs under the write lock; a submit in another process re-checks its files inside its own
        transaction and rewrites any that vanished, so sweeping never costs it a file.
        """
        with self._write() as db:
            wanted = {row["sha256"] for row in db.execute(
                "SELECT DISTINCT a.sha256 FROM attachments a JOIN records r USING (record_id) WHERE r.state IN (?, ?)",
                (QUEUED, SENDING))}
            for path in self.files.glob("*"):
                if path.name not in wanted and not path.name.startswith("."):
                    path.unlink(missing_ok=True)

    # -- submit -------------------------------------------------------------------------------

    def submit(self, case: Case) -> None:
        """Freeze and store a case; returns once it is durable. Raises StorageFull or RecordConflict."""
        self._store(wire.from_case(case))

    def add_rating(self, rating: RatingRecord) -> None:
        self._store(wire.from_rating(rating))

    def add_complaint(self, complaint: Complaint) -> None:
        self._store(wire.from_complaint(complaint))

    def _file_path(self, sha256: str) -> Path:
        return self.files / sha256  # one flat folder: one folder fsync per submit

    def _check_space(self, needed: int) -> None:
        free = shutil.disk_usage(self.root).free
        if free - needed < self.min_free_mb * MIB:
            log.warning("outbox.refused reason=disk_space free_mb=%d min_free_mb=%d", free // MIB, self.min_free_mb)
            events.record(events.EventId.DISK_LOW, free_mb=free // MIB, min_free_mb=self.min_free_mb)
            raise StorageFull(f"only {free // MIB} MB free, {self.min_free_mb} MB must stay free")

    def _store(self, record: wire.Outgoing) -> None:
        if not RECORD_ID.match(record.record_id):
            raise ValueError(f"record id {record.record_id!r} has characters the protocol does not allow")
        existing = self._query("SELECT manifest_sha256 FROM records WHERE record_id = ?", (record.record_id,))
        if existing:
            if existing[0]["manifest_sha256"] != record.manifest_sha256:
                raise RecordConflict(f"record {record.record_id} already stored with different content")
            return  # the same content again (a retried submit): nothing to do
        self._check_space(len(record.manifest) + sum(len(a.data) for a in record.attachments))
        created: list[Path] = []
        try:
            for _ in range(3):
                self._write_files(record.attachments, created)
                if self._insert(record):
                    break
            else:
                raise OSError(errno.EAGAIN, "attachment files kept vanishing during submit")
        except BaseException as error:
            try:
                self._discard(created)
            except (OSError, sqlite3.Error) as cleanup_error:  # the original error is the one to report
                log.warning("outbox.cleanup_failed problem=%s", type(cleanup_error).__name__)
            if _is_disk_full(error):
                log.warning("outbox.refused reason=write_failed record=%s", record.record_id)
                events.record(events.EventId.DISK_LOW, record=record.record_id, problem="write failed: disk full")
                raise StorageFull(f"the disk is full: {error}") from None
            raise
        log.info("outbox.queued record=%s kind=%s files=%d", record.record_id, record.kind, len(record.attachments))

    def _write_files(self, attachments: tuple[wire.Attachment, ...], written: list[Path]) -> None:
        """Seal and durably write the files not already stored, adding each to `written` as it lands."""
        for attachment in attachments:
            path = self._file_path(attachment.sha256)
            if not path.exists():
                write_atomic(path, self.keys.seal(attachment.data, attachment.sha256.encode("ascii")), sync_folder=False)
                written.append(path)
        if written:
            fsync_dir(self.files)  # the renames are durable before the row naming them commits

    def _discard(self, paths: list[Path]) -> None:
        """Remove files a failed submit wrote, unless another record committed the same content meanwhile."""
        if not paths:
            return
        with self._write() as db:
            for path in paths:
                if db.execute("SELECT 1 FROM attachments a JOIN records r USING (record_id)"
                              " WHERE a.sha256 = ? AND r.state IN (?, ?)", (path.name, QUEUED, SENDING)).fetchone() is None:
                    path.unlink(missing_ok=True)

    def _insert(self, record: wire.Outgoing) -> bool:
        """Commit the row, unless a concurrent purge or sweep removed a file meanwhile (then False)."""
        with self._write() as db:
            twin = db.execute("SELECT manifest_sha256 FROM records WHERE record_id = ?", (record.record_id,)).fetchone()
            if twin is not None:  # another process submitted the same record meanwhile
                if twin["manifest_sha256"] != record.manifest_sha256:
                    raise RecordConflict(f"record {record.record_id} already stored with different content")
                return True
            if not all(self._file_path(a.sha256).exists() for a in record.attachments):
                return False
            db.execute(
                "INSERT INTO records (record_id, kind, summary, state, created_at, manifest_sha256, manifest_size,"
                " manifest_sealed, attachment_count, attachment_bytes) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (record.record_id, record.kind, record.summary, QUEUED, self.clock(), record.manifest_sha256,
                 len(record.manifest), self.keys.seal(record.manifest, record.record_id.encode("ascii")),
                 len(record.attachments), sum(len(a.data) for a in record.attachments)))
            db.executemany(
                "INSERT INTO attachments (record_id, name, sha256, size, content_type) VALUES (?,?,?,?,?)",
                [(record.record_id, a.name, a.sha256, len(a.data), a.content_type) for a in record.attachments])
        return True

    # -- reading ------------------------------------------------------------------------------

    def record(self, record_id: str) -> RecordInfo | None:
        rows = self._query("SELECT * FROM records WHERE record_id = ?", (record_id,))
        return _info(rows[0]) if rows else None

    def records(self, state: str | None = None, limit: int = 1000) -> list[RecordInfo]:
        if state:
            rows = self._query("SELECT * FROM records WHERE state = ? ORDER BY seq LIMIT ?", (state, limit))
        else:
            rows = self._query("SELECT * FROM records ORDER BY seq LIMIT ?", (limit,))
        return [_info(row) for row in rows]

    def pending(self, after_seq: int = 0, limit: int = 100) -> list[RecordInfo]:
        """Records not yet acknowledged, in submit order, after a pull cursor."""
        rows = self._query("SELECT * FROM records WHERE state IN (?, ?) AND seq > ? ORDER BY seq LIMIT ?",
                           (QUEUED, SENDING, after_seq, limit))
        return [_info(row) for row in rows]

    def attachments(self, record_id: str) -> list[AttachmentInfo]:
        rows = self._query("SELECT name, sha256, size, content_type FROM attachments WHERE record_id = ? ORDER BY name",
                           (record_id,))
        return [AttachmentInfo(**dict(row)) for row in rows]

    def manifest(self, record_id: str) -> bytes:
        """The record's canonical manifest (personal data: never log it)."""
        rows = self._query("SELECT state, manifest_sealed FROM records WHERE record_id = ?", (record_id,))
        if not rows or rows[0]["manifest_sealed"] is None:
            raise RecordGone(f"record {record_id} is no longer in the outbox")
        return self.keys.open(rows[0]["manifest_sealed"], record_id.encode("ascii"))

    def attachment(self, record_id: str, name: str) -> bytes:
        """An attachment's bytes, checked against its hash."""
        rows = self._query("SELECT a.sha256 FROM attachments a JOIN records r USING (record_id)"
                           " WHERE a.record_id = ? AND a.name = ? AND r.state IN (?, ?)",
                           (record_id, name, QUEUED, SENDING))
        if not rows:
            raise RecordGone(f"attachment {name} of {record_id} is no longer in the outbox")
        sha = rows[0]["sha256"]
        try:
            data = self.keys.open(self._file_path(sha).read_bytes(), sha.encode("ascii"))
        except FileNotFoundError:
            raise RecordGone(f"attachment {name} of {record_id} was purged") from None
        if hashlib.sha256(data).hexdigest() != sha:
            raise SealBroken(f"attachment {name} of {record_id} does not match its hash")
        return data

    # -- sending ------------------------------------------------------------------------------

    def claim(self, record_id: str | None = None, skip: Collection[str] = ()) -> RecordInfo | None:
        """Take the next due queued record (or a named one) for sending: queued -> sending.

        `skip` names records already tried in this round, so one round tries each record once.
        """
        now = self.clock()
        with self._write(repaired_by_recover=True) as db:  # a lost claim is a record `recover()` requeues
            if record_id is None:
                row = db.execute(f"SELECT * FROM records WHERE state = ? AND next_attempt_at <= ? AND record_id NOT IN"
                                 f" ({','.join('?' * len(skip))}) ORDER BY seq LIMIT 1",
                                 (QUEUED, now, *skip)).fetchone()
            else:
                row = db.execute("SELECT * FROM records WHERE state = ? AND record_id = ?",
                                 (QUEUED, record_id)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE records SET state = ?, claimed_by = ?, claimed_at = ? WHERE seq = ?",
                       (SENDING, os.getpid(), now, row["seq"]))
        return dataclasses.replace(_info(row), state=SENDING)

    def release(self, record_id: str, error: str, retry_in: float) -> None:
        """A send failed: back to queued, to be tried again after `retry_in` seconds."""
        with self._write() as db:
            db.execute("UPDATE records SET state = ?, claimed_by = NULL, claimed_at = NULL, attempts = attempts + 1,"
                       " last_error = ?, next_attempt_at = ? WHERE record_id = ? AND state = ?",
                       (QUEUED, error[:300], self.clock() + retry_in, record_id, SENDING))
        self.note("last_error", error[:300])

    def next_due_in(self) -> float | None:
        """Seconds until the earliest queued record may be tried, None when nothing is queued."""
        rows = self._query("SELECT MIN(next_attempt_at) AS due FROM records WHERE state = ?", (QUEUED,))
        due = rows[0]["due"]
        return None if due is None else max(0.0, due - self.clock())

    def mark_delivered(self, record_id: str, receipt: str, via: str, manifest_sha256: str | None = None) -> bool:
        """Record the platform's receipt and purge the personal data. False if it was already delivered.

        With `manifest_sha256`, a receipt for different content (a confused platform) is refused.
        """
        with self._write() as db:
            row = db.execute("SELECT state, manifest_sha256 FROM records WHERE record_id = ?", (record_id,)).fetchone()
            if row is None:
                raise RecordGone(f"record {record_id} is not in the outbox")
            if manifest_sha256 is not None and manifest_sha256 != row["manifest_sha256"]:
                raise RecordConflict(f"receipt for {record_id} names different content")
            if row["state"] in (DELIVERED, PURGED):
                return False
            db.execute("UPDATE records SET state = ?, delivered_at = ?, delivered_via = ?, receipt = ?,"
                       " claimed_by = NULL, claimed_at = NULL, last_error = NULL WHERE record_id = ?",
                       (DELIVERED, self.clock(), via, receipt[:200], record_id))
        log.info("outbox.delivered record=%s via=%s", record_id, via)
        self._purge(record_id)
        return True

    def _purge(self, record_id: str) -> None:
        """delivered -> purged: drop the sealed manifest and the files no other live record names.

        The files leave their names inside the transaction, under the write lock, so a concurrent
        submit that shares a file sees it vanish before it commits and writes it again (see
        `_insert`). They are renamed there and unlinked after the commit: freeing a file's blocks
        takes milliseconds, and the lock would make every other outbox change wait for it.
        Neither the commit nor the unlinks are fsync'd: after a power cut the row is still
        delivered, and `recover()` purges it again and sweeps any file that came back.
        """
        doomed: list[Path] = []
        with self._write(repaired_by_recover=True) as db:
            db.execute("UPDATE records SET state = ?, manifest_sealed = NULL, purged_at = ? WHERE record_id = ? AND state = ?",
                       (PURGED, self.clock(), record_id, DELIVERED))
            still_needed = {row["sha256"] for row in db.execute(
                "SELECT a.sha256 FROM attachments a JOIN records r USING (record_id)"
                " WHERE r.state IN (?, ?) AND a.sha256 IN (SELECT sha256 FROM attachments WHERE record_id = ?)",
                (QUEUED, SENDING, record_id))}
            for row in db.execute("SELECT sha256 FROM attachments WHERE record_id = ?", (record_id,)):
                if row["sha256"] not in still_needed:
                    path = self._file_path(row["sha256"])
                    doomed.append(temporary_name(path))
                    try:
                        path.rename(doomed[-1])
                    except FileNotFoundError:
                        doomed.pop()
        for path in doomed:
            path.unlink(missing_ok=True)

    # -- bookkeeping --------------------------------------------------------------------------

    def note(self, key: str, value: str) -> None:
        """Remember a sync event (last_push, last_pull, last_error) for diagnostics; no personal data."""
        with self._write() as db:
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       (key, value))

    def _meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def alarms(self) -> list[Alarm]:
        """Technician alarms: records near or past the retention limit, too little disk."""
        alarms = []
        oldest = self._query("SELECT MIN(created_at) AS t FROM records WHERE state IN (?, ?)", (QUEUED, SENDING))[0]["t"]
        if oldest is not None:
            age_days = (self.clock() - oldest) / 86400
            details = {"oldest_days": round(age_days, 1), "retention_days": self.retention_days}
            if age_days >= self.retention_days:
                alarms.append(Alarm("fault", "有申请超过保存期限仍未送达平台，请立即检查网络或联系平台。", details))
            elif age_days >= self.retention_days * RETENTION_WARNING_SHARE:
                alarms.append(Alarm("warning", "有申请即将超过保存期限仍未送达平台，请检查网络连接。", details))
        free_mb = shutil.disk_usage(self.root).free / MIB
        if free_mb < self.min_free_mb:
            alarms.append(Alarm("fault", "存储空间不足，终端已停止受理新申请，请清理磁盘。",
                                {"free_mb": round(free_mb), "min_free_mb": self.min_free_mb}))
        return alarms

    def stats(self) -> OutboxStats:
        counts = {state: 0 for state in STATES}
        for row in self._query("SELECT state, COUNT(*) AS n FROM records GROUP BY state"):
            counts[row["state"]] = row["n"]
        row = self._query("SELECT MIN(created_at) AS oldest, COALESCE(SUM(attachment_bytes + manifest_size), 0) AS b"
                          " FROM records WHERE state IN (?, ?)", (QUEUED, SENDING))[0]
        return OutboxStats(
            counts=counts, queued_bytes=row["b"],
            oldest_queued_age_s=None if row["oldest"] is None else round(self.clock() - row["oldest"], 1),
            last_push=self._meta("last_push"), last_pull=self._meta("last_pull"), last_error=self._meta("last_error"),
            disk_free_mb=round(shutil.disk_usage(self.root).free / MIB, 1), alarms=tuple(self.alarms()))

    def key_ids_in_use(self) -> set[str]:
        """Key ids that still seal a stored manifest or file (old keys must stay while listed here)."""
        used = {Keyring.key_id_of(row["manifest_sealed"]) for row in self._query(
            "SELECT manifest_sealed FROM records WHERE manifest_sealed IS NOT NULL")}
        for path in self.files.glob("[!.]*"):  # not temporaries, which come and go
            with open(path, "rb") as fh:
                used.add(Keyring.key_id_of(fh.read(32)))
        return used

    def verify(self) -> VerifyReport:
        """Database integrity plus every stored manifest and file opened and hashed."""
        report = VerifyReport(integrity=self._query("PRAGMA integrity_check")[0][0])
        for row in self._query("SELECT record_id, manifest_sha256 FROM records WHERE state IN (?, ?)", (QUEUED, SENDING)):
            try:
                if hashlib.sha256(self.manifest(row["record_id"])).hexdigest() != row["manifest_sha256"]:
                    report.problems.append(f"{row['record_id']}: manifest does not match its hash")
            except (SealBroken, RecordGone) as error:
                report.problems.append(f"{row['record_id']}: manifest unreadable ({error})")
            for item in self.attachments(row["record_id"]):
                report.checked_files += 1
                try:
                    self.attachment(row["record_id"], item.name)
                except (SealBroken, RecordGone, OSError) as error:
                    report.problems.append(f"{row['record_id']}/{item.name}: {error}")
        return report


def _info(row: sqlite3.Row) -> RecordInfo:
    return RecordInfo(**{name: row[name] for name in RecordInfo.__dataclass_fields__})


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
