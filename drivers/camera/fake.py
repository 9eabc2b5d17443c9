"""An in-memory `CameraFeed` for session and UI tests: frames are pushed by the test, stills come at once.

Frames have the sizes the settings ask for, as the simulator (`sim`) delivers them: preview
frames at the preview size, stills at the capture size.
"""

from __future__ import annotations

import cv2
import numpy as np

from drivers.camera.driver import CameraSettings, ErrorCallback, FrameCallback
from terminal.errors import DeviceMissing


class FakeCameraFeed:
    def __init__(self, settings: CameraSettings, on_frame: FrameCallback, on_error: ErrorCallback | None = None,
                 scene: np.ndarray | None = None) -> None:
        self.settings = settings
        self.on_frame = on_frame
        self.on_error = on_error
        self.scene = scene if scene is not None else np.full((480, 640, 3), 200, np.uint8)  # a plain grey desk
        self.running = False

    def _frame(self, width: int, height: int) -> np.ndarray:
        return cv2.resize(self.scene, (width, height), interpolation=cv2.INTER_AREA)

    def start(self) -> FakeCameraFeed:
        self.running = True
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.running = False

    def push_frame(self) -> None:
        """One preview frame to `on_frame`, as the worker thread would deliver it."""
        if self.running:
            self.on_frame(self._frame(self.settings.preview_width, self.settings.preview_height))

    def unplug(self) -> None:
        if self.on_error is not None:
            self.on_error(DeviceMissing("fake camera unplugged", device="camera"))

    def request_still(self, on_still: FrameCallback) -> None:
        on_still(self.capture_still())

    def capture_still(self, timeout: float = 10.0) -> np.ndarray:
        return self._frame(self.settings.capture_width, self.settings.capture_height)
