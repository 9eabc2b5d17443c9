"""The camera driver through OpenCV's VideoCapture, with image sequences and a video file as the camera."""

from __future__ import annotations

import json
import queue
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.camera import CameraSettings, camera_for
from drivers.camera.driver import Camera, CameraMode, CameraWorker
from drivers.camera.simulator import sequence_pattern
from terminal.cli import main
from terminal.devices import parse_address
from terminal.errors import ConfigError, DeviceError, DeviceFault, DeviceMissing, DeviceTimeout
from terminal.events import EVENTS
from terminal.scanner.synthetic import write_set

SMALL = {"preview_width": 320, "preview_height": 240, "capture_width": 1280, "capture_height": 960}


@pytest.fixture(scope="module")
def sequence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four desk scenes at 640x480 as img_000.jpg ... (an OpenCV image sequence)."""
    return write_set(tmp_path_factory.mktemp("sequence"), "easy", 4, seed=3, size=(640, 480))


@pytest.fixture(scope="module")
def video(sequence: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("video")
    writer = cv2.VideoWriter(str(folder / "desk.avi"), cv2.VideoWriter.fourcc(*"MJPG"), 10, (640, 480))
    for path in sorted(sequence.glob("img_*.jpg")):
        writer.write(cv2.imread(str(path)))
    writer.release()
    return folder


def _camera(address: str, **kw: float) -> Camera:
    return camera_for(CameraSettings(parse_address(address, "camera"), **{"timeout": 1.0, **SMALL, **kw}))


def test_folder_keeps_its_own_mode_and_preview_is_scaled_down(sequence: Path) -> None:
    with _camera(f"file://{sequence}?fps=100") as camera:
        assert (camera.mode.width, camera.mode.height) == (640, 480)  # request ignored, read back
        preview = camera.read_preview()
        assert preview.shape == (240, 320, 3)
        still = camera.capture_still()
        assert still.shape == (480, 640, 3)  # the largest this "camera" gives


def test_frames_come_from_the_files_in_order(sequence: Path) -> None:
    first = cv2.imread(str(sequence / "img_000.jpg"))
    second = cv2.imread(str(sequence / "img_001.jpg"))
    with _camera(f"file://{sequence}?fps=100&hold=2") as camera:
        frames = [camera.read_raw() for _ in range(4)]
    diff = [np.abs(f.astype(int) - first.astype(int)).mean() for f in frames]
    assert diff[0] < 1 and diff[1] < 1  # held for two frames (only sensor noise added)
    assert np.abs(frames[2].astype(int) - second.astype(int)).mean() < 1


def test_video_file_plays(video: Path) -> None:
    assert sequence_pattern(video).endswith("desk.avi")
    with _camera(f"file://{video}?fps=100") as camera:
        assert (camera.mode.width, camera.mode.height) == (640, 480)
        frames = [camera.read_raw() for _ in range(6)]  # 4 frames in the file: it loops
    assert all(f.shape == (480, 640, 3) for f in frames)


def test_simulated_camera_meets_mode_requests() -> None:
    with _camera("sim?fps=100") as camera:
        assert camera.mode == CameraMode(320, 240, "MJPG", 100.0)
        assert camera.read_preview().shape == (240, 320, 3)
        assert camera.capture_still().shape == (960, 1280, 3)
        assert (camera.mode.width, camera.mode.height) == (320, 240)  # back to preview


def test_missing_devices(tmp_path: Path) -> None:
    with pytest.raises(DeviceMissing):
        _camera(f"file://{tmp_path}/nothing-here").open()
    with pytest.raises(DeviceMissing):
        _camera("camera:///dev/video-not-there").open()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ConfigError):
        _camera(f"file://{tmp_path}").open()


def test_no_frames_is_a_timeout(sequence: Path) -> None:
    with _camera(f"file://{sequence}?fault=no_frames&fps=100", timeout=0.3) as camera:
        with pytest.raises(DeviceTimeout):
            camera.read_preview()


def test_frozen_stream_is_a_fault(sequence: Path) -> None:
    with _camera(f"file://{sequence}?fault=frozen&fps=100", frozen_seconds=0.2) as camera:
        with pytest.raises(DeviceFault, match="same frame"):
            for _ in range(200):
                camera.read_preview()


def test_worker_reports_unplug_once_and_reconnects(sequence: Path) -> None:
    address = f"file://{sequence}?fault=unplug&unplug_after=5&replug_after=0.4&fps=100"
    events: queue.Queue[tuple[str, object]] = queue.Queue()
    camera = _camera(address)
    worker = CameraWorker(camera, EVENTS, on_frame=lambda f: events.put(("frame", f.shape)),
                          on_error=lambda e: events.put(("error", e)),
                          on_connected=lambda m: events.put(("connected", m)), reopen_interval=0.05)
    with worker:
        seen: list[str] = []
        while seen.count("connected") < 2:
            kind, payload = events.get(timeout=5)
            seen.append(kind)
            if kind == "error":
                assert isinstance(payload, DeviceMissing)
        kind, payload = events.get(timeout=5)
    assert kind == "frame" and payload == (240, 320, 3)
    assert seen[0] == "connected" and seen.count("error") == 1  # said once, not on every retry
    assert seen.index("error") > 1  # frames flowed before the unplug


def test_worker_still_at_capture_size() -> None:
    frames: queue.Queue[np.ndarray] = queue.Queue()
    with CameraWorker(_camera("sim?fps=60"), EVENTS, on_frame=frames.put) as worker:
        assert frames.get(timeout=10).shape == (240, 320, 3)
        assert worker.capture_still(timeout=10).shape == (960, 1280, 3)
        assert frames.get(timeout=5).shape == (240, 320, 3)  # preview goes on


def test_worker_reports_errors_to_the_callback(sequence: Path) -> None:
    errors: queue.Queue[DeviceError] = queue.Queue()
    camera = _camera(f"file://{sequence}?fault=no_frames&fps=100", timeout=0.2)
    with CameraWorker(camera, EVENTS, on_frame=lambda f: None, on_error=errors.put, reopen_interval=0.05):
        assert isinstance(errors.get(timeout=5), DeviceTimeout)


def _diag(capsys: pytest.CaptureFixture[str], *args: str, config: Path | None = None) -> tuple[int, dict]:
    code = main([*(["--config", str(config)] if config else []), "diag", "camera", "--json", *args])
    return code, json.loads(capsys.readouterr().out)["checks"][0]


def test_diag_camera_reports_mode_rate_focus_and_saves_a_frame(sequence: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "frame.jpg"
    code, check = _diag(capsys, "--device", f"file://{sequence}?fps=30", "--out", str(out))
    assert code == 0 and check["status"] == "ok", check
    details = check["details"]
    assert (details["width"], details["height"]) == (640, 480)
    assert 20 <= details["measured_fps"] <= 35
    assert details["focus_score"] > 20 and 70 < details["exposure"] < 250
    assert cv2.imread(str(out)).shape[:2] == (480, 640)
    config = tmp_path / "t.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    for _ in range(2):  # without --out: one file in the data folder, replaced each run
        assert _diag(capsys, "--device", f"file://{sequence}?fps=30", config=config)[0] == 0
    assert [p.name for p in (tmp_path / "data" / "diagnostics").iterdir()] == ["camera-frame.jpg"]


@pytest.mark.parametrize(("fault", "status", "code"), [("no_frames", "fault", 1), ("frozen", "fault", 1)])
def test_diag_camera_faults(sequence: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            fault: str, status: str, code: int) -> None:
    quick = tmp_path / "quick.toml"
    quick.write_text("[timeouts]\ndevice_seconds = 0.5\n", encoding="utf-8")
    got, check = _diag(capsys, "--device", f"file://{sequence}?fault={fault}&fps=30", "--out", str(tmp_path / "f.jpg"),
                       config=quick)
    assert (got, check["status"]) == (code, status)


def test_diag_camera_absent(capsys: pytest.CaptureFixture[str]) -> None:
    code, check = _diag(capsys, "--device", "camera:///dev/video-not-there")
    assert (code, check["status"]) == (1, "absent")  # a named, real device that is missing fails the run (#17)
    assert "高拍仪" in check["summary"]

