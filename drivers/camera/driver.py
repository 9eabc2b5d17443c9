"""Document camera driver: OpenCV VideoCapture, MJPG modes read back, preview thread, stills.

Cameras silently ignore modes they cannot meet, so every request (FOURCC, size) is read back and
the mode actually running is what the driver reports and uses. Preview runs at the preview size;
a still switches to the capture size for one frame and back (UVC cameras need a few frames after
a mode switch before exposure settles, so those are dropped). Frames bigger than the preview size
are scaled down before they are handed out, so the UI always gets preview-sized frames.

`CameraWorker` owns the device on its own thread and hands frames to callbacks (the UI marshals
them onto its thread). When the camera goes away it reports that once, keeps trying to reopen,
and reports once when it is back.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np

from drivers.events import EventSink
from terminal.devices import DeviceAddress
from terminal.errors import DeviceError, DeviceFault, DeviceMissing, DeviceTimeout
from terminal.events import EventId

log = logging.getLogger(__name__)

DEVICE = "camera"
SETTLE_FRAMES = 3  # frames dropped after a mode switch
FROZEN_SECONDS = 2.0  # identical frames for this long mean the stream hung


class FrameSource(Protocol):
    """The part of cv2.VideoCapture the driver uses (the simulator offers the same)."""

    def isOpened(self) -> bool: ...
    def read(self) -> tuple[bool, Any]: ...
    def set(self, prop: int, value: float) -> bool: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...


@dataclass(frozen=True)
class CameraSettings:
    """What the camera driver needs; built from the configuration above the drivers."""

    address: DeviceAddress
    timeout: float = 3.0
    preview_width: int = 1280
    preview_height: int = 960
    capture_width: int = 2592
    capture_height: int = 1944
    frozen_seconds: float = FROZEN_SECONDS


SourceOpener = Callable[[DeviceAddress], FrameSource]


@dataclass(frozen=True)
class CameraMode:
    """What the camera actually runs at, as read back after asking."""

    width: int
    height: int
    fourcc: str
    fps: float


def fourcc_text(value: float) -> str:
    code = int(value)
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text if code and text.isprintable() else ""


def open_v4l2(address: DeviceAddress) -> FrameSource:
    """A VideoCapture for a `camera://` address; DeviceMissing when it cannot be opened."""
    if address.scheme != "camera":
        raise DeviceMissing(f"{address} is not a camera address", device=DEVICE)
    import cv2  # OpenCV (some 25 MB) only once a camera opens: a kiosk at its home screen has none
    target: int | str = int(address.target) if address.target.isdigit() else address.target
    if isinstance(target, str) and not os.path.exists(target):
        raise DeviceMissing(f"no camera at {target}", device=DEVICE)
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # our own error says it in words
    capture = cv2.VideoCapture(target, cv2.CAP_V4L2)
    if not capture.isOpened():
        capture.release()
        raise DeviceMissing(f"no camera at {address}", device=DEVICE)
    return capture


def frame_fingerprint(frame: np.ndarray) -> int:
    """A cheap checksum of a frame; a live sensor never repeats it exactly."""
    return zlib.crc32(np.ascontiguousarray(frame[::16, ::16]).data)


class Camera:
    """Synchronous camera access for one thread at a time (the worker, `terminal diag`)."""

    def __init__(self, settings: CameraSettings, open_source: SourceOpener = open_v4l2) -> None:
        self.address = settings.address
        self.settings = settings
        self.timeout = settings.timeout
        self.frozen_seconds = settings.frozen_seconds
        self._open_source = open_source  # `drivers.camera.camera_for` gives `sim` and `file` the simulator
        self.source: FrameSource | None = None
        self.mode: CameraMode | None = None
        self._fingerprint = 0
        self._same_since = 0.0

    def __enter__(self) -> Camera:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> CameraMode:
        """Open the device in preview mode; DeviceMissing when it is not there."""
        self.close()
        self.source = self._open_source(self.address)
        self._same_since = 0.0
        return self.set_mode(self.settings.preview_width, self.settings.preview_height)

    def close(self) -> None:
        if self.source is not None:
            self.source.release()
            self.source = None

    def set_mode(self, width: int, height: int) -> CameraMode:
        """Ask for MJPG at width x height and return what the camera really does."""
        import cv2

        source = self._source()
        source.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        source.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        source.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        mode = CameraMode(int(source.get(cv2.CAP_PROP_FRAME_WIDTH)), int(source.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                          fourcc_text(source.get(cv2.CAP_PROP_FOURCC)), round(float(source.get(cv2.CAP_PROP_FPS)), 2))
        if (mode.width, mode.height) != (width, height):
            log.info("camera mode differs from request asked=%dx%d got=%dx%d fourcc=%s",
                     width, height, mode.width, mode.height, mode.fourcc)
        self.mode = mode
        return mode

    def _source(self) -> FrameSource:
        if self.source is None or not self.source.isOpened():
            raise DeviceMissing(f"camera {self.address} is not open", device=DEVICE)
        return self.source

    def read_raw(self) -> np.ndarray:
        """The next frame as the camera delivers it; typed errors for missing, silent or hung cameras."""
        deadline = time.monotonic() + self.timeout
        while True:
            source = self._source()
            ok, frame = source.read()
            if ok and frame is not None and frame.size:
                self._watch_frozen(frame)
                return cast("np.ndarray", frame)
            if not source.isOpened() or self._node_gone():
                raise DeviceMissing(f"camera {self.address} went away", device=DEVICE)
            if time.monotonic() >= deadline:
                raise DeviceTimeout(f"camera {self.address} delivered no frame in {self.timeout:.1f} s", device=DEVICE)

    def _node_gone(self) -> bool:
        """An unplugged UVC camera's /dev node disappears while VideoCapture still says it is open."""
        if self.address.scheme != "camera":
            return False
        target = self.address.target
        return not os.path.exists(f"/dev/video{target}" if target.isdigit() else target)

    def _watch_frozen(self, frame: np.ndarray) -> None:
        fingerprint = frame_fingerprint(frame)
        now = time.monotonic()
        if fingerprint != self._fingerprint or not self._same_since:
            self._fingerprint, self._same_since = fingerprint, now
        elif now - self._same_since > self.frozen_seconds:
            raise DeviceFault(f"camera {self.address} repeats the same frame (stream hung)", device=DEVICE)

    def read_preview(self) -> np.ndarray:
        """A frame no bigger than the preview size (scaled down when the camera ignored the request)."""
        frame = self.read_raw()
        limit_w, limit_h = self.settings.preview_width, self.settings.preview_height
        h, w = frame.shape[:2]
        if w > limit_w or h > limit_h:
            import cv2

            scale = min(limit_w / w, limit_h / h)
            frame = cv2.resize(frame, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        return frame

    def capture_still(self) -> np.ndarray:
        """One frame at the capture size (or the largest the camera gives), then back to preview."""
        self.set_mode(self.settings.capture_width, self.settings.capture_height)
        try:
            for _ in range(SETTLE_FRAMES):
                self.read_raw()
            return self.read_raw()
        finally:
            self.set_mode(self.settings.preview_width, self.settings.preview_height)


FrameCallback = Callable[[np.ndarray], None]
ErrorCallback = Callable[[DeviceError], None]


class CameraWorker:
    """The camera on its own thread: preview frames and stills to callbacks, reopen after unplug.

    Callbacks run on the worker thread: a Kivy UI marks them `@mainthread`. Errors are
    reported once when the camera goes (or hangs) and `on_connected` once when it is back.
    """

    def __init__(self, camera: Camera, events: EventSink, on_frame: FrameCallback,
                 on_error: ErrorCallback | None = None, on_connected: Callable[[CameraMode], None] | None = None,
                 reopen_interval: float = 0.5) -> None:
        self.camera = camera
        self.events = events
        self.on_frame = on_frame
        self.on_error = on_error
        self.on_connected = on_connected
        self.reopen_interval = reopen_interval
        self._stills: queue.Queue[FrameCallback] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = False
        self.last_error: DeviceError | None = None

    def start(self) -> CameraWorker:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="camera", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.camera.close()

    def __enter__(self) -> CameraWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def request_still(self, on_still: FrameCallback) -> None:
        """Take a full-resolution still at the next frame and hand it to `on_still` (on this thread)."""
        self._stills.put(on_still)

    def capture_still(self, timeout: float = 10.0) -> np.ndarray:
        """Blocking still for callers that are not the UI thread (tests, command line)."""
        box: queue.Queue[np.ndarray] = queue.Queue()
        self.request_still(box.put)
        try:
            return box.get(timeout=timeout)
        except queue.Empty:
            raise DeviceTimeout(f"no still from camera {self.camera.address} in {timeout:.0f} s", device=DEVICE) from None

    def _report(self, error: DeviceError) -> None:
        if self.connected or self.last_error is None or type(error) is not type(self.last_error):
            log.warning("camera unavailable address=%s error=%s", self.camera.address, type(error).__name__)
            self.events.record(EventId.DEVICE_LOST, device=DEVICE, address=self.camera.address.raw,
                          reason=type(error).__name__)
            if self.on_error is not None:
                self.on_error(error)
        self.connected = False
        self.last_error = error

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.connected:
                try:
                    mode = self.camera.open()
                except DeviceError as e:
                    self._report(e)
                    self._stop.wait(self.reopen_interval)
                    continue
                if self.last_error is not None:  # it had gone (or never came) and answers now
                    self.events.record(EventId.DEVICE_BACK, device=DEVICE, address=self.camera.address.raw)
                self.connected, self.last_error = True, None
                log.info("camera connected address=%s mode=%dx%d fourcc=%s", self.camera.address,
                         mode.width, mode.height, mode.fourcc)
                if self.on_connected is not None:
                    self.on_connected(mode)
            try:
                try:
                    on_still = self._stills.get_nowait()
                except queue.Empty:
                    self.on_frame(self.camera.read_preview())
                else:
                    on_still(self.camera.capture_still())
            except DeviceError as e:
                self.camera.close()
                self._report(e)
                self._stop.wait(self.reopen_interval)
