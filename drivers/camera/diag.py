"""`terminal diag camera`: mode read back, measured frame rate, focus and exposure, one saved frame."""

from __future__ import annotations

import time
from contextlib import closing
from typing import Any

import cv2

from drivers.camera import CameraSettings, camera_for
from drivers.camera.driver import frame_fingerprint
from drivers.events import EventSink
from terminal.diagnostics import CheckOptions, CheckResult
from terminal.errors import DeviceFault, DeviceMissing, DeviceTimeout, TerminalError
from terminal.scanner.quality import MIN_LUMINANCE, focus_score

DEVICE = "camera"
MEASURE_SECONDS = 1.0
LOW_FOCUS = 20.0  # variance of the Laplacian below this: lens out of focus or nothing under the camera
MIN_FPS = 5.0


def check(settings: CameraSettings, options: CheckOptions, events: EventSink) -> CheckResult:
    """`options.out` is where the last frame goes (`terminal.assembly.wiring` defaults it to one file in the data
    folder, overwritten each run: frames may show a citizen's papers and must not pile up)."""
    address = settings.address
    details: dict[str, Any] = {"address": str(address)}
    try:
        with closing(camera_for(settings)) as camera:
            mode = camera.open()
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
    if options.out is not None:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        if cv2.imwrite(str(options.out), frame):
            details["frame"] = str(options.out)
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
