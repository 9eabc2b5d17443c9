"""Drive technician mode offscreen: the hidden gesture, the PIN pad, the dashboard, device views; save PNGs.

Used by the docs screenshots and by tests/technician/ui_probe.py (Kivy has one window per
process). The gesture is held with a clock this module moves, so nobody waits three seconds.

    python -m ui.technician.shots --out docs/screenshots
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal import config as config_module
from terminal.assembly.technician import technician_auth
from terminal.config import Config
from terminal.devices import parse_address
from ui import render

if TYPE_CHECKING:  # imported after render.start(): Kivy makes its window on first import
    from ui.technician.mode import TechnicianMode

DEMO_PIN = "135790"


class HeldClock:
    """Monotonic time plus whatever the driver adds, for holding a finger without waiting."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def demo_config(data_dir: Path) -> Config:
    """Simulated devices, PIN-only entry allowed, everything written under `data_dir`."""
    base = config_module.with_simulated_devices(config_module.load(None))
    return dataclasses.replace(base, storage=dataclasses.replace(base.storage, data_dir=data_dir),
                               technician=dataclasses.replace(base.technician, allow_pin_only=True))


def start(config: Config) -> tuple[Any, TechnicianMode, HeldClock]:
    """The real kiosk offscreen with its technician mode; the PIN-only PIN enrolled; one clock for all waits."""
    from ui.demo import start_kiosk

    technician_auth(config, scrypt_n=2 ** 12).set_pin_only(DEMO_PIN)
    app = start_kiosk(config)
    clock = HeldClock()
    mode = app.technician
    mode.clock = mode.gesture.clock = mode.gate.clock = clock  # held fingers and idle time pass without waiting
    return app, mode, clock


def touch(x: float, y: float, hold: float = 0.0, clock: HeldClock | None = None,
          move_to: tuple[float, float] | None = None) -> None:
    """A finger at window (x, y), optionally sliding and held `hold` seconds (on `clock`)."""
    from ui.finger import Finger

    finger = Finger(x, y)
    finger.down()
    render.pump(1)
    if move_to is not None:
        finger.move_to(*move_to)
    if clock is not None:
        clock.offset += hold
    finger.up()
    render.pump(2)


def hold_corner(clock: HeldClock, seconds: float = 3.2) -> None:
    from kivy.core.window import Window

    touch(4, Window.height - 4, seconds, clock)


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Pump frames (which also runs Clock callbacks from worker threads) until `condition` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        render.pump(1)
        if condition():
            return True
        time.sleep(0.02)
    return False


def tap_text(mode: TechnicianMode, text: str) -> None:
    """Tap the first button in the technician layer whose text starts with `text` (or a device card by name)."""
    from kivy.uix.behaviors import ButtonBehavior

    assert mode.layer is not None
    for widget in mode.layer.walk():
        if isinstance(widget, ButtonBehavior) and (getattr(widget, "device", None) == text
                                                   or str(getattr(widget, "text", "")).startswith(text)):
            x, y = widget.to_window(*widget.center)
            touch(x, y)
            return
    raise LookupError(f"no button {text!r} in the technician layer")


def enter_pin(mode: TechnicianMode, pin: str) -> None:
    for digit in pin:
        tap_text(mode, digit)
    tap_text(mode, "确认")


def dashboard_done(mode: TechnicianMode) -> bool:
    from ui.technician.dashboard import Dashboard

    view = mode.view
    return isinstance(view, Dashboard) and all(
        "检查中" not in getattr(child, "text", "") for card in view.cards.values() for child in card.walk())


def view_text(mode: TechnicianMode) -> str:
    """All text on the current technician view (to wait for a result to appear)."""
    return " ".join(str(getattr(w, "text", "")) for w in mode.view.walk()) if mode.view is not None else ""


def save(mode: TechnicianMode, path: Path) -> Path:
    render.pump(2)
    assert mode.layer is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    mode.layer.export_to_png(str(path))
    return path


def with_faults(config: Config, **addresses: str) -> Config:
    """The same configuration with some simulators' fault switches on (`printer="sim?fault=paper_near_end"`)."""
    devices = config.devices
    changed = {name: dataclasses.replace(getattr(devices, name), address=parse_address(address, name))
               for name, address in addresses.items()}
    return dataclasses.replace(config, devices=dataclasses.replace(devices, **changed))


def render_docs(out: Path) -> list[Path]:
    """The docs screenshots, with a printer low on paper and a silent keypad so the states show."""
    config = with_faults(demo_config(Path(tempfile.mkdtemp(prefix="tech-shots-"))),
                         printer="sim?fault=paper_near_end", keypad="sim?fault=no_answer")
    _app, mode, clock = start(config)
    hold_corner(clock)
    shots = []
    for digit in DEMO_PIN[:4]:
        tap_text(mode, digit)
    shots.append(save(mode, out / "technician-pinpad.png"))
    for digit in DEMO_PIN[4:]:
        tap_text(mode, digit)
    tap_text(mode, "确认")
    wait_for(lambda: dashboard_done(mode), 60)
    shots.append(save(mode, out / "technician-dashboard.png"))
    tap_text(mode, "printer")
    wait_for(lambda: "检查中" not in view_text(mode), 30)
    shots.append(save(mode, out / "technician-printer.png"))
    tap_text(mode, "‹ 总览")
    tap_text(mode, "idcard")
    tap_text(mode, "读卡测试")
    wait_for(lambda: "读卡成功" in view_text(mode), 30)
    shots.append(save(mode, out / "technician-idcard.png"))
    tap_text(mode, "‹ 总览")
    tap_text(mode, "camera")
    wait_for(lambda: "对焦" in view_text(mode), 30)
    tap_text(mode, "拍摄测试页")
    wait_for(lambda: "找到页面" in view_text(mode), 60)
    shots.append(save(mode, out / "technician-camera.png"))
    tap_text(mode, "‹ 总览")
    tap_text(mode, "最近事件")
    shots.append(save(mode, out / "technician-events.png"))
    tap_text(mode, "退出维护")
    return shots


def shrink_png(path: Path) -> None:
    """Palette PNG (256 colours): a quarter of the size, no visible change for flat UI colours."""
    from PIL import Image

    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="render the technician screens offscreen to PNG")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    for path in render_docs(parser.parse_args().out):
        shrink_png(path)
        print(path)


if __name__ == "__main__":
    main()
