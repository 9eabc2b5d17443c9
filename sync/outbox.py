"""The durable, encrypted outbox every case, rating and complaint waits in until the platform has it.

One SQLite file (WAL, synchronous=FULL, one transaction per state change) holds a row per
record; attachments are files named by the SHA-256 of their content, written temp -> fsync ->
rename -> fsync folder before the row that names them commits; the record id then goes into the
ledger (`sync.ledger`), so a lost database or record is detected, never replaced by an empty
outbox. A record moves queued -> sending -> delivered -> purged; one that cannot be opened is set
aside (quarantined: still queued, never claimed, a technician alarm) so the rest keeps flowing.
Two of these changes skip their own fsync because
start-up recovery redoes them if a power cut drops them: queued -> sending (a dead send goes back
to queued) and delivered -> purged (delivered records are purged again). Each record's manifest
and files are sealed with its own data key, stored wrapped by the key ring (`sync.keys`); once
delivered, the wrapped key, the manifest and the files are destroyed (secure_delete plus a WAL
checkpoint) and only the non-personal row stays (record id, kind, times, sizes, receipt).
A full disk keeps working for delivery and checks thanks to a reserve file released when the
outbox's own bookkeeping needs room; a read-only disk opens the outbox read-only. Push (`sync.push`) and the pull
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
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sync import manifest as wire
from sync.keys import DataKey, Keyring, KeyringFault, SealBroken
from sync.ledger import Ledger
from terminal import events
from terminal.cases import CallbackRequest, Case, Complaint, RatingRecord, Supplement
from terminal.config import Config
from terminal.errors import StorageFull, TerminalError
from terminal.safewrite import fsync_dir, remove_temporaries, temporary_name, write_atomic
from terminal.strictjson import check_receipt

log = logging.getLogger(__name__)

QUEUED, SENDING, DELIVERED, PURGED = "queued", "sending", "delivered", "purged"
STATES = (QUEUED, SENDING, DELIVERED, PURGED)
RECORD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIB = 1024 * 1024
CLAIM_LEASE_SECONDS = 900.0    # a send claimed longer ago than this is taken to have died
RETENTION_WARNING_SHARE = 0.8  # alarm once an undelivered record has used this share of retention_days
MAX_RETRY_SECONDS = 3600.0     # no failed record waits longer, even after the clock was set back
RESERVE_BYTES = 2 * MIB        # kept free for the outbox's own bookkeeping on a full disk
PURGED_KEEP_SECONDS = 7 * 86400  # a purged record's row (case number, receipt) stays this long for `outbox list`
COMPACT_EVERY_SECONDS = 3600.0   # forgetting old purged rows is batched, at most once an hour per process

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
    purged_at REAL,
    data_key BLOB,
    quarantined_at REAL,
    quarantine_reason TEXT
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


class RecordQuarantined(RecordGone):
    """The record cannot be opened (broken seal, missing file); it was set aside for a technician."""


class OutboxLost(TerminalError):
    """The outbox database is gone or unreadable while the ledger shows an outbox existed here."""

    advice_zh = "待发送队列的数据库丢失或损坏，已保存的申请可能没有送达；请不要重新安装，立即联系技术人员从备份恢复。"


class OutboxReadOnly(TerminalError):
    """The data partition is read-only: nothing can be stored or marked delivered."""

    advice_zh = "数据分区只读，终端暂时不能受理新的申请，请联系技术人员检查存储卡。"


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
    quarantine_reason: str | None

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


@dataclass(frozen=True)
class Acceptance:
    """Can the kiosk take a new case now? If not, why, in a sentence for the citizen."""

    ok: bool
    reason_zh: str = ""
    reason: str = ""


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
        self.quarantine_dir = self.root / "quarantine"
        self.reserve = self.root / "reserve"
        self.ledger = Ledger(Path(data_dir) / "outbox.ledger")
        self.min_free_mb = min_free_mb
        self.retention_days = retention_days
        self.clock = clock
        self.read_only = _read_only(Path(data_dir))
        self.lost: tuple[str, ...] = ()  # record ids the ledger names and the database does not
        self._lock = threading.RLock()
        self._compacted_at = float("-inf")
        db_path = self.root / "outbox.sqlite"
        existed = self.ledger.exists()
        if not _has_database(db_path) and (existed or any(self.files.glob("[!.]*"))):
            events.record(events.EventId.OUTBOX_LOST, problem="database missing or empty")
            raise OutboxLost(f"{db_path} is missing or empty, but the ledger or sealed files show an outbox was here")
        key_path = Path(key_file) if key_file else Path(data_dir) / "keys" / "outbox.key"
        if not self.read_only:
            self.files.mkdir(parents=True, exist_ok=True)
            if shutil.disk_usage(self.root).free < RESERVE_BYTES:
                self._release_reserve()  # opening needs room for the WAL and its index
        try:
            self._db = self._connect(db_path)
            held = self._record_ids()
        except sqlite3.DatabaseError as error:
            if self.read_only and not existed:
                raise OutboxReadOnly(f"no outbox yet and the data partition is read-only ({error})") from None
            if _is_disk_full(error) or shutil.disk_usage(self.root.parent).free < RESERVE_BYTES:
                raise StorageFull(f"the data partition is full; the outbox cannot open ({error})",
                                  advice_zh="数据分区已满，待发送队列无法打开；请联系技术人员清理磁盘空间。") from None
            events.record(events.EventId.OUTBOX_LOST, problem=type(error).__name__)
            raise OutboxLost(f"{db_path} cannot be read ({error})") from None
        if existed or held:
            self.keys = Keyring(key_path)  # never silently made anew where sealed data exists or existed
        else:
            self.keys = Keyring.create(key_path)
        self._check_keys()
        if self.read_only or not existed:
            self._reconcile(existed)
        if not self.read_only:
            self.recover()

    def _connect(self, db_path: Path) -> sqlite3.Connection:
        if self.read_only:
            # WAL needs its -shm index; without one (a clean shutdown) the file alone is the whole truth.
            mode = "ro" if Path(f"{db_path}-wal").exists() else "ro&immutable=1"
            db = sqlite3.connect(f"file:{db_path}?mode={mode}", uri=True, isolation_level=None,
                                 check_same_thread=False, timeout=30)
            db.row_factory = sqlite3.Row
            return db
        db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, timeout=30)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA secure_delete=ON")  # freed bytes are zeroed: a purged record leaves nothing behind
        db.executescript(SCHEMA)
        columns = {row["name"] for row in db.execute("PRAGMA table_info(records)")}
        for column, kind in (("data_key", "BLOB"), ("quarantined_at", "REAL"), ("quarantine_reason", "TEXT")):
            if column not in columns:  # an outbox from before per-record keys and quarantine
                db.execute(f"ALTER TABLE records ADD COLUMN {column} {kind}")
        return db

    def _check_keys(self) -> None:
        """The key file must hold every key the stored records use, and the same keys as before
        (check values kept in the database): a wrong or older key file is a fault, not a slow trickle
        of unreadable records."""
        missing = self.key_ids_in_use() - set(self.keys.key_ids)
        if missing:
            raise KeyringFault(f"key file {self.keys.path} lacks key(s) {', '.join(sorted(missing))} the outbox uses")
        known = {row["key"][4:]: row["value"] for row in self._query("SELECT key, value FROM meta WHERE key LIKE 'key:%'")}
        changed = [kid for kid, check in known.items() if self.keys.fingerprints.get(kid, check) != check]
        if changed:
            raise KeyringFault(f"key file {self.keys.path} holds different key(s) {', '.join(sorted(changed))}"
                               " than the outbox sealed with")
        for kid in set(self.keys.key_ids) - set(known):
            if not self.read_only:
                self.note(f"key:{kid}", self.keys.fingerprints[kid])

    def _reconcile(self, existed: bool) -> None:
        """Compare the ledger with the database: ids missing from the database are lost cases;
        ids missing from the ledger (a crash between commit and append, an older outbox) are added.
        The ledger is read first: a submit in another process appends only after its commit."""
        if not existed:
            if not self.read_only:
                self.ledger.create(sorted(self._record_ids()))
            return
        try:
            known = self.ledger.record_ids(repair=not self.read_only)
        except ValueError:
            # Only the check is gone, no case: keep the damaged file for the technician, start again from the database.
            log.error("outbox.ledger_damaged path=%s", self.ledger.path)
            events.record(events.EventId.OUTBOX_LOST, problem="ledger damaged; rebuilt from the database")
            if not self.read_only:
                self.ledger.path.replace(self.ledger.path.with_name(f"{self.ledger.path.name}.damaged"))
                self.ledger.create(sorted(self._record_ids()))
            return
        except OSError as error:
            raise OutboxLost(f"the outbox ledger {self.ledger.path} cannot be read ({error.strerror})") from None
        held = self._record_ids()
        reported = self.lost
        self.lost = tuple(sorted(known - held))
        if held - known and not self.read_only:
            self.ledger.append(sorted(held - known))
        if self.lost and self.lost != reported:
            log.error("outbox.lost records=%d first=%s", len(self.lost), self.lost[0])
            events.record(events.EventId.OUTBOX_LOST, problem="records missing from the database",
                          records=len(self.lost), first=self.lost[0])

    @classmethod
    def from_config(cls, config: Config) -> Outbox:
        return cls(config.storage.data_dir, min_free_mb=config.storage.min_free_mb,
                   retention_days=config.storage.retention_days)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def _write(self, *, repaired_by_recover: bool = False, bookkeeping: bool = True) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: the state change is on disk when this block exits.

        Bookkeeping (everything but storing a new record) may use the reserve: on a full disk the
        reserve file is released first, so delivering, purging and requeueing still work.

        `repaired_by_recover=True` is for changes whose loss `recover()` undoes the same way at start
        (queued -> sending, delivered -> purged): they commit without their own fsync (WAL,
        synchronous=NORMAL). A process crash keeps them all the same (the WAL is in the page cache);
        a power cut may drop the latest of them, never an earlier FULL commit, and the next FULL
        commit (a receipt) makes them durable too.
        """
        if self.read_only:
            raise OutboxReadOnly("the data partition is read-only")
        if bookkeeping and self.reserve.exists() and shutil.disk_usage(self.root).free < RESERVE_BYTES:
            self._release_reserve()
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
        """Undo what a crash left: dead sends go back to queued, delivered data is purged, temp files go,
        unknown files are set aside; then the disk reserve is made again if there is room."""
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
        self._reconcile(True)
        self._sweep()
        self._keep_reserve()

    def _sweep(self) -> None:
        """Delete files no record can ever need: a purged record's (a crash mid-purge), a superseded
        copy, or one of a submit killed before its commit (sealed with a data key that exists nowhere:
        its id is in neither the database nor the ledger). Move every other unaccounted file -- one of
        a record the ledger names but the database lost, or one nobody can place -- to the
        quarantine folder, with an event: nothing that may be a citizen's scan is deleted unaccounted.

        Runs under the write lock; a submit in another process re-checks its files inside its own
        transaction and rewrites any that vanished, so sweeping never costs it a file.
        """
        moved: list[str] = []
        committed = self.ledger.record_ids(repair=False)
        with self._write() as db:
            keep: set[str] = set()
            known: set[str] = set()  # the ids and content hashes of every stored record's files
            for row in db.execute("SELECT a.record_id, a.sha256, r.state, r.data_key FROM attachments a"
                                  " JOIN records r USING (record_id)"):
                if row["state"] in (QUEUED, SENDING):
                    keep.add(self._file_path(row["record_id"], row["sha256"], row["data_key"]).name)
                known.update((row["record_id"], row["sha256"]))
            for path in self.files.glob("[!.]*"):
                record_id = path.name.rpartition(".")[0]
                if path.name in keep:
                    continue
                if record_id in known or path.name in known or (
                        RECORD_ID.match(record_id) and record_id not in committed):
                    path.unlink(missing_ok=True)
                else:
                    self.quarantine_dir.mkdir(exist_ok=True)
                    path.rename(self.quarantine_dir / path.name)
                    moved.append(path.name)
        if moved:
            fsync_dir(self.quarantine_dir)
            fsync_dir(self.files)
            log.warning("outbox.files_quarantined count=%d", len(moved))
            events.record(events.EventId.FILES_QUARANTINED, files=len(moved), folder=str(self.quarantine_dir))

    def _record_ids(self) -> set[str]:
        return {row["record_id"] for row in self._query("SELECT record_id FROM records")}

    def _keep_reserve(self) -> None:
        """Make the reserve file when the disk has room for it twice over."""
        if self.reserve.exists() or shutil.disk_usage(self.root).free < 2 * RESERVE_BYTES:
            return
        fd = os.open(self.reserve, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.posix_fallocate(fd, 0, RESERVE_BYTES)
            os.fsync(fd)
        except OSError:
            os.close(fd)
            self.reserve.unlink(missing_ok=True)
            return
        os.close(fd)

    def _release_reserve(self) -> None:
        if self.reserve.exists():
            self.reserve.unlink()
            log.warning("outbox.reserve_released free_mb=%d", shutil.disk_usage(self.root).free // MIB)

    # -- submit -------------------------------------------------------------------------------

    def submit(self, case: Case) -> None:
        """Freeze and store a case; returns once it is durable. Raises StorageFull or RecordConflict."""
        self._store(wire.from_case(case))

    def add_rating(self, rating: RatingRecord) -> None:
        self._store(wire.from_rating(rating))

    def add_complaint(self, complaint: Complaint) -> None:
        self._store(wire.from_complaint(complaint))

    def add_supplement(self, supplement: Supplement) -> None:
        """补交材料: sealed and delivered like a case (its scans are personal data), once, by its number."""
        self._store(wire.from_supplement(supplement))
    def add_callback(self, request: CallbackRequest) -> None:
        self._store(wire.from_callback(request))

    def _file_path(self, record_id: str, sha256: str, wrapped_key: bytes | None) -> Path:
        """Where a record's file lives. One flat folder (one folder fsync per submit); the name is
        tied to the record's wrapped data key, so two processes storing the same record never
        overwrite each other's files. Records from before per-record keys (`wrapped_key` None)
        kept one file per content hash."""
        if wrapped_key is None:
            return self.files / sha256
        return self.files / f"{record_id}.{hashlib.sha256(wrapped_key + sha256.encode('ascii')).hexdigest()[:40]}"

    def _check_space(self, needed: int) -> None:
        acceptance = self.can_accept(needed)
        if not acceptance.ok:
            log.warning("outbox.refused reason=%s", acceptance.reason)
            events.record(events.EventId.DISK_LOW, problem=acceptance.reason, min_free_mb=self.min_free_mb,
                          free_mb=shutil.disk_usage(self.root.parent).free // MIB)
            if self.read_only:
                raise OutboxReadOnly(acceptance.reason)
            raise StorageFull(acceptance.reason)

    def can_accept(self, needed: int = 0) -> Acceptance:
        """Can a new case (of `needed` bytes) be stored now? The kiosk asks before a citizen starts."""
        if self.read_only:
            return Acceptance(False, OutboxReadOnly.advice_zh, "the data partition is read-only")
        if not self.reserve.exists():
            self._keep_reserve()
        free = shutil.disk_usage(self.root).free
        if free - needed < self.min_free_mb * MIB or not self.reserve.exists():
            return Acceptance(False, StorageFull.advice_zh,
                              f"only {free // MIB} MB free, {self.min_free_mb} MB and the outbox reserve must stay free")
        return Acceptance(True)

    def _store(self, record: wire.Outgoing) -> None:
        if not RECORD_ID.match(record.record_id):
            raise ValueError(f"record id {record.record_id!r} has characters the protocol does not allow")
        existing = self._query("SELECT manifest_sha256 FROM records WHERE record_id = ?", (record.record_id,))
        if existing:
            if existing[0]["manifest_sha256"] != record.manifest_sha256:
                raise RecordConflict(f"record {record.record_id} already stored with different content")
            return  # the same content again (a retried submit): nothing to do
        self._check_space(len(record.manifest) + sum(len(a.data) for a in record.attachments))
        data_key, wrapped = self.keys.new_data_key(record.record_id)
        created: list[Path] = []
        try:
            for _ in range(3):
                self._write_files(record, data_key, wrapped, created)
                stored = self._insert(record, data_key, wrapped)
                if stored is not None:
                    break
            else:
                raise OSError(errno.EAGAIN, "attachment files kept vanishing during submit")
        except BaseException as error:
            _discard(created)
            if _is_disk_full(error):
                log.warning("outbox.refused reason=write_failed record=%s", record.record_id)
                events.record(events.EventId.DISK_LOW, record=record.record_id, problem="write failed: disk full")
                raise StorageFull(f"the disk is full: {error}") from None
            raise
        if not stored:  # another process stored the same record first: its files are the ones named
            _discard(created)
            return
        try:
            self.ledger.append([record.record_id])
        except OSError as error:  # the record is stored; the next recover() adds it to the ledger
            log.warning("outbox.ledger_behind record=%s problem=%s", record.record_id, type(error).__name__)
        log.info("outbox.queued record=%s kind=%s files=%d", record.record_id, record.kind, len(record.attachments))

    def _write_files(self, record: wire.Outgoing, data_key: DataKey, wrapped: bytes, written: list[Path]) -> None:
        """Seal and durably write the files not already stored, adding each to `written` as it lands."""
        for attachment in record.attachments:
            path = self._file_path(record.record_id, attachment.sha256, wrapped)
            if not path.exists():
                write_atomic(path, data_key.seal(attachment.data, attachment.sha256.encode("ascii")), sync_folder=False)
                written.append(path)
        if written:
            fsync_dir(self.files)  # the renames are durable before the row naming them commits

    def _insert(self, record: wire.Outgoing, data_key: DataKey, wrapped: bytes) -> bool | None:
        """Commit the row: True when stored, False when another process stored the same record first,
        None when a sweep removed one of our files meanwhile (write them again)."""
        with self._write(bookkeeping=False) as db:
            twin = db.execute("SELECT manifest_sha256 FROM records WHERE record_id = ?", (record.record_id,)).fetchone()
            if twin is not None:
                if twin["manifest_sha256"] != record.manifest_sha256:
                    raise RecordConflict(f"record {record.record_id} already stored with different content")
                return False
            if not all(self._file_path(record.record_id, a.sha256, wrapped).exists() for a in record.attachments):
                return None
            db.execute(
                "INSERT INTO records (record_id, kind, summary, state, created_at, manifest_sha256, manifest_size,"
                " manifest_sealed, attachment_count, attachment_bytes, data_key) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (record.record_id, record.kind, record.summary, QUEUED, self.clock(), record.manifest_sha256,
                 len(record.manifest), data_key.seal(record.manifest, record.record_id.encode("ascii")),
                 len(record.attachments), sum(len(a.data) for a in record.attachments), wrapped))
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
        """Records not yet acknowledged (and not set aside), in submit order, after a pull cursor."""
        rows = self._query("SELECT * FROM records WHERE state IN (?, ?) AND quarantined_at IS NULL AND seq > ?"
                           " ORDER BY seq LIMIT ?", (QUEUED, SENDING, after_seq, limit))
        return [_info(row) for row in rows]

    def attachments(self, record_id: str) -> list[AttachmentInfo]:
        rows = self._query("SELECT name, sha256, size, content_type FROM attachments WHERE record_id = ? ORDER BY name",
                           (record_id,))
        return [AttachmentInfo(**dict(row)) for row in rows]

    def manifest(self, record_id: str) -> bytes:
        """The record's canonical manifest (personal data: never log it). A record whose manifest
        cannot be opened is quarantined (RecordQuarantined)."""
        try:
            return self._open_manifest(record_id)
        except SealBroken as error:
            raise self.quarantine(record_id, f"manifest unreadable: {error}") from None

    def attachment(self, record_id: str, name: str) -> bytes:
        """An attachment's bytes, checked against its hash; a broken or missing file quarantines the record."""
        try:
            return self._open_attachment(record_id, name)
        except FileNotFoundError:
            if self._live(record_id):
                raise self.quarantine(record_id, f"attachment {name} is missing") from None
            raise RecordGone(f"attachment {name} of {record_id} was purged") from None
        except SealBroken as error:
            raise self.quarantine(record_id, f"attachment {name} unreadable: {error}") from None

    def _live(self, record_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM records WHERE record_id = ? AND state IN (?, ?)",
                                (record_id, QUEUED, SENDING)))

    def _opener(self, record_id: str, wrapped: bytes | None) -> DataKey | Keyring:
        """The record's own data key; records sealed before per-record keys open with the ring."""
        return self.keys if wrapped is None else self.keys.unwrap(wrapped, record_id)

    def _open_manifest(self, record_id: str) -> bytes:
        rows = self._query("SELECT state, manifest_sealed, data_key FROM records WHERE record_id = ?", (record_id,))
        if not rows or rows[0]["state"] not in (QUEUED, SENDING):
            raise RecordGone(f"record {record_id} is no longer in the outbox")
        if rows[0]["manifest_sealed"] is None:
            raise SealBroken("the sealed manifest is missing")
        return self._opener(record_id, rows[0]["data_key"]).open(rows[0]["manifest_sealed"], record_id.encode("ascii"))

    def _open_attachment(self, record_id: str, name: str) -> bytes:
        rows = self._query("SELECT a.sha256, r.data_key FROM attachments a JOIN records r USING (record_id)"
                           " WHERE a.record_id = ? AND a.name = ? AND r.state IN (?, ?)",
                           (record_id, name, QUEUED, SENDING))
        if not rows:
            raise RecordGone(f"attachment {name} of {record_id} is no longer in the outbox")
        sha, wrapped = rows[0]["sha256"], rows[0]["data_key"]
        blob = self._file_path(record_id, sha, wrapped).read_bytes()
        data = self._opener(record_id, wrapped).open(blob, sha.encode("ascii"))
        if hashlib.sha256(data).hexdigest() != sha:
            raise SealBroken(f"attachment {name} of {record_id} does not match its hash")
        return data

    def quarantine(self, record_id: str, reason: str) -> RecordQuarantined:
        """Set a record that cannot be opened aside: never claimed or listed for pull again until a
        technician releases it, an event and a fault alarm meanwhile. Returns the error to raise."""
        try:
            with self._write() as db:
                db.execute("UPDATE records SET state = ?, claimed_by = NULL, claimed_at = NULL, quarantined_at = ?,"
                           " quarantine_reason = ? WHERE record_id = ? AND state IN (?, ?) AND quarantined_at IS NULL",
                           (QUEUED, self.clock(), reason[:300], record_id, QUEUED, SENDING))
        except OutboxReadOnly:
            pass  # nothing can be recorded; the record stays as it is and the next open finds it again
        log.error("outbox.quarantined record=%s problem=%s", record_id, reason)
        events.record(events.EventId.RECORD_QUARANTINED, record=record_id, problem=reason)
        return RecordQuarantined(f"record {record_id} set aside: {reason}",
                                 advice_zh="该申请的数据已损坏，已隔离，请联系技术人员。")

    def release_quarantine(self, record_id: str) -> bool:
        """After the cause is repaired (e.g. the right key restored): queue the record again."""
        with self._write() as db:
            changed = db.execute("UPDATE records SET quarantined_at = NULL, quarantine_reason = NULL, next_attempt_at = 0"
                                 " WHERE record_id = ? AND quarantined_at IS NOT NULL", (record_id,)).rowcount
        return changed > 0

    # -- sending ------------------------------------------------------------------------------

    def claim(self, record_id: str | None = None, skip: Collection[str] = ()) -> RecordInfo | None:
        """Take the next due queued record (or a named one) for sending: queued -> sending.

        `skip` names records already tried in this round, so one round tries each record once.
        """
        now = self.clock()
        with self._write(repaired_by_recover=True) as db:  # a lost claim is a record `recover()` requeues
            if record_id is None:
                # A retry time further ahead than the longest backoff was set by a clock that ran ahead: due now.
                row = db.execute(f"SELECT * FROM records WHERE state = ? AND quarantined_at IS NULL"
                                 f" AND (next_attempt_at <= ? OR next_attempt_at > ?) AND record_id NOT IN"
                                 f" ({','.join('?' * len(skip))}) ORDER BY seq LIMIT 1",
                                 (QUEUED, now, now + MAX_RETRY_SECONDS, *skip)).fetchone()
            else:
                row = db.execute("SELECT * FROM records WHERE state = ? AND record_id = ? AND quarantined_at IS NULL",
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
                       (QUEUED, error[:300], self.clock() + min(retry_in, MAX_RETRY_SECONDS), record_id, SENDING))
        self.note("last_error", error[:300])

    def next_due_in(self) -> float | None:
        """Seconds until the earliest queued record may be tried, None when nothing is queued."""
        rows = self._query("SELECT MIN(next_attempt_at) AS due FROM records WHERE state = ? AND quarantined_at IS NULL",
                           (QUEUED,))
        due = rows[0]["due"]
        if due is None:
            return None
        wait = due - self.clock()
        return 0.0 if wait > MAX_RETRY_SECONDS else max(0.0, wait)

    def mark_delivered(self, record_id: str, receipt: str, via: str, manifest_sha256: str | None = None) -> bool:
        """Record the platform's receipt and purge the personal data. False if it was already delivered.

        With `manifest_sha256`, a receipt for different content (a confused platform) is refused; a
        receipt that is not 1-200 printable characters is refused too (ReceiptInvalid), never cut.
        """
        check_receipt(receipt)
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
                       (DELIVERED, self.clock(), via, receipt, record_id))
        log.info("outbox.delivered record=%s via=%s", record_id, via)
        self._purge(record_id)
        return True

    def _purge(self, record_id: str) -> None:
        """delivered -> purged: destroy the record's wrapped data key and sealed manifest, delete its files.

        secure_delete zeroes the freed bytes and the TRUNCATE checkpoint writes the zeroed pages over
        the old ones and empties the WAL, so neither the database nor its WAL keeps anything that the
        key ring could open (crypto-shredding); the files are deleted and their blocks hold ciphertext
        under a key that no longer exists. The files leave their names inside the transaction, under
        the write lock, and are unlinked after the commit (freeing blocks takes milliseconds). Neither
        the commit nor the unlinks are fsync'd: after a power cut the row is still delivered, and
        `recover()` purges it again.
        """
        doomed: list[Path] = []
        with self._write(repaired_by_recover=True) as db:
            row = db.execute("SELECT data_key FROM records WHERE record_id = ? AND state = ?",
                             (record_id, DELIVERED)).fetchone()
            if row is None:
                return
            wrapped = row["data_key"]
            db.execute("UPDATE records SET state = ?, manifest_sealed = NULL, data_key = NULL, purged_at = ?"
                       " WHERE record_id = ?", (PURGED, self.clock(), record_id))
            still_needed = {r["sha256"] for r in db.execute(  # only files of records from before per-record keys are shared
                "SELECT a.sha256 FROM attachments a JOIN records r USING (record_id)"
                " WHERE r.state IN (?, ?) AND r.data_key IS NULL", (QUEUED, SENDING))} if wrapped is None else set()
            for r in db.execute("SELECT sha256 FROM attachments WHERE record_id = ?", (record_id,)):
                if r["sha256"] not in still_needed:
                    path = self._file_path(record_id, r["sha256"], wrapped)
                    doomed.append(temporary_name(path))
                    try:
                        path.rename(doomed[-1])
                    except FileNotFoundError:
                        doomed.pop()
        for path in doomed:
            path.unlink(missing_ok=True)
        if self.clock() - self._compacted_at >= COMPACT_EVERY_SECONDS:
            self.forget_purged()
        self._checkpoint()

    def forget_purged(self) -> int:
        """Drop purged records older than PURGED_KEEP_SECONDS: their rows, attachment rows and ledger
        lines, so a kiosk that runs for years keeps an outbox the size of a week's cases.

        The ledger is rewritten first: an id the database still holds but the ledger lacks is added
        back at the next open, whereas the reverse order would, after a crash between the two steps,
        read as lost cases. Returns how many records were forgotten.
        """
        self._compacted_at = self.clock()
        cutoff = self._compacted_at - PURGED_KEEP_SECONDS
        old = [row["record_id"] for row in self._query(
            "SELECT record_id FROM records WHERE state = ? AND purged_at < ?", (PURGED, cutoff))]
        if not old:
            return 0
        with self._lock:
            self.ledger.create(sorted(self.ledger.record_ids() - set(old)))
        with self._write(repaired_by_recover=True) as db:
            db.executemany("DELETE FROM attachments WHERE record_id = ?", [(rid,) for rid in old])
            db.executemany("DELETE FROM records WHERE record_id = ? AND state = ?", [(rid, PURGED) for rid in old])
        log.info("event=outbox.forgotten records=%d keep_days=%d", len(old), PURGED_KEEP_SECONDS // 86400)
        return len(old)

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and empty it; a reader in another process may make it wait
        for the next purge, which then overwrites the old pages."""
        with self._lock:
            busy = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            log.info("outbox.checkpoint_deferred reason=busy")

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
        """Technician alarms: lost or quarantined records, unaccounted files, records near or past the
        retention limit, a read-only or full disk."""
        alarms = []
        if self.lost:
            alarms.append(Alarm("fault", f"有 {len(self.lost)} 件已受理的申请在待发送队列中丢失，请立即联系技术人员从备份恢复。",
                                {"lost_records": list(self.lost[:20]), "lost_count": len(self.lost)}))
        quarantined = [row["record_id"] for row in self._query(
            "SELECT record_id FROM records WHERE quarantined_at IS NOT NULL AND state IN (?, ?)", (QUEUED, SENDING))]
        if quarantined:
            alarms.append(Alarm("fault", f"有 {len(quarantined)} 件申请的数据无法读取，已隔离，不会自动提交，请联系技术人员。",
                                {"quarantined_records": quarantined[:20], "quarantined_count": len(quarantined)}))
        stray = [p.name for p in self.quarantine_dir.glob("*")] if self.quarantine_dir.is_dir() else []
        if stray:
            alarms.append(Alarm("warning", f"有 {len(stray)} 个无法对应到申请的文件已移入隔离目录，请联系技术人员检查。",
                                {"quarantine_folder": str(self.quarantine_dir), "files": len(stray)}))
        damaged = self.ledger.path.with_name(f"{self.ledger.path.name}.damaged")
        if damaged.exists():
            alarms.append(Alarm("warning", "待发送队列的账本文件损坏，已按数据库重建；请联系技术人员核对是否有申请丢失。",
                                {"damaged_ledger": str(damaged)}))
        if self.read_only:
            alarms.append(Alarm("fault", "数据分区只读，终端不能保存新的申请，也不能记录已送达的申请，请联系技术人员检查存储卡。",
                                {"data_dir": str(self.root.parent)}))
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
        used = {Keyring.key_id_of(row["sealed"]) for row in self._query(
            "SELECT COALESCE(data_key, manifest_sealed) AS sealed FROM records WHERE manifest_sealed IS NOT NULL")}
        for row in self._query("SELECT DISTINCT a.sha256 FROM attachments a JOIN records r USING (record_id)"
                               " WHERE r.data_key IS NULL AND r.state IN (?, ?)", (QUEUED, SENDING)):
            try:  # a file sealed with the ring itself, from before per-record keys
                with open(self._file_path("", row["sha256"], None), "rb") as fh:
                    used.add(Keyring.key_id_of(fh.read(32)))
            except FileNotFoundError:
                pass  # verify reports it; reading the record quarantines it
        return used

    def verify(self) -> VerifyReport:
        """Database integrity, records the ledger names but the database lost, quarantined records,
        and every stored manifest and file opened and hashed. Changes nothing."""
        report = VerifyReport(integrity=self._query("PRAGMA integrity_check")[0][0])
        report.problems.extend(f"{rid}: lost (named in the ledger, missing from the database)" for rid in self.lost)
        for row in self._query("SELECT record_id, manifest_sha256, quarantine_reason FROM records WHERE state IN (?, ?)",
                               (QUEUED, SENDING)):
            rid = row["record_id"]
            if row["quarantine_reason"]:
                report.problems.append(f"{rid}: quarantined ({row['quarantine_reason']})")
            try:
                if hashlib.sha256(self._open_manifest(rid)).hexdigest() != row["manifest_sha256"]:
                    report.problems.append(f"{rid}: manifest does not match its hash")
            except (SealBroken, RecordGone) as error:
                report.problems.append(f"{rid}: manifest unreadable ({error})")
            for item in self.attachments(rid):
                report.checked_files += 1
                try:
                    self._open_attachment(rid, item.name)
                except (SealBroken, RecordGone, OSError) as error:
                    report.problems.append(f"{rid}/{item.name}: {error}")
        return report


def _info(row: sqlite3.Row) -> RecordInfo:
    return RecordInfo(**{name: row[name] for name in RecordInfo.__dataclass_fields__})


def _discard(paths: list[Path]) -> None:
    """Remove files a failed or superseded submit wrote: their names belong to its data key alone."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:  # the original error is the one to report
            log.warning("outbox.cleanup_failed problem=%s", type(error).__name__)


def _has_database(path: Path) -> bool:
    """A database file with content (SQLite writes its header at creation, before any WAL)."""
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def _read_only(folder: Path) -> bool:
    """Is the data folder on a read-only file system (or not writable for us)?"""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)
    except OSError:
        return False


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
