"""The kiosk's devices as the screens see them: started and stopped per screen, never on the UI thread.

Every device runs on its own thread (the drivers' threads, a camera worker, the printer's job
thread, short-lived lookup threads). Their results reach the screens only through methods marked
`@mainthread` (Kivy runs them at the next frame on the UI thread), so screen code and the session
run on the UI thread alone. Devices are opened through the `terminal.assembly.wiring.Devices` port and
seen only through their packages' protocols. Stopping a device can take seconds (a serial read
timing out), so stops run on a throw-away thread too; a generation counter drops events from a
device the screen already left.

Nothing here keeps personal data: identities and pages go straight to the callback, and the
scanner forgets its last frame when it stops (the idle wipe stops it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from kivy.clock import mainthread

from drivers.camera import CameraFeed
from drivers.idcard import CardReader, ReaderEvent
from drivers.keypad import RatingEvent, RatingKeypad
from drivers.printer import Printer, PrintResult
from terminal.assembly.wiring import Devices
from terminal.cases import Page, Rating
from terminal.config import Config
from terminal.errors import DeviceError, TerminalError
from terminal.receipts import ReceiptDocument

if TYPE_CHECKING:  # OpenCV and the scanner are imported when the camera starts, not at the home screen
    from terminal.scanner.stability import Stability

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 640  # px of the frame handed to the screen (the analysis runs on the full preview)
THUMB_WIDTH = 160


def in_background(job: Callable[[], Any], name: str) -> None:
    threading.Thread(target=job, name=name, daemon=True).start()


@mainthread
def on_ui_thread(job: Callable[[], None]) -> None:
    """Run `job` on the UI thread at the next frame (device threads call this)."""
    job()


@dataclass(frozen=True)
class Preview:
    """One analysed preview frame, ready to draw: RGB pixels bottom row first (GL order)."""

    rgb: np.ndarray
    quad: tuple[tuple[float, float], ...]  # page corners in `rgb` pixels, y up; empty when none
    hints: tuple[str, ...]
    stability: Stability
    analyse_ms: float


@dataclass(frozen=True)
class ScanResult:
    page: Page
    thumbnail: np.ndarray  # RGB, bottom row first
    hints: tuple[str, ...]


def gl_rgb(bgr: np.ndarray, width: int) -> np.ndarray:
    """A BGR frame scaled to `width`, as RGB with the bottom row first (what a GL texture wants)."""
    import cv2

    h, w = bgr.shape[:2]
    scale = width / w
    small = cv2.resize(bgr, (width, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB)[::-1])


class Scanner:
    """The camera while the materials screen shows: preview analysis, auto-capture, manual capture."""

    def __init__(self, config: Config, devices: Devices, on_preview: Callable[[Preview], None],
                 on_page: Callable[[ScanResult], None], on_problem: Callable[[DeviceError | None], None]) -> None:
        self.config = config
        self.on_preview = on_preview
        self.on_page = on_page
        self.on_problem = on_problem
        from terminal.scanner.pipeline import ScanOptions  # OpenCV from the first materials screen on
        from terminal.scanner.stability import StabilityTracker

        self.options = ScanOptions.from_config(config.devices.camera)
        self.tracker = StabilityTracker()
        self.auto = True
        self.capturing = False
        self._still_wanted = 0  # the still being waited for; one asked before the camera went away is not it
        self._capture_lock = threading.Lock()  # auto-capture (camera thread) and the button (UI thread)
        self._drawing = threading.Event()  # a preview is on its way to the UI: drop frames until it is drawn
        self._live = True
        self.worker: CameraFeed = devices.camera(self._frame, on_error=self._error,
                                                 on_connected=lambda _mode: self._on_ui(lambda: self.on_problem(None)))

    def start(self) -> Scanner:
        self.worker.start()
        return self

    def stop(self, wait: bool = False) -> None:
        self._live = False
        self.worker.stop() if wait else in_background(self.worker.stop, "camera-stop")

    def _on_ui(self, job: Callable[[], None]) -> None:
        """To the UI thread; whatever arrives after the scanner stopped is dropped, on this side
        too, so no frame of the last person's document waits in the clock's queue after a wipe."""
        if self._live:
            self._run_on_ui(job)

    @mainthread
    def _run_on_ui(self, job: Callable[[], None]) -> None:
        if self._live:
            job()

    def _error(self, error: DeviceError) -> None:
        """The camera went away: a still asked for is lost with it, so capturing can start again once
        it is back (else the screen would wait for that still for ever and never capture again)."""
        with self._capture_lock:
            self._still_wanted += 1
            self.capturing = False
        self._on_ui(lambda: self.on_problem(error))

    def _frame(self, frame: np.ndarray) -> None:
        """Camera thread: analyse, decide on auto-capture, hand a small copy to the screen."""
        if not self._live:
            return
        from terminal.scanner.pipeline import analyse_preview

        started = time.perf_counter()
        analysis = analyse_preview(frame)
        stability = self.tracker.update(analysis.detection, time.monotonic())
        if stability.state == "capture" and self.auto and not self.capturing:
            self.capture()
        if self._drawing.is_set():
            return
        _h, w = frame.shape[:2]
        scale = PREVIEW_WIDTH / w
        rgb = gl_rgb(frame, PREVIEW_WIDTH)
        quad = () if analysis.detection.quad is None else tuple(
            (float(x) * scale, rgb.shape[0] - float(y) * scale) for x, y in analysis.detection.quad)
        preview = Preview(rgb, quad, tuple(analysis.quality.hints), stability,
                          (time.perf_counter() - started) * 1000)
        self._drawing.set()

        def deliver() -> None:
            self._drawing.clear()
            self.on_preview(preview)

        self._on_ui(deliver)

    def capture(self) -> None:
        """Take a full-resolution still and scan it (on the camera thread); one at a time."""
        with self._capture_lock:
            if self.capturing:
                return
            self.capturing = True
            self._still_wanted += 1
            wanted = self._still_wanted
        self.worker.request_still(lambda frame: self._still(frame, wanted))

    def _still(self, frame: np.ndarray, wanted: int) -> None:
        if wanted != self._still_wanted:
            return  # asked for before the camera went away: the person sees the page again and it is taken anew
        import cv2

        from terminal.scanner.pipeline import scan_page

        try:
            scanned = scan_page(frame, self.options)
            page = Page(scanned.jpeg.data, scanned.jpeg.width, scanned.jpeg.height)
            result = ScanResult(page, gl_rgb(scanned.image, THUMB_WIDTH), tuple(scanned.quality.hints))
        except (ValueError, cv2.error) as error:
            log.warning("event=scan_failed problem=%s", type(error).__name__)
            self.capturing = False
            return

        def deliver() -> None:
            self.capturing = False
            self.on_page(result)

        self._on_ui(deliver)


class Hardware:
    """All citizen-facing devices for one kiosk process."""

    def __init__(self, config: Config, devices: Devices | None = None) -> None:
        self.config = config
        self.devices = devices or Devices(config)
        self._reader: CardReader | None = None
        self._reader_generation = 0
        self.scanner: Scanner | None = None
        self._printer: Printer | None = None
        self._keypad: RatingKeypad | None = None
        self.on_rating: Callable[[Rating], None] | None = None  # the rating screen listens while it shows
        self.on_key: Callable[[int], bool] | None = None  # audio navigation: True when it took the key
        self.keypad_problem: TerminalError | None = None

    # ---- ID card -------------------------------------------------------------------------

    def watch_cards(self, on_event: Callable[[ReaderEvent], None]) -> None:
        """Poll the reader until `stop_cards`; events arrive on the UI thread."""
        self.stop_cards()
        generation = self._reader_generation

        def forward(event: ReaderEvent) -> None:
            on_ui_thread(lambda: on_event(event) if generation == self._reader_generation else None)

        try:
            self._reader = self.devices.idcard(forward)
            self._reader.start()
        except TerminalError as error:
            self._reader = None
            log.warning("event=idcard_unavailable problem=%s", type(error).__name__)
            lost = ReaderEvent("reader-lost", error=error)  # `error` is unbound once the except block ends
            on_ui_thread(lambda: on_event(lost))

    @property
    def reader(self) -> CardReader | None:
        """The running reader (on a `sim` address its `simulator` lets the demo place a card)."""
        return self._reader

    def stop_cards(self) -> None:
        self._reader_generation += 1
        reader, self._reader = self._reader, None
        if reader is not None:
            in_background(reader.stop, "idcard-stop")

    # ---- camera --------------------------------------------------------------------------

    def start_scanning(self, on_preview: Callable[[Preview], None], on_page: Callable[[ScanResult], None],
                       on_problem: Callable[[DeviceError | None], None]) -> Scanner:
        self.stop_scanning()
        self.scanner = Scanner(self.config, self.devices, on_preview, on_page, on_problem).start()
        return self.scanner

    def stop_scanning(self) -> None:
        scanner, self.scanner = self.scanner, None
        if scanner is not None:
            scanner.stop()

    # ---- printer -------------------------------------------------------------------------

    @property
    def printer(self) -> Printer:
        if self._printer is None:
            self._printer = self.devices.printer()
        return self._printer

    def print_documents(self, documents: Sequence[ReceiptDocument], on_done: Callable[[PrintResult], None]) -> None:
        """Print in order on the printer's thread; `on_done` gets the first failure, else the last result."""
        printer = self.printer

        def job() -> None:
            result: PrintResult | None = None
            for document in documents:
                result = printer.print_document(document)
                if not result.printed:
                    break
            assert result is not None
            final = result
            on_ui_thread(lambda: on_done(final))

        in_background(job, "print-job")

    # ---- keypad --------------------------------------------------------------------------

    def open_keypad(self) -> None:
        """The 好差评 keypad for the whole run; without one, rating by touch still works."""
        def forward(event: RatingEvent) -> None:
            on_ui_thread(lambda: self._keypad_key(event.rating))

        try:
            self._keypad = self.devices.keypad(forward)
        except TerminalError as error:
            self.keypad_problem = error
            log.warning("event=keypad_unavailable problem=%s", type(error).__name__)

    def _keypad_key(self, rating: Rating) -> None:
        """A keypad press: audio navigation first (its keys move the focus), else a rating."""
        if self.on_key is not None and self.on_key(rating.value):
            return
        if self.on_rating is not None:
            self.on_rating(rating)

    @property
    def keypad(self) -> RatingKeypad | None:
        return self._keypad

    # ---- technician mode ---------------------------------------------------------------

    def pause(self) -> None:
        """Let go of the reader, the camera and the keypad, so technician mode can test them alone."""
        self.stop_cards()
        self.stop_scanning()
        keypad, self._keypad = self._keypad, None
        if keypad is not None:
            keypad.stop()  # before the technician's key test opens the same port

    def resume(self) -> None:
        """After technician mode: the keypad again (the screens start the reader and camera as they show)."""
        self.open_keypad()

    # ---- anything slow (network, disk scans) ---------------------------------------------

    def run(self, job: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """Run `job` off the UI thread and hand its result (or the TerminalError it raised) to `on_done`."""
        def work() -> None:
            try:
                result = job()
            except TerminalError as error:
                result = error
            on_ui_thread(lambda: on_done(result))

        in_background(work, "lookup")

    def close(self) -> None:
        """At exit: stop everything and wait for it (a camera thread alive at shutdown aborts OpenCV)."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.stop()
        scanner, self.scanner = self.scanner, None
        if scanner is not None:
            scanner.stop(wait=True)
        if self._keypad is not None:
            self._keypad.stop()
        if self._printer is not None:
            self._printer.close()
