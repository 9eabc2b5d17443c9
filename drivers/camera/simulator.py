"""Stand-in cameras that play image files or a video through OpenCV's VideoCapture.

`sim` plays synthetic desk scenes (terminal.scanner.synthetic) written once to a temporary folder
as an image sequence; `file:///folder` plays the folder's video file or numbered image sequence
(`img_000.jpg`, `page1.png`, ...). Both loop, hold each image for a number of frames (so that
auto-capture can see a still page) and pace frames like a camera. Options from the address:

- `fault=no_frames`: the device opens but never delivers a frame
- `fault=frozen`: the same frame forever (a hung UVC stream)
- `fault=unplug`: after `unplug_after` frames (default 20) the camera vanishes and cannot be opened
  for `replug_after` seconds (default 1.0), then comes back
- `hold=N` frames per image (default 8 for sim, 1 for file), `fps=N` (default 15)

`sim` behaves like a camera that meets any mode it is asked for (frames are resized to it); a
folder of files keeps its own size, like a camera that ignores requests it cannot meet.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from terminal.devices import DeviceAddress
from terminal.errors import ConfigError, DeviceMissing

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".webm")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
FAULTS = ("no_frames", "frozen", "unplug")
SIM_SCENES = 3

# Unplugged simulated devices, by address, until the monotonic time they come back. Shared across
# instances because the driver reopens by making a new one, as it would with a real device.
_unplugged_until: dict[str, float] = {}
_lock = threading.Lock()
_sim_folder: Path | None = None


def sequence_pattern(folder: Path) -> str:
    """The VideoCapture source for a folder: its video file, or a printf pattern of its numbered images."""
    if not folder.is_dir():
        raise DeviceMissing(f"camera folder {folder} does not exist", device="camera")
    files = sorted(p for p in folder.iterdir() if p.is_file())
    videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
    if videos:
        return str(videos[0])
    groups: dict[tuple[str, int, str], list[int]] = {}
    for p in files:
        m = re.fullmatch(r"(.*?)(\d+)(\.[A-Za-z]+)", p.name)
        if m and m.group(3).lower() in IMAGE_SUFFIXES:
            groups.setdefault((m.group(1), len(m.group(2)), m.group(3)), []).append(int(m.group(2)))
    if not groups:
        raise ConfigError(f"camera folder {folder} holds no video and no numbered images (img_000.jpg ...)")
    (prefix, width, suffix), _numbers = max(groups.items(), key=lambda kv: len(kv[1]))
    return str(folder / f"{prefix}%0{width}d{suffix}")


def sim_folder() -> Path:
    """Synthetic desk scenes for `sim`, written once per process by a child process.

    Rendering the scenes takes some 110 MB for a moment and leaves 40 MB behind in the process that
    does it; a real camera does not draw its pictures in the kiosk either, so the kiosk only reads
    the finished images, frame by frame, as it would read a camera."""
    global _sim_folder
    with _lock:
        if _sim_folder is None:
            folder = Path(tempfile.mkdtemp(prefix="sim-camera-"))
            root = str(Path(__file__).resolve().parents[2])  # the folder that holds `drivers` and `terminal`
            path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
            done = subprocess.run([sys.executable, "-m", "drivers.camera.simulator", str(folder)],
                                  env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True,
                                  timeout=120, check=False)
            if done.returncode != 0:
                raise DeviceMissing(f"the camera simulator could not draw its scenes: {done.stderr[-300:]}",
                                    device="camera")
            _sim_folder = folder
        return _sim_folder


def write_scenes(folder: Path) -> Path:
    """The simulator's own process: draw the synthetic desk scenes `sim` plays into `folder`."""
    from terminal.scanner.synthetic import write_set

    return write_set(folder, "easy", SIM_SCENES, seed=7)


def unplug(raw_address: str, seconds: float) -> None:
    with _lock:
        _unplugged_until[raw_address] = time.monotonic() + seconds


def is_unplugged(raw_address: str) -> bool:
    with _lock:
        return time.monotonic() < _unplugged_until.get(raw_address, 0.0)


