"""The event log: structured events with stable, documented IDs (docs/events.md).

Events go to the standard `logging` tree (so the journal gets them under systemd), to a
rotating JSON-lines file when `configure()` names one, and to an in-memory ring buffer that the
diagnostics screen and the readiness report show. Field values that look like personal data
(ID numbers, mobile numbers) are replaced before anything is written: a guard, not a licence.
"""

from __future__ import annotations

import collections
import json
import logging
import logging.handlers
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

logger = logging.getLogger("terminal.events")


class EventId(str, Enum):
    """Stable event IDs; never renumber, only add. The text is the English meaning."""

    meaning: str  # set by __new__ on every member

    def __new__(cls, code: str, meaning: str) -> EventId:
        member = str.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member

    TERMINAL_STARTED = ("E1000", "terminal process started")
    TERMINAL_STOPPING = ("E1001", "terminal process stopping")
    DEVICE_CONNECTED = ("E2001", "device connected")
    DEVICE_LOST = ("E2002", "device lost")
    DEVICE_BACK = ("E2003", "device back after a loss")
    DEVICE_FAULT = ("E2004", "device reports a fault")
    PRINT_FAILED = ("E2010", "receipt not printed")
    PAPER_NEAR_END = ("E2011", "printer paper near end")
    PAPER_OUT = ("E2012", "printer out of paper")
    CARD_READ = ("E2020", "ID card read (card type only)")
    CARD_READ_FAILED = ("E2021", "ID card could not be read")
    SESSION_STARTED = ("E3001", "citizen session started")
    SESSION_WIPED = ("E3002", "citizen session wiped (idle, cancel or finish)")
    CASE_SUBMITTED = ("E3003", "case submitted to the outbox")
    RECEIPT_PRINTED = ("E3004", "receipt printed")
    RECEIPT_ON_SCREEN = ("E3005", "receipt shown on screen instead of paper")
    RATING_RECORDED = ("E3006", "好差评 rating recorded")
    COMPLAINT_FILED = ("E3007", "complaint filed")
    HELP_REQUESTED = ("E3008", "assistance requested")
    SUPPLEMENT_SUBMITTED = ("E3011", "补交材料 for a submitted case stored in the outbox")
    NOTICE_PRINTED = ("E3012", "受理通知书 or 退件告知书 printed at a progress query")
    CASE_COUNTER_RECOVERED = ("E3020", "case-number counter rebuilt from its copy after loss or damage")
    CASE_DELIVERED = ("E4001", "case delivered to the platform")
    PUSH_FAILED = ("E4002", "push to the platform failed")
    PULL_ACKNOWLEDGED = ("E4003", "case acknowledged by a pulling server")
    CATALOG_UPDATED = ("E4004", "signed catalog update accepted")
    CATALOG_REFUSED = ("E4005", "catalog update refused")
    RETENTION_ALARM = ("E4006", "undelivered case nears the retention limit")
    DISK_LOW = ("E4007", "free disk below the guard; new cases refused")
    OUTBOX_LOST = ("E4020", "outbox database or records lost (the ledger names more than the database holds)")
    RECORD_QUARANTINED = ("E4021", "outbox record cannot be opened; set aside for a technician")
    FILES_QUARANTINED = ("E4022", "outbox files no record accounts for moved to the quarantine folder")
    TECH_LOGIN = ("E5001", "technician logged in")
    TECH_LOGIN_FAILED = ("E5002", "technician login failed")
    TECH_LOCKOUT = ("E5003", "technician entry locked after failures")
    TECH_LOGOUT = ("E5004", "technician left diagnostics mode")
    SELF_TEST = ("E5005", "device self-test run")
    REPORT_EXPORTED = ("E5006", "readiness report written")


# 18-character resident ID numbers and 11-digit mainland mobile numbers, anywhere in a value.
_PERSONAL = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|1[3-9][0-9]{9})(?![0-9])")


def scrub(value: Any) -> Any:
    """Replace anything that looks like an ID or phone number; keep other values as they are."""
    if isinstance(value, str):
        return _PERSONAL.sub("[redacted]", value)
    return value


@dataclass(frozen=True)
class Event:
    """One recorded event."""

    at: datetime
    event: EventId
    fields: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(timespec="seconds"), "id": self.event.value,
                "event": self.event.meaning, **self.fields}


class EventLog:
    """The process-wide log of recent events (a bounded ring) plus an optional file."""

    def __init__(self, capacity: int = 500, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.clock = clock  # injectable: the simulated-month test runs the event log on a fake clock
        self._recent: collections.deque[Event] = collections.deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._file: logging.Logger | None = None

    def configure(self, path: Path | None, max_bytes: int = 1_000_000, backups: int = 5) -> None:
        """Also write JSON lines to `path`, rotated at `max_bytes` (spares the SD card)."""
        if path is None:
            self._file = None
            return
        file_logger = logging.getLogger(f"terminal.events.file.{path}")
        file_logger.propagate = False
        if not file_logger.handlers:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                                               encoding="utf-8")
            except OSError as error:  # a read-only or full data partition: keep the ring, say why once
                logger.error("events.file_unavailable problem=%s", type(error).__name__)
                self._file = None
                return
            file_logger.addHandler(handler)
        file_logger.setLevel(logging.INFO)
        self._file = file_logger

    def record(self, event: EventId, **fields: Any) -> Event:
        entry = Event(self.clock(), event, {k: scrub(v) for k, v in fields.items()})
        with self._lock:
            self._recent.append(entry)
        line = json.dumps(entry.to_json(), ensure_ascii=False, default=str)
        logger.info("%s %s", event.value, line)
        if self._file is not None:
            self._file.info(line)
        return entry

    def recent(self, limit: int = 50) -> list[Event]:
        with self._lock:
            return list(self._recent)[-limit:]


EVENTS = EventLog()
record = EVENTS.record
