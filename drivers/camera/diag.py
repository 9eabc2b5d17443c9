"""`terminal diag camera`: mode read back, measured frame rate, focus and exposure, one saved frame."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import cv2

from drivers.camera.driver import Camera, frame_fingerprint
from terminal.config import Config
from terminal.devices import DeviceAddress
from terminal.diagnostics import CheckResult
from terminal.errors import DeviceFault, DeviceMissing, DeviceTimeout, TerminalError
from terminal.scanner.quality import MIN_LUMINANCE, focus_score

DEVICE = "camera"
MEASURE_SECONDS = 1.0
LOW_FOCUS = 20.0  # variance of the Laplacian below this: lens out of focus or nothing under the camera
MIN_FPS = 5.0


def _frame_path(config: Config, options: argparse.Namespace) -> Path:
    out = getattr(options, "out", None)
    if out:
        return Path(out)
    # One file, overwritten each run: frames may show a citizen's papers and must not pile up.
    return Path(config.storage.data_dir) / "diagnostics" / "camera-frame.jpg"


def check(config: Config, address: DeviceAddress | None, options: argparse.Namespace) -> CheckResult:
    address = address or config.devices.camera.address
    details: dict[str, Any] = {"address": str(address)}
    try:
        with Camera.from_config(config, address) as camera:
            mode = camera.mode
            details.update(width=mode.width, height=mode.height, fourcc=mode.fourcc, reported_fps=mode.fps)
            frame = camera.read_preview()
            count, start, seen = 0, time.monotonic(), set()
            while time.monotonic() - start < MEASURE_SECONDS:
                frame = camera.read_preview()
                seen.add(frame_fingerprint(frame))
                count += 1
            details["measured_fps"] = round(count / (time.monotonic() - start), 1)
            if count >= 3 and len(seen) == 1:
                raise DeviceFault(f"camera {address} repeats the same frame (stream hung)", device=DEVICE)
    except DeviceMissing as e:
        return CheckResult(DEVICE, "absent", f"找不到高拍仪，请检查USB连线 (no camera at {address}: {e.message})", details)
    except (DeviceTimeout, DeviceFault) as e:
        return CheckResult(DEVICE, "fault", f"高拍仪没有画面或画面卡住，请重新插拔USB或重启终端 ({e.message})", details)
    except TerminalError as e:
        return CheckResult(DEVICE, "fault", f"高拍仪出错: {e.for_people()}", details)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    details["focus_score"] = round(focus_score(gray), 1)
    details["exposure"] = round(float(gray.mean()), 1)
    path = _frame_path(config, options)
    path.parent.mkdir(parents=True, exist_ok=True)
    if cv2.imwrite(str(path), frame):
        details["frame"] = str(path)
    problems = []
    if details["measured_fps"] < MIN_FPS:
        problems.append(f"帧率偏低 (only {details['measured_fps']} fps)")
    if details["focus_score"] < LOW_FOCUS:
        problems.append(f"画面模糊，请检查镜头对焦 (focus score {details['focus_score']})")
    if details["exposure"] < MIN_LUMINANCE:
        problems.append(f"画面太暗，请检查补光灯 (exposure {details['exposure']})")
    summary = (f"{mode.width}x{mode.height} {mode.fourcc or '?'} {details['measured_fps']} fps, "
               f"focus {details['focus_score']}, exposure {details['exposure']}")
    if problems:
        return CheckResult(DEVICE, "warning", "；".join(problems) + f" ({summary})", details)
    return CheckResult(DEVICE, "ok", f"高拍仪正常 ({summary})", details)
