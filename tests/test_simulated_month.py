"""A simulated month on a fake clock: the core runs 30 days without anything growing without bound.

One fake clock drives the session (idle timer and submission time), the case numbers, the event
log, the outbox and the case index through injected `clock`/`today`/`now` parameters; nothing
patches time globally. The month crosses midnight every day and a new year, the wall clock is
stepped back an hour (an NTP correction) and forward a day (a bad RTC), most cases are delivered
(purged), some wait, citizens look their cases up (which forgets old index entries) and the event
log rotates at its size cap. At the end the files, rows and folder entries are bounded by the
retention window and the caps, not by the number of days. The disk guard at 95 % full runs on a
small real file system (a tmpfs, so it needs root).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from sync.outbox import Outbox
from terminal import config as config_module, events
from terminal.case_index import CaseIndex, IndexedSink
from terminal.casenumber import CaseNumbers, parse_case_number
from terminal.errors import StorageFull
from terminal.session import Session, State
from tests.test_session import CATALOG, IDENTITY, PATH
from tests.tmpfs import tmpfs

START = datetime(2026, 12, 20, 7, 0)  # 30 days from here cross 2027-01-01
DAYS = 30
CASES_PER_DAY = 12
RETENTION_DAYS = 7
LOG_CAP = 32 * 1024
LOG_BACKUPS = 3


class FakeClock:
    """Wall-clock seconds and a monotonic clock that the test moves; the wall clock may jump."""

    def __init__(self, start: datetime) -> None:
        self.wall = start.timestamp()
        self.mono = 1000.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    def step_wall(self, seconds: float) -> None:
        """The system clock is set: the wall clock jumps, the monotonic clock does not."""
        self.wall += seconds

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.wall)

    def today(self) -> date:
        return self.now().date()

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.wall).astimezone()


class Kiosk:
    """The core of one kiosk on the fake clock: session, numbers, outbox, case index, event log."""

    def __init__(self, data_dir: Path, clock: FakeClock, min_free_mb: int = 10) -> None:
        cfg = config_module.from_dict({"terminal": {"id": "JY0101"},
                                       "storage": {"data_dir": str(data_dir), "retention_days": RETENTION_DAYS}})
        self.clock = clock
        self.numbers = CaseNumbers(data_dir, "JY0101", today=clock.today)
        self.outbox = Outbox(data_dir, min_free_mb=min_free_mb, retention_days=RETENTION_DAYS, clock=clock.time)
        self.index = CaseIndex(data_dir, RETENTION_DAYS, clock=clock.time)
        self.session = Session(cfg, CATALOG, IndexedSink(self.outbox, self.index), self.numbers,
                               ratings=self.outbox, complaints=self.outbox, clock=clock.monotonic, now=clock.now)

    def apply(self) -> str:
        """One citizen's whole application, home to receipt and back home; returns the case number."""
        for step in PATH[State.REVIEW]:
            step(self.session)
        case = self.session.submit()
        self.session.show_receipt()
        self.session.start_rating()
        self.session.finish()
        return case.case_no

    def deliver(self) -> int:
        """The platform takes everything queued (one push round)."""
        delivered = 0
        while (record := self.outbox.claim()) is not None:
            delivered += self.outbox.mark_delivered(record.record_id, f"R-{record.record_id[:8]}", "push")
        return delivered

    def close(self) -> None:
        self.numbers.close()
        self.outbox.close()
        self.index.close()


@dataclass
class Month:
    """What one simulated month left behind, for the tests below to judge."""

    data_dir: Path
    event_file: Path
    issued: list[str]
    sizes: dict[int, dict[str, int]]  # day -> file (relative) -> bytes, at the end of the day


def _file_sizes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Month]:
    clock = FakeClock(START)
    data_dir = tmp_path_factory.mktemp("month") / "data"
    event_file = data_dir / "logs" / "events-kiosk.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(events.EVENTS, "clock", clock.utc)  # the process-wide event log, on the fake clock
        events.EVENTS.configure(event_file, max_bytes=LOG_CAP, backups=LOG_BACKUPS)
        kiosk = Kiosk(data_dir, clock)
        issued: list[str] = []
        sizes: dict[int, dict[str, int]] = {}
        try:
            for day in range(DAYS):
                for n in range(CASES_PER_DAY):
                    issued.append(kiosk.apply())
                    clock.advance(50 * 60)
                    if day == 10 and n == 3:
                        clock.step_wall(-3600)  # NTP steps the clock back an hour
                    if day == 15 and n == 6:
                        clock.step_wall(86400)  # a bad RTC: a day ahead, never corrected
                kiosk.index.cases_of(IDENTITY.id_number)  # a citizen's progress lookup (forgets old entries)
                if day % 5 != 4:  # the network is down one day in five: those cases wait a day
                    kiosk.deliver()
                for _ in range(200):  # a busy day of device events fills the event log towards its cap
                    events.record(events.EventId.DEVICE_CONNECTED, device="printer")
                clock.advance(24 * 3600 - CASES_PER_DAY * 50 * 60)  # to 07:00 the next day
                sizes[day] = _file_sizes(data_dir)
        finally:
            kiosk.close()
            events.EVENTS.configure(None)
    yield Month(data_dir, event_file, issued, sizes)


