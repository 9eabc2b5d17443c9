"""The in-memory fakes of the device protocols: each has the protocol's calls, and on the basic
calls it answers as the real driver does against the wire-level simulator (`sim`)."""

from __future__ import annotations

import inspect
import queue
from typing import Any

from drivers.camera import CameraFeed, CameraSettings, open_camera
from drivers.camera.fake import FakeCameraFeed
from drivers.idcard import CardReader, IdCardSettings, ReaderEvent, open_idcard
from drivers.idcard.fake import FakeCardReader
from drivers.keypad import KeypadSettings, RatingEvent, RatingKeypad, open_keypad
from drivers.keypad.driver import SerialKeypad
from drivers.keypad.fake import FakeKeypad
from drivers.printer import Printer, PrinterSettings, open_printer
from drivers.printer.driver import ReceiptPrinter
from drivers.printer.fake import FakePrinter
from drivers.printer.samples import sample_case
from drivers.smartcard import CardChannel, SmartCardSettings, open_smartcard
from drivers.smartcard.technician import TechnicianCard
from drivers.smartcard.virtualcard import SimulatedChannel
from terminal.cases import Rating
from terminal.config import from_dict
from terminal.devices import parse_address
from terminal.events import EventLog
from terminal.receipts import submission_receipt


def assert_satisfies(fake: object, protocol: type) -> None:
    """Every call of `protocol` exists on `fake` with the same parameters (names and order)."""
    members = [name for name in vars(protocol) if not name.startswith("_") or name in ("__enter__", "__exit__")]
    for name in members:
        wanted = getattr(protocol, name)
        if not callable(wanted):
            continue
        got = getattr(fake, name, None)
        assert callable(got), f"{type(fake).__name__} lacks {name}"
        expected = list(inspect.signature(wanted).parameters)[1:]  # without self
        assert list(inspect.signature(got).parameters) == expected, (name, expected)
    for name in getattr(protocol, "__annotations__", {}):
        assert hasattr(fake, name), f"{type(fake).__name__} lacks attribute {name}"


def test_fake_card_reader_reads_the_simulators_card() -> None:
    seen: list[ReaderEvent] = []
    fake: CardReader = FakeCardReader(seen.append)
    assert_satisfies(fake, CardReader)
    with open_idcard(IdCardSettings(parse_address("sim", "idcard"), timeout=2.0), EventLog()) as real:
        assert fake.sam_id() == real.sam_id()
        assert fake.status() == real.status()
        assert fake.read_once(1.0) == real.read_once(2.0)
    fake.start()
    assert [e.kind for e in seen] == ["card-placed", "card-read"] and seen[1].identity is not None
    assert seen[1].identity.name == "测试样例"


def test_fake_printer_prints_and_refuses_like_the_simulated_printer() -> None:
    config = from_dict({})
    document = submission_receipt(sample_case(), config)
    fake = FakePrinter()
    assert_satisfies(fake, Printer)
    real = open_printer(PrinterSettings(parse_address("sim", "printer"), timeout=2.0), EventLog())
    assert isinstance(real, ReceiptPrinter) and real.simulator is not None
    try:
        for faults in ((), ("paper_near_end",), ("paper_end",), ("cover_open",), ("error",)):
            fake.set_faults(*faults)
            real.simulator.set_faults(*faults)
            assert fake.status() == real.status(), faults
            got, want = fake.print_document(document), real.print_document(document)
            assert (got.outcome, got.reason) == (want.outcome, want.reason), faults
    finally:
        real.close()
    assert len(fake.printed) == 2  # ready and paper near its end: printed; the rest refused


def test_fake_keypad_gives_the_same_ratings_as_the_simulated_keypad() -> None:
    fake_ratings: list[RatingEvent] = []
    fake: RatingKeypad = FakeKeypad(fake_ratings.append)
    assert_satisfies(fake, RatingKeypad)
    real_ratings: queue.Queue[RatingEvent] = queue.Queue()
    real = open_keypad(KeypadSettings(parse_address("sim", "keypad"), timeout=2.0), EventLog(), real_ratings.put)
    assert isinstance(real, SerialKeypad) and real.simulator is not None
    try:
        for key in (1, 5):
            fake.press(key)  # type: ignore[attr-defined]  # the fake's test hand, not the protocol
            real.simulator.press(key)
            assert fake_ratings[-1].rating == real_ratings.get(timeout=5).rating
        assert fake.acknowledge(Rating.VERY_SATISFIED).result() == real.acknowledge(Rating.VERY_SATISFIED).result()
    finally:
        real.stop()


def test_fake_camera_delivers_the_simulators_sizes() -> None:
    settings = CameraSettings(parse_address("sim?fps=60", "camera"), timeout=2.0, preview_width=320,
                              preview_height=240, capture_width=1280, capture_height=960)
    fake_frames: list[Any] = []
    fake: CameraFeed = FakeCameraFeed(settings, fake_frames.append)
    assert_satisfies(fake, CameraFeed)
    fake.start()
    fake.push_frame()  # type: ignore[attr-defined]  # the fake's test hand, not the protocol
    real_frames: queue.Queue[Any] = queue.Queue()
    real = open_camera(settings, EventLog(), real_frames.put).start()
    try:
        assert real_frames.get(timeout=10).shape == fake_frames[0].shape == (240, 320, 3)
        assert real.capture_still().shape == fake.capture_still().shape == (960, 1280, 3)
    finally:
        real.stop()


def test_simulated_channel_is_the_in_memory_card_channel() -> None:
    channel = open_smartcard(SmartCardSettings(parse_address("sim", "smartcard")))
    assert isinstance(channel, SimulatedChannel)
    assert_satisfies(channel, CardChannel)
    card = TechnicianCard(channel)
    assert card.card_id() == card.card_id() and len(card.card_id()) >= 8
