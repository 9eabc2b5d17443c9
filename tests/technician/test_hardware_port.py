"""ui/hardware.py against the in-memory fakes: events reach the screen on the UI thread (Kivy's
clock), and a reader that cannot be opened is reported, not raised."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

from drivers.camera import CameraFeed, CameraMode, ErrorCallback, FrameCallback
from drivers.camera.fake import FakeCameraFeed
from drivers.idcard import CardReader, EventCallback, ReaderEvent
from drivers.idcard.fake import FakeCardReader
from drivers.printer import Printer, PrintResult
from drivers.printer.fake import FakePrinter
from drivers.printer.samples import sample_case
from terminal.assembly.wiring import Devices, camera_settings
from terminal.config import Config, from_dict
from terminal.errors import DeviceMissing
from terminal.receipts import submission_receipt
from ui.hardware import Hardware, Scanner, ScanResult


class FakeDevices(Devices):
    """The kiosk's device port with fakes behind it; `reader_missing` makes opening the reader fail."""

    def __init__(self, config: Config, reader_missing: bool = False) -> None:
        super().__init__(config)
        self.reader_missing = reader_missing
        self.fake_printer = FakePrinter(faults={"paper_end"})

    def idcard(self, on_event: EventCallback) -> CardReader:
        if self.reader_missing:
            raise DeviceMissing("no reader on /dev/ttyUSB9", device="idcard")
        return FakeCardReader(on_event)

    def printer(self, on_warning: object = None) -> Printer:
        return self.fake_printer


def run_ui_callbacks() -> None:
    for _ in range(3):
        Clock.tick()


def test_card_events_reach_the_screen_on_the_ui_thread() -> None:
    hardware = Hardware(from_dict({}), FakeDevices(from_dict({})))
    seen: list[ReaderEvent] = []
    hardware.watch_cards(seen.append)
    assert seen == []  # not called on the reader's thread: only at the UI's next frame
    run_ui_callbacks()
    assert [e.kind for e in seen] == ["card-placed", "card-read"]
    hardware.stop_cards()


def test_a_reader_that_cannot_be_opened_is_reported_as_lost() -> None:
    hardware = Hardware(from_dict({}), FakeDevices(from_dict({}), reader_missing=True))
    seen: list[ReaderEvent] = []
    hardware.watch_cards(seen.append)
    run_ui_callbacks()
    assert [e.kind for e in seen] == ["reader-lost"] and isinstance(seen[0].error, DeviceMissing)


def test_printing_reports_the_first_failure_on_the_ui_thread() -> None:
    config = from_dict({})
    devices = FakeDevices(config)
    hardware = Hardware(config, devices)
    results: list[PrintResult] = []
    hardware.print_documents([submission_receipt(sample_case(), config)], results.append)
    for thread in threading.enumerate():  # the job runs on its own thread ...
        if thread.name == "print-job":
            thread.join(timeout=10)
    assert results == []
    run_ui_callbacks()  # ... and its result comes back through the clock
    assert [(r.outcome, r.reason) for r in results] == [("not_printed", "paper_out")]


class CameraLosingStills(FakeCameraFeed):
    """Holds still requests until the next frame, as the real worker does; unplugging loses them,
    as a DeviceError in the middle of a still does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[FrameCallback] = []

    def request_still(self, on_still: FrameCallback) -> None:
        self.asked.append(on_still)

    def unplug(self) -> None:
        self.asked.clear()
        super().unplug()

    def take_stills(self) -> None:
        asked, self.asked = self.asked, []
        for on_still in asked:
            on_still(self.capture_still())


class CameraDevices(FakeDevices):
    def camera(self, on_frame: FrameCallback, on_error: ErrorCallback | None = None,
               on_connected: Callable[[CameraMode], None] | None = None) -> CameraFeed:
        self.feed = CameraLosingStills(camera_settings(self.config), on_frame, on_error)
        return self.feed


def test_a_camera_unplugged_while_a_still_is_taken_does_not_stop_capturing_for_good() -> None:
    config = from_dict({})
    devices = CameraDevices(config)
    pages: list[ScanResult] = []
    problems: list[object] = []
    scanner = Scanner(config, devices, lambda _preview: None, pages.append, problems.append).start()
    scanner.capture()
    devices.feed.unplug()  # the still asked for is lost with the camera
    run_ui_callbacks()
    assert problems and not scanner.capturing
    scanner.capture()  # the camera is back and the person presses 拍照 again
    assert len(devices.feed.asked) == 1
    devices.feed.take_stills()
    run_ui_callbacks()
    assert len(pages) == 1 and not scanner.capturing
    scanner.stop(wait=True)
