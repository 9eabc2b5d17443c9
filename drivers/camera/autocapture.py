"""Live preview analysis and automatic capture, on the camera's thread.

What the materials screen needs in one object: every preview frame is analysed (page corners,
quality hints, how long it has been still) off the UI thread; when the page has been still for a
moment and the quality checks pass, a full-resolution still is taken and run through the whole
pipeline, and the finished page is handed over. A "take it now" button and "retake" are there for
people whose page never settles or who want another go. Callbacks run on the camera thread: the
UI wraps them with Kivy's Clock.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import numpy as np

from drivers.camera.driver import Camera, CameraMode, CameraWorker, ErrorCallback
from terminal.errors import DeviceError
from terminal.scanner.pipeline import PreviewAnalysis, ScannedPage, ScanOptions, analyse_preview, scan_page
from terminal.scanner.stability import Stability, StabilityTracker

log = logging.getLogger(__name__)

PreviewCallback = Callable[[np.ndarray, PreviewAnalysis, Stability], None]
PageCallback = Callable[[ScannedPage], None]


class AutoCapture:
    """Camera preview with page tracking; one finished page per still placement."""

    def __init__(self, camera: Camera, options: ScanOptions, on_preview: PreviewCallback, on_page: PageCallback,
                 on_error: ErrorCallback | None = None, on_connected: Callable[[CameraMode], None] | None = None,
                 hold_seconds: float = 0.8) -> None:
        self.options = options
        self.on_preview = on_preview
        self.on_page = on_page
        self.on_error = on_error
        self.tracker = StabilityTracker(hold_seconds=hold_seconds)
        self.worker = CameraWorker(camera, self._frame, on_error, on_connected)
        self._busy = threading.Event()  # a still is being taken or processed: no second one

    def start(self) -> AutoCapture:
        self.worker.start()
        return self

    def stop(self) -> None:
        self.worker.stop()

    def __enter__(self) -> AutoCapture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def capture_now(self) -> None:
        """The citizen pressed "拍照": take the still whatever the tracker says."""
        if not self._busy.is_set():
            self._busy.set()
            self.worker.request_still(self._still)

    def retake(self) -> None:
        """Forget the last placement, so the same page held still captures again."""
        self.tracker.reset()

    def _frame(self, frame: np.ndarray) -> None:
        analysis = analyse_preview(frame)
        stability = self.tracker.update(analysis.detection, time.monotonic())
        if stability.state == "capture":
            if analysis.quality.ok:
                self.capture_now()
            else:  # still but not good enough: keep waiting until the hints are resolved
                self.tracker.reset()
        self.on_preview(frame, analysis, stability)

    def _still(self, frame: np.ndarray) -> None:
        try:
            page = scan_page(frame, self.options)
        except (ValueError, DeviceError) as e:  # a broken frame: say so, keep previewing
            log.warning("still could not be processed error=%s", type(e).__name__)
            return
        finally:
            self._busy.clear()
        self.on_page(page)
