"""Document camera (高拍仪): what the rest of the product may call, its value types, one factory.

Screens and the technician mode use `CameraFeed` and `open_camera` only: a worker thread that
hands preview frames and full-resolution stills to callbacks and reopens the camera after an
unplug. UVC cameras go through OpenCV; `sim` and `file://` addresses through the simulator on
the same driver code. `fake.FakeCameraFeed` is the in-memory stand-in for session and UI tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from drivers.camera.driver import (
    Camera,
    CameraMode,
    CameraSettings,
    CameraWorker,
    ErrorCallback,
    FrameCallback,
    FrameSource,
    open_v4l2,
)
from drivers.events import EventSink
from terminal.devices import DeviceAddress

__all__ = ["CameraFeed", "CameraMode", "CameraSettings", "ErrorCallback", "FrameCallback", "camera_for", "open_camera"]


class CameraFeed(Protocol):
    """The camera on its own thread; every callback runs on that thread."""

    def start(self) -> CameraFeed: ...

    def stop(self, timeout: float = 5.0) -> None: ...

    def request_still(self, on_still: FrameCallback) -> None:
        """A full-resolution still at the next frame, handed to `on_still`."""

    def capture_still(self, timeout: float = 10.0) -> np.ndarray:
        """Blocking still, for callers that are not the UI thread."""


def _simulated(address: DeviceAddress) -> FrameSource:
    from drivers.camera.simulator import SimulatedCamera  # the factory chooses; the driver never imports it

    return SimulatedCamera(address)


def camera_for(settings: CameraSettings) -> Camera:
    """The synchronous camera (one thread at a time: a worker, `terminal diag`) for `settings.address`."""
    simulated = settings.address.scheme in ("sim", "file")
    return Camera(settings, _simulated if simulated else open_v4l2)


def open_camera(settings: CameraSettings, events: EventSink, on_frame: FrameCallback,
                on_error: ErrorCallback | None = None,
                on_connected: Callable[[CameraMode], None] | None = None) -> CameraFeed:
    """A camera worker for `settings.address`, not yet started."""
    return CameraWorker(camera_for(settings), events, on_frame, on_error=on_error, on_connected=on_connected)
