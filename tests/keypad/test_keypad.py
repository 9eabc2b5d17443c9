"""Rating keypads through the real drivers: the serial simulator on a pty, HID events through a FIFO."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from drivers.keypad import KeypadSettings, RatingEvent, codec, open_keypad
from drivers.keypad.driver import HidKeypad, SerialKeypad, find_event_device
from drivers.keypad.simulator import KeypadSimulator
from terminal.assembly.wiring import keypad_settings
from terminal.cases import Rating
from terminal.config import from_dict
from terminal.devices import parse_address
from terminal.events import EVENTS

WAIT = 5.0


class Collector:
    """Rating events as they arrive on the keypad's thread."""

    def __init__(self) -> None:
        self.events: queue.Queue[RatingEvent] = queue.Queue()

    def __call__(self, event: RatingEvent) -> None:
        self.events.put(event)

    def take(self, count: int, source: str = "serial") -> list[Rating]:
        taken = [self.events.get(timeout=WAIT) for _ in range(count)]
        assert all(event.source == source for event in taken)
        return [event.rating for event in taken]


@pytest.fixture
def sim() -> Iterator[KeypadSimulator]:
    with KeypadSimulator() as simulator:
        yield simulator


def _serial(sim: KeypadSimulator, collector: Collector, timeout: float = 0.5) -> SerialKeypad:
    return SerialKeypad(KeypadSettings(parse_address(sim.start_pty(), "keypad"), timeout), EVENTS, collector).start()


def test_serial_keys_become_the_five_ratings(sim: KeypadSimulator) -> None:
    collector = Collector()
    keypad = _serial(sim, collector)
    try:
        for key in (1, 2, 3, 4, 5):
            sim.press(key)
        assert collector.take(5) == [Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED,
                                     Rating.DISSATISFIED, Rating.VERY_DISSATISFIED]
        assert [r.label for r in Rating] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
        hello = keypad.query_hello()
        assert hello == codec.Hello("RK5SIM", "1.0", 5)
        assert keypad.set_led("ALL", "ON") and set(sim.leds.values()) == {"ON"}
        assert keypad.set_led(4, "BLINK") and sim.leds[4] == "BLINK"
        assert keypad.beep(150) and sim.beeps == [150]
        assert keypad.prompt().result(timeout=WAIT) and set(sim.leds.values()) == {"BLINK"}
        assert keypad.acknowledge(Rating.SATISFIED).result(timeout=WAIT)
        assert sim.leds == {1: "OFF", 2: "ON", 3: "OFF", 4: "OFF", 5: "OFF"} and sim.beeps == [150, 100]
    finally:
        keypad.stop()


def test_garbage_on_the_line_gives_no_false_ratings(sim: KeypadSimulator) -> None:
    sim.set_faults("garbage")
    collector = Collector()
    keypad = _serial(sim, collector)
    try:
        sim.press(2)
        sim.press(5)
        assert collector.take(2) == [Rating.SATISFIED, Rating.VERY_DISSATISFIED]
        assert keypad.query_hello() is not None
        assert collector.events.empty() and keypad.malformed > 0
    finally:
        keypad.stop()


def test_silent_keypad_answers_none_but_keys_still_arrive(sim: KeypadSimulator) -> None:
    sim.set_faults("no_answer")
    collector = Collector()
    keypad = _serial(sim, collector, timeout=0.3)
    try:
        assert keypad.query_hello() is None and not keypad.beep()
        sim.press(3)
        assert collector.take(1) == [Rating.BASICALLY_SATISFIED]
    finally:
        keypad.stop()


def test_slow_keypad_within_the_timeout_answers(sim: KeypadSimulator) -> None:
    sim.slow_seconds = 0.2
    sim.set_faults("slow")
    keypad = _serial(sim, Collector(), timeout=1.5)
    try:
        assert keypad.set_led(1, "ON")
    finally:
        keypad.stop()


def test_dropped_keypad_is_silent(sim: KeypadSimulator) -> None:
    sim.set_faults("drop")
    keypad = _serial(sim, Collector(), timeout=0.3)
    try:
        assert keypad.query_hello() is None
    finally:
        keypad.stop()


