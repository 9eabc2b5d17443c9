"""The real driver over a pty against the simulator, one test per fault switch and more."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from drivers.idcard import IdCardSettings, open_idcard
from drivers.idcard.codec import CardReadError, ChecksumError, Command
from drivers.idcard.driver import IdCardReader
from drivers.idcard.simulator import SamSimulator
from terminal.errors import DeviceMissing, DeviceTimeout
from terminal.events import EVENTS
from tests.idcard.conftest import Events, wait_for

MakeSim = Callable[..., SamSimulator]
MakeReader = Callable[..., tuple[IdCardReader, Events]]


def read_count(simulator: SamSimulator) -> int:
    return sum(1 for code in simulator.requests if code == Command.READ_TEXT_PHOTO.value)


def test_card_placed_read_removed_and_placed_again(make_simulator: MakeSim, make_reader: MakeReader) -> None:
    simulator = make_simulator()
    _reader, events = make_reader(simulator.path)
    assert events.next().kind == "card-placed"
    event = events.next()
    assert event.kind == "card-read" and event.identity is not None
    assert event.identity.name == "测试样例" and len(event.identity.photo) == 1024
    simulator.remove()
    assert events.next().kind == "card-removed"
    simulator.place("foreigner")
    assert events.kinds(1) == ["card-placed"]
    identity = events.next().identity
    assert identity is not None and identity.card_type == "foreigner"


def test_card_left_on_reader_is_read_once(make_simulator: MakeSim, make_reader: MakeReader) -> None:
    simulator = make_simulator()
    _, events = make_reader(simulator.path)
    assert events.kinds(2) == ["card-placed", "card-read"]
    finds = len(simulator.requests)
    wait_for(lambda: len(simulator.requests) > finds + 10)  # many polls later
    assert events.queue.empty() and read_count(simulator) == 1


def test_fault_no_card(make_simulator: MakeSim, make_reader: MakeReader) -> None:
    simulator = make_simulator(faults={"no_card"})
    reader, events = make_reader(simulator.path, start=False)
    assert reader.read_once(wait_seconds=0.1) is None
    reader.start()
    wait_for(lambda: len(simulator.requests) > 10)
    assert events.queue.empty() and read_count(simulator) == 0


def test_fault_card_removed_mid_read(make_simulator: MakeSim, make_reader: MakeReader) -> None:
    simulator = make_simulator(faults={"removed_mid_read"})
    _, events = make_reader(simulator.path)
    assert events.next().kind == "card-placed"
    failed = events.next()
    assert failed.kind == "read-failed" and isinstance(failed.error, CardReadError)
    assert "身份证" in failed.error.advice_zh
    assert events.next().kind == "card-removed"


@pytest.mark.parametrize("fault", ["garbage", "split_writes"])
def test_fault_line_noise_and_split_answers_still_read(fault: str, make_simulator: MakeSim,
                                                       make_reader: MakeReader) -> None:
    simulator = make_simulator(faults={fault}, card="hmt")
    _, events = make_reader(simulator.path, timeout=3.0)
    assert events.kinds(1) == ["card-placed"]
    event = events.next()
    assert event.kind == "card-read" and event.identity is not None and event.identity.pass_number == "H12345678"


def test_fault_bad_checksum_is_retried_once(make_simulator: MakeSim, make_reader: MakeReader) -> None:
    simulator = make_simulator(faults={"bad_checksum"})
    _, events = make_reader(simulator.path)
    assert events.kinds(2) == ["card-placed", "card-read"]
    assert read_count(simulator) == 2


def test_two_bad_checksums_give_read_failed(make_simulator: MakeSim, make_reader: MakeReader) -> None:
    simulator = make_simulator(card=None)
    simulator.corrupt_reads = 2
    _, events = make_reader(simulator.path)
    simulator.place("resident")
    simulator.corrupt_reads = 2
    assert events.next().kind == "card-placed"
    failed = events.next()
    assert failed.kind == "read-failed" and isinstance(failed.error, ChecksumError)


def test_fault_slow_answer_within_timeout(make_simulator: MakeSim, make_reader: MakeReader) -> None:
    simulator = make_simulator(faults={"slow"}, slow_seconds=0.15)
    _, events = make_reader(simulator.path, timeout=1.0)
    assert events.kinds(2, timeout=10) == ["card-placed", "card-read"]


def test_fault_slow_beyond_timeout_and_silent_reader_is_lost_then_back(
        make_simulator: MakeSim, make_reader: MakeReader, caplog: pytest.LogCaptureFixture) -> None:
    simulator = make_simulator(faults={"silent"}, card=None)
    caplog.set_level(logging.WARNING, logger="drivers.idcard.driver")
    _, events = make_reader(simulator.path, timeout=0.2)
    lost = events.next()
    assert lost.kind == "reader-lost" and isinstance(lost.error, DeviceTimeout)
    wait_for(lambda: len(simulator.requests) >= 3)  # it keeps trying, quietly
    simulator.faults.clear()
    assert events.next().kind == "reader-back"
    assert [r.message.split()[0] for r in caplog.records] == ["event=reader_lost", "event=reader_back"]


def test_reader_gone_and_back_under_the_same_name(make_simulator: MakeSim, make_reader: MakeReader,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    simulator = make_simulator()
    caplog.set_level(logging.WARNING, logger="drivers.idcard.driver")
    _, events = make_reader(simulator.path)
    assert events.kinds(2) == ["card-placed", "card-read"]
    simulator.unplug()
    lost = events.next()
    assert lost.kind == "reader-lost" and isinstance(lost.error, DeviceMissing)
    assert "读卡器" in lost.error.advice_zh or lost.error.advice_zh
    simulator.replug()
    assert events.kinds(3) == ["reader-back", "card-placed", "card-read"]
    assert [r.message.split()[0] for r in caplog.records] == ["event=reader_lost", "event=reader_back"]


def test_fingerprint_read_command(make_simulator: MakeSim, make_reader: MakeReader) -> None:
    simulator = make_simulator(card="expired")
    _, events = make_reader(simulator.path, read_fingerprint=True)
    assert events.next().kind == "card-placed"
    identity = events.next().identity
    assert identity is not None and identity.name == "测试过期"
    assert Command.READ_TEXT_PHOTO_FINGERPRINT.value in simulator.requests


def test_sim_address_runs_the_simulator_through_the_real_driver() -> None:
    events = Events()
    from terminal.devices import parse_address
    settings = IdCardSettings(parse_address("sim?fault=split_writes,garbage"), poll_interval=0.02, timeout=3.0)
    with open_idcard(settings, EVENTS, on_event=events) as reader:
        assert reader.simulator is not None and reader.port.url == reader.simulator.path
        assert reader.sam_id() == "05.01-20170815-0000203847-3825401829"
        reader.start()
        assert events.kinds(2) == ["card-placed", "card-read"]
        assert reader.read_once(1.0) is not None  # the card still on the reader, read again for diagnostics


def test_listener_exception_does_not_stop_the_reader(make_simulator: MakeSim) -> None:
    simulator = make_simulator()
    seen: list[str] = []

    def listener(event: object) -> None:
        seen.append(event.kind)  # type: ignore[attr-defined]  # every event here has a kind
        raise RuntimeError("listener bug")

    from terminal.devices import parse_address
    settings = IdCardSettings(parse_address(simulator.path), poll_interval=0.02, timeout=1.0)
    with IdCardReader(settings, EVENTS, on_event=listener) as reader:
        reader.start()
        wait_for(lambda: seen[-1:] == ["card-read"])
        simulator.remove()
        wait_for(lambda: seen[-1:] == ["card-removed"])


def test_sam_self_test_failure_is_reported_as_reader_lost(make_simulator: MakeSim, make_reader: MakeReader) -> None:
    from drivers.idcard.codec import SamFault
    simulator = make_simulator(faults={"sam_fault"})
    _, events = make_reader(simulator.path)
    lost = events.next()
    assert lost.kind == "reader-lost" and isinstance(lost.error, SamFault) and "工作人员" in lost.error.advice_zh
    simulator.faults.clear()
    assert events.kinds(3) == ["reader-back", "card-placed", "card-read"]
