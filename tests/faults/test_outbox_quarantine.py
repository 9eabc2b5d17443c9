"""One record that cannot be opened is set aside; `sync serve` keeps delivering and serving the rest."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import requests

from sync.auth import make_token
from sync.outbox import Outbox, RecordQuarantined
from sync.service import SyncService
from terminal import config as config_module, events
from tests.faults.conftest import run_terminal, write_config
from tests.sync.conftest import Central, free_port
from tests.sync.helpers import SECRET, TERMINAL_ID, make_case, stored_file, write_secret


def _flip_last_byte(blob: bytes) -> bytes:
    return blob[:-1] + bytes([blob[-1] ^ 0xFF])


@pytest.mark.parametrize("damage", ["sealed file", "manifest"])
def test_sync_serve_quarantines_a_broken_record_and_delivers_the_rest(tmp_path: Path, central: Central,
                                                                     damage: str) -> None:
    port = free_port()
    secret = write_secret(tmp_path / "secret")
    config = config_module.from_dict({
        "terminal": {"id": TERMINAL_ID}, "storage": {"data_dir": str(tmp_path / "data"), "min_free_mb": 10},
        "platform": {"url": central.url, "credentials": str(secret), "push_interval_seconds": 1},
        "sync_api": {"listen": f"127.0.0.1:{port}", "credentials": str(secret)}})
    outbox = Outbox.from_config(config)
    cases = [make_case(n) for n in range(4)]
    for case in cases:
        outbox.submit(case)
    broken = cases[1].case_no
    if damage == "sealed file":
        victim = stored_file(outbox, broken, "m01-p02.jpg")
        victim.write_bytes(_flip_last_byte(victim.read_bytes()))
    else:
        db = sqlite3.connect(outbox.root / "outbox.sqlite")
        sealed = db.execute("SELECT manifest_sealed FROM records WHERE record_id = ?", (broken,)).fetchone()[0]
        db.execute("UPDATE records SET manifest_sealed = ? WHERE record_id = ?", (_flip_last_byte(sealed), broken))
        db.commit()
        db.close()
    before = len(events.EVENTS.recent(500))
    service = SyncService(config, outbox)
    done = threading.Event()
    service_errors: list[BaseException] = []

    def tick() -> None:
        if outbox.stats().counts["purged"] == 3:
            done.set()

    def serve() -> None:
        try:
            service.run(tick)
        except BaseException as error:
            service_errors.append(error)

    runner = threading.Thread(target=serve)
    runner.start()
    try:
        assert done.wait(30), outbox.records()
        listing = requests.get(f"http://127.0.0.1:{port}/v1/outbox", timeout=5,
                               headers={"Authorization": f"Bearer {make_token(SECRET, TERMINAL_ID)}"})
        assert listing.status_code == 200 and listing.json()["records"] == []  # the pull API is up, without it
        assert runner.is_alive()
    finally:
        service.stop.set()
        runner.join(10)
    assert service_errors == []
    assert set(central.store.completed()) == {c.case_no for c in cases} - {broken}
    info = outbox.record(broken)
    assert info.state == "queued" and info.quarantine_reason
    assert outbox.claim() is None and outbox.next_due_in() is None  # not retried in a loop
    assert any(a.level == "fault" and "隔离" in a.summary_zh for a in outbox.alarms())
    assert not outbox.verify().ok
    assert events.EventId.RECORD_QUARANTINED in [e.event for e in events.EVENTS.recent(500)[before:]]


def test_a_repaired_record_is_released_from_quarantine(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "data", min_free_mb=10)
    case = make_case(7)
    outbox.submit(case)
    victim = stored_file(outbox, case.case_no, "m01-p01.jpg")
    good = victim.read_bytes()
    victim.write_bytes(_flip_last_byte(good))
    with pytest.raises(RecordQuarantined):
        outbox.attachment(case.case_no, "m01-p01.jpg")
    assert outbox.claim() is None
    victim.write_bytes(good)  # the technician puts the right file (or key) back
    config = write_config(tmp_path / "terminal.toml", tmp_path / "data")
    assert run_terminal(config, "outbox", "release", case.case_no).returncode == 0
    assert run_terminal(config, "outbox", "release", case.case_no).returncode == 1
    assert outbox.verify().ok and outbox.claim() is not None