OUTBOX_STORE = ("outbox/outbox.sqlite", "outbox.ledger")  # purged rows are forgotten after a week


def _growth(month: Month, name: str) -> int:
    """Bytes one file grew over the last ten days."""
    return month.sizes[DAYS - 1].get(name, 0) - month.sizes[DAYS - 11].get(name, 0)


def test_case_numbers_across_midnight_new_year_and_clock_steps(month: Month) -> None:
    issued = month.issued
    assert len(set(issued)) == len(issued) == DAYS * CASES_PER_DAY
    parsed = [parse_case_number(n) for n in issued]
    keys = [(p[1], p[2]) for p in parsed if p]
    assert keys == sorted(keys) and len(keys) == len(issued)  # in issue order, even after the clock stepped back
    assert {day.year for day, _ in keys} == {2026, 2027}
    assert keys[CASES_PER_DAY] == (date(2026, 12, 21), 1)  # a new day starts at 0001 again


def test_event_log_rotates_at_its_cap(month: Month) -> None:
    logs = sorted(month.event_file.parent.iterdir())
    assert len(logs) == LOG_BACKUPS + 1, logs
    assert sum(p.stat().st_size for p in logs) <= (LOG_BACKUPS + 1) * LOG_CAP


def test_retention_keeps_rows_and_files_bounded(month: Month) -> None:
    rows = kiosk_rows(month.data_dir / "case-index.sqlite", "SELECT COUNT(*) FROM cases")
    assert rows <= (RETENTION_DAYS + 2) * CASES_PER_DAY, rows  # +2: the clock jumped a day ahead
    live = kiosk_rows(month.data_dir / "outbox" / "outbox.sqlite",
                      "SELECT COUNT(*) FROM records WHERE manifest_sealed IS NOT NULL")
    assert live <= CASES_PER_DAY, live  # only what waits for delivery keeps its sealed data
    last = month.sizes[DAYS - 1]
    assert sum(1 for name in last if name.startswith("outbox/attachments/")) <= 3 * CASES_PER_DAY
    assert len(last) <= len(month.sizes[DAYS - 11]) + 3 * CASES_PER_DAY  # folder entries


def test_nothing_but_the_outbox_store_grows_with_the_days(month: Month) -> None:
    """Over the last ten days no file grows with the cases: logs stay under their cap, write-ahead
    logs under their limit (the counter's is cut back to 128 KB), other SQLite files within two
    pages of churn, plain files not at all."""
    for name, size in month.sizes[DAYS - 1].items():
        if name.startswith("logs/"):
            assert size <= LOG_CAP + 1024, name
        elif name.endswith("-wal"):
            assert size <= (128 * 1024 if name.startswith("case-numbers") else 4200 * 1024), (name, size)
        elif name.endswith("-shm") or name.startswith(OUTBOX_STORE) or name.startswith("outbox/attachments/"):
            continue  # the index of a WAL; the outbox store (below); sealed files (bounded in count above)
        else:
            limit = 2 * 4096 if name.endswith((".sqlite", ".sqlite3")) else 0
            assert _growth(month, name) <= limit, (name, _growth(month, name))


def test_outbox_store_does_not_grow_with_the_days(month: Month) -> None:
    grown = sum(_growth(month, name) for name in OUTBOX_STORE)
    assert grown <= 2 * 4096, grown


def kiosk_rows(path: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return int(db.execute(sql).fetchone()[0])


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MB tmpfs: a real file system that can be filled to 95 %."""
    with tmpfs(tmp_path / "disk", "size=32m,mode=0755") as mountpoint:
        yield mountpoint


def test_disk_guard_at_95_percent_then_delivery_and_cleanup(small_disk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(START)
    monkeypatch.setattr(events.EVENTS, "clock", clock.utc)
    kiosk = Kiosk(small_disk / "data", clock, min_free_mb=2)  # the guard: 2 MB of 32 MB must stay free
    first = kiosk.apply()
    total = os.statvfs(small_disk).f_blocks * os.statvfs(small_disk).f_frsize
    ballast = small_disk / "ballast"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    ballast.write_bytes(b"\0" * int(free - total * 0.05))  # 95 % full: 1.6 MB free, under the guard
    before = events.EVENTS.recent(500)  # held, so no id below is reused by a new event
    seen = {id(e) for e in before}
    for step in PATH[State.REVIEW]:
        step(kiosk.session)
    with pytest.raises(StorageFull):
        kiosk.session.submit()
    assert kiosk.session.state is State.REVIEW  # everything kept; the person can go to the window
    assert any(e.event is events.EventId.DISK_LOW for e in events.EVENTS.recent(500) if id(e) not in seen)
    assert kiosk.deliver() == 1  # delivering still works on a full disk
    kiosk.session.cancel()
    ballast.unlink()  # the technician frees the disk
    second = kiosk.apply()
    refused = parse_case_number(second)
    assert second != first and refused is not None and refused[2] == 3  # the refused try used 0002, never reused
    kiosk.close()
