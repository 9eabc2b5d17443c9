"""The drivers and services write the documented events the diagnostics screen and report show."""

from __future__ import annotations

import queue
from pathlib import Path

from drivers.idcard.driver import IdCardReader, ReaderEvent
from drivers.idcard.simulator import SamSimulator
from terminal.devices import parse_address
from terminal.events import EVENTS, Event


def events_after(before: list[Event], name: str) -> list[Event]:
    seen = {id(e) for e in before}
    return [e for e in EVENTS.recent(500) if id(e) not in seen and e.event.name == name]


def test_id_reader_unplugged_and_back_is_in_the_event_log(tmp_path: Path) -> None:
    reports: queue.Queue[ReaderEvent] = queue.Queue()
    with SamSimulator(card=None, link=tmp_path / "idcard") as simulator:
        with IdCardReader(parse_address(simulator.path), on_event=reports.put, poll_interval=0.02,
                          timeout=0.5) as reader:
            before = EVENTS.recent(500)
            reader.start()
            simulator.unplug()
            assert reports.get(timeout=5).kind == "reader-lost"
            simulator.replug()
            assert reports.get(timeout=5).kind == "reader-back"
    lost, back = events_after(before, "DEVICE_LOST"), events_after(before, "DEVICE_BACK")
    assert [e.fields["device"] for e in lost] == ["idcard"] and lost[0].fields["reason"] == "DeviceMissing"
    assert [e.fields["device"] for e in back] == ["idcard"]