class SimulatedCamera:
    """Offers the part of cv2.VideoCapture the driver uses: isOpened, read, set, get, release."""

    def __init__(self, address: DeviceAddress) -> None:
        unknown = address.faults - set(FAULTS)
        if unknown:
            raise ConfigError(f"unknown camera simulator fault {', '.join(sorted(unknown))}; known: {', '.join(FAULTS)}")
        if is_unplugged(address.raw):
            raise DeviceMissing(f"simulated camera {address} is unplugged", device="camera")
        self.address = address
        self.faults = address.faults
        options = address.options
        self.meets_requests = address.scheme == "sim"
        folder = sim_folder() if address.scheme == "sim" else Path(address.target)
        self.source = sequence_pattern(folder)
        self.capture = cv2.VideoCapture(self.source)
        if not self.capture.isOpened():
            raise DeviceMissing(f"cannot play {self.source}", device="camera")
        self.hold = max(1, int(options.get("hold", "8" if address.scheme == "sim" else "1")))
        self.fps = max(1.0, float(options.get("fps", "15")))
        self.unplug_after = int(options.get("unplug_after", "20"))
        self.replug_after = float(options.get("replug_after", "1.0"))
        self.mode: tuple[int, int] | None = None
        self.fourcc = 0.0
        self.frames_read = 0
        self.current: np.ndarray | None = None
        self.held = 0
        self.next_time = time.monotonic()
        self.rng = np.random.default_rng(0)
        self.open = True

    def isOpened(self) -> bool:
        return self.open and not is_unplugged(self.address.raw)

    def _next_image(self) -> np.ndarray | None:
        ok, frame = self.capture.read()
        if not ok:  # end of the sequence: loop
            self.capture.release()
            self.capture = cv2.VideoCapture(self.source)
            ok, frame = self.capture.read()
        return frame if ok else None

    def read(self) -> tuple[bool, np.ndarray | None]:
        if not self.isOpened():
            return False, None
        delay = self.next_time - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # pace like a camera's frame clock
        self.next_time = max(self.next_time + 1.0 / self.fps, time.monotonic())
        if "no_frames" in self.faults:
            return False, None
        if "unplug" in self.faults and self.frames_read >= self.unplug_after:
            unplug(self.address.raw, self.replug_after)
            self.open = False
            log.info("simulated camera unplugged address=%s", self.address)
            return False, None
        if self.current is None or (self.held >= self.hold and "frozen" not in self.faults):
            image = self._next_image()
            if image is None:
                return False, None
            if self.meets_requests and self.mode and (image.shape[1], image.shape[0]) != self.mode:
                image = cv2.resize(image, self.mode, interpolation=cv2.INTER_LINEAR)
            self.current, self.held = image, 0
        self.held += 1
        self.frames_read += 1
        if "frozen" in self.faults:
            return True, self.current.copy()
        noise = self.rng.integers(-2, 3, size=(16, self.current.shape[1], self.current.shape[2]), dtype=np.int16)
        frame = self.current.copy()
        rows = self.rng.integers(0, max(1, frame.shape[0] - 16))  # sensor noise: no two frames are equal
        frame[rows:rows + 16] = np.clip(frame[rows:rows + 16].astype(np.int16) + noise[: frame.shape[0] - rows], 0, 255)
        return True, frame

    def set(self, prop: int, value: float) -> bool:
        if not self.meets_requests:
            return False
        if prop == cv2.CAP_PROP_FRAME_WIDTH:
            self.mode = (int(value), self.mode[1] if self.mode else int(value * 3 / 4))
        elif prop == cv2.CAP_PROP_FRAME_HEIGHT:
            self.mode = (self.mode[0] if self.mode else int(value * 4 / 3), int(value))
        elif prop == cv2.CAP_PROP_FOURCC:
            self.fourcc = value
        elif prop == cv2.CAP_PROP_FPS:
            self.fps = max(1.0, float(value))
        else:
            return False
        if self.current is not None and self.mode and (self.current.shape[1], self.current.shape[0]) != self.mode:
            self.current = cv2.resize(self.current, self.mode, interpolation=cv2.INTER_LINEAR)
        return True

    def get(self, prop: int) -> float:
        if prop in (cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT):
            if self.meets_requests and self.mode:
                return float(self.mode[0] if prop == cv2.CAP_PROP_FRAME_WIDTH else self.mode[1])
            if self.current is None:
                self.current = self._next_image()
                self.held = 0
            if self.current is None:
                return 0.0
            return float(self.current.shape[1] if prop == cv2.CAP_PROP_FRAME_WIDTH else self.current.shape[0])
        if prop == cv2.CAP_PROP_FOURCC:
            return self.fourcc if self.meets_requests else float(self.capture.get(cv2.CAP_PROP_FOURCC))
        if prop == cv2.CAP_PROP_FPS:
            return self.fps
        return float(self.capture.get(prop))

    def release(self) -> None:
        self.open = False
        self.capture.release()


if __name__ == "__main__":
    write_scenes(Path(sys.argv[1]))