def test_sim_address_runs_the_builtin_simulator() -> None:
    collector = Collector()
    keypad = open_keypad(keypad_settings(from_dict({}), parse_address("sim", "keypad")), EVENTS, collector)
    try:
        assert isinstance(keypad, SerialKeypad) and keypad.simulator is not None
        assert keypad.query_hello() is not None
        keypad.simulator.press(1)
        assert collector.take(1) == [Rating.VERY_SATISFIED]
    finally:
        keypad.stop()


def test_hid_events_from_a_fifo_give_the_same_ratings(tmp_path: Path) -> None:
    fifo = tmp_path / "event-keypad"
    os.mkfifo(fifo)
    collector = Collector()
    lost = threading.Event()
    settings = KeypadSettings(parse_address(f"file://{fifo}", "keypad"))
    keypad = open_keypad(settings, EVENTS, collector, on_lost=lost.set)
    assert isinstance(keypad, HidKeypad)
    stream = b"".join([
        codec.input_event(4, 1), codec.input_event(4, 2), codec.input_event(4, 0),  # KEY_3 press, repeat, release
        codec.input_event(0, 0, event_type=0),                                      # EV_SYN
        codec.input_event(30, 1),                                                   # KEY_A: not a rating
        codec.input_event(76, 1), codec.input_event(76, 0),                         # KEY_KP5
        codec.input_event(2, 1),                                                    # KEY_1
    ])
    try:
        with open(fifo, "wb", buffering=0) as writer:
            writer.write(stream[:37])  # a struct split across writes
            writer.write(stream[37:])
            assert collector.take(3, "hid") == [Rating.BASICALLY_SATISFIED, Rating.VERY_DISSATISFIED, Rating.VERY_SATISFIED]
            assert keypad.prompt().result(timeout=0) is False  # no lights on a HID keypad, and no waiting
        assert lost.wait(WAIT)
        assert collector.events.empty()
    finally:
        keypad.stop()


def test_find_event_device_by_usb_ids(tmp_path: Path) -> None:
    for name, vendor, product in (("event0", "046d", "c31c"), ("event5", "1a86", "e026")):
        ids = tmp_path / name / "device" / "id"
        ids.mkdir(parents=True)
        (ids / "vendor").write_text(vendor + "\n")
        (ids / "product").write_text(product + "\n")
    assert find_event_device(0x1A86, 0xE026, tmp_path) == Path("/dev/input/event5")
    with pytest.raises(Exception, match="1234:5678"):
        find_event_device(0x1234, 0x5678, tmp_path)


@given(st.binary(max_size=64))
def test_parse_line_never_invents_a_key(line: bytes) -> None:
    message = codec.parse_line(line)
    if isinstance(message, codec.KeyPress):
        assert line.rstrip(b"\r") == f"KEY {message.key}".encode() and 1 <= message.key <= 5


@given(st.lists(st.integers(1, 5), max_size=10), st.binary(max_size=80), st.data())
def test_lines_survive_noise_and_any_chunking(keys: list[int], noise: bytes, data: st.DataObject) -> None:
    stream = noise + b"\n" + b"".join(f"KEY {k}\r\n".encode() for k in keys)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    splitter = codec.LineSplitter()
    lines: list[bytes] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        lines += splitter.feed(stream[start:end])
    presses = [m.key for m in map(codec.parse_line, lines) if isinstance(m, codec.KeyPress)]
    if keys:
        assert presses[-len(keys):] == keys


@given(st.binary(max_size=200))
def test_input_event_parser_keeps_only_whole_structs(buffer: bytes) -> None:
    presses, rest = codec.parse_input_events(buffer)
    assert len(rest) == len(buffer) % codec.INPUT_EVENT.size
    assert all(1 <= p.key <= 5 for p in presses)


def test_commands_are_refused_outside_the_protocol() -> None:
    with pytest.raises(ValueError):
        codec.led(6, "ON")
    with pytest.raises(ValueError):
        codec.led(1, "DIM")  # type: ignore[arg-type]  # a wrong mode on purpose
    assert codec.beep(99999) == b"BEEP 2000\n"
