"""Technician mode in the real app, offscreen, in its own process (Kivy has one window per process).

Prints one JSON line saying what happened at each step. Usage: python -m tests.technician.ui_probe OUT_DIR
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from terminal.events import EVENTS
from ui import render
from ui.technician import shots


def texts(widget: Any) -> str:
    return " ".join(str(getattr(w, "text", "")) for w in widget.walk())


def main(out: Path) -> None:
    config = shots.demo_config(out / "data")
    camera = dataclasses.replace(config.devices.camera, capture_width=1280, capture_height=960)  # a quicker still
    config = dataclasses.replace(config, devices=dataclasses.replace(config.devices, camera=camera))
    app, mode, clock = shots.start(config)
    report: dict[str, Any] = {}
    from kivy.core.window import Window

    # A citizen: ordinary taps, quick taps on the corner, a long press on a button, a swipe from the corner.
    render.tap(app, "办事指南")
    render.tap(app, "‹ 返回")
    for _ in range(6):
        shots.touch(4, Window.height - 4, 0.3, clock)
    shots.touch(640, 400, 5.0, clock)
    shots.touch(4, Window.height - 4, 5.0, clock, move_to=(120, Window.height - 120))
    report["citizen_opened"] = mode.is_open
    app.session.cancel()
    render.pump()

    # The technician, in the middle of a citizen's session: the session is wiped first.
    render.tap(app, "办事指南")
    shots.hold_corner(clock)
    report["opened"] = mode.is_open and type(mode.view).__name__
    report["session_after_open"] = app.session.state.value
    from kivy.uix.behaviors import ButtonBehavior

    keys = [w for w in mode.layer.walk() if isinstance(w, ButtonBehavior)]  # type: ignore[union-attr]  # the mode is open here
    report["pin_key_mm"] = round(min(min(w.width, w.height) for w in keys) / mode.theme.mm(1), 2)
    shots.save(mode, out / "pinpad.png")

    shots.enter_pin(mode, "999999")
    shots.wait_for(lambda: not mode.view.busy, 20)  # type: ignore[union-attr]  # the mode is open here
    report["wrong_pin_message"] = mode.view.message.text  # type: ignore[union-attr]  # the mode is open here
    report["after_wrong_pin"] = type(mode.view).__name__

    started = time.monotonic()
    shots.enter_pin(mode, shots.DEMO_PIN)
    report["dashboard_complete"] = shots.wait_for(lambda: shots.dashboard_done(mode), 60)
    report["dashboard_seconds"] = round(time.monotonic() - started, 2)  # PIN check plus all eight checks
    report["after_right_pin"] = type(mode.view).__name__
    report["states"] = {d: s.result.status for d, s in mode.states.update([]).items()}
    report["dashboard_text"] = texts(mode.view)
    shots.save(mode, out / "dashboard.png")

    shots.tap_text(mode, "printer")
    shots.wait_for(lambda: "检查中" not in texts(mode.view), 20)
    shots.tap_text(mode, "打印测试页")
    shots.wait_for(lambda: "测试页已打印" in texts(mode.view) or "测试页没有打印" in texts(mode.view), 20)
    report["printer_text"] = texts(mode.view)
    shots.tap_text(mode, "‹ 总览")
    shots.tap_text(mode, "idcard")
    shots.tap_text(mode, "读卡测试")
    shots.wait_for(lambda: "读卡成功" in texts(mode.view), 20)
    report["idcard_text"] = texts(mode.view)
    shots.tap_text(mode, "‹ 总览")
    shots.tap_text(mode, "camera")
    report["camera_preview"] = shots.wait_for(lambda: "对焦" in shots.view_text(mode), 20)
    shots.tap_text(mode, "拍摄测试页")
    shots.wait_for(lambda: "找到页面" in shots.view_text(mode), 40)
    report["camera_text"] = shots.view_text(mode)
    shots.tap_text(mode, "‹ 总览")
    shots.tap_text(mode, "keypad")
    shots.tap_text(mode, "开始按键测试")
    shots.wait_for(lambda: getattr(mode.view, "keypad", None) is not None, 10)
    for key in range(1, 6):
        mode.view.keypad.simulator.press(key)  # type: ignore[union-attr]  # the simulated keypad in this probe
        shots.wait_for(lambda key=key: f"已测 {key}/5" in shots.view_text(mode), 10)
    report["keypad_text"] = shots.view_text(mode)
    shots.tap_text(mode, "‹ 总览")

    shots.tap_text(mode, "screen")
    grid = mode.view.grid  # type: ignore[union-attr]  # the mode is open here
    for x, y in grid.targets():
        wx, wy = grid.to_window(x + 3, y - 2)
        shots.touch(wx, wy)
    report["screen_text"] = shots.view_text(mode)
    shots.tap_text(mode, "‹ 总览")

    shots.tap_text(mode, "outbox")
    shots.tap_text(mode, "目录版本")
    shots.wait_for(lambda: "事项目录" in shots.view_text(mode), 10)
    report["catalog_text"] = shots.view_text(mode)
    shots.tap_text(mode, "立即推送")
    shots.wait_for(lambda: "推送已关闭" in shots.view_text(mode), 10)
    report["push_text"] = shots.view_text(mode)
    shots.tap_text(mode, "‹ 总览")

    shots.tap_text(mode, "导出报告")
    shots.tap_text(mode, "导出报告（")
    shots.wait_for(lambda: "已写入" in shots.view_text(mode), 60)
    report["export_text"] = shots.view_text(mode)
    shots.tap_text(mode, "打印简要报告")
    shots.wait_for(lambda: "打印" in shots.view_text(mode).split("打印简要报告")[-1], 60)
    report["print_text"] = shots.view_text(mode)
    shots.tap_text(mode, "‹ 总览")
    shots.tap_text(mode, "最近事件")
    report["events_text"] = texts(mode.view)
    shots.tap_text(mode, "退出维护")
    report["after_logout"] = [mode.is_open, app.manager.current]

    # Idle: log in again, let the idle time pass on the clock, the 1 s tick closes the layer.
    shots.hold_corner(clock)
    shots.enter_pin(mode, shots.DEMO_PIN)
    shots.wait_for(lambda: shots.dashboard_done(mode), 60)
    clock.offset += config.technician.idle_seconds + 1
    report["idle_closed"] = shots.wait_for(lambda: not mode.is_open, 5)
    report["events"] = [[e.event.name, e.fields] for e in EVENTS.recent(500)
                        if e.event.name.startswith("TECH") or e.event.name == "SELF_TEST"]
    print(json.dumps(report, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
