"""`terminal diag keypad [--device ADDRESS] [--read] [--json]`: hello, LED and beep test, one key press.

Without `--read` the check only talks to the keypad (serial: hello, all LEDs on and off, one
beep); with it, it also waits for one key press and shows the rating that key gives.
"""

from __future__ import annotations

import queue
from typing import Any

from drivers.events import EventSink
from drivers.keypad import KeypadSettings, RatingEvent, open_keypad
from drivers.keypad.driver import SerialKeypad
from terminal.diagnostics import CheckOptions, CheckResult
from terminal.errors import DeviceMissing

DEVICE = "keypad"
KEY_WAIT_SECONDS = 15.0


def check(settings: KeypadSettings, options: CheckOptions, events: EventSink) -> CheckResult:
    address = settings.address
    presses: queue.Queue[RatingEvent] = queue.Queue()
    details: dict[str, Any] = {"address": str(address)}
    try:
        keypad = open_keypad(settings, events, presses.put)
    except DeviceMissing as e:
        return CheckResult(DEVICE, "absent", f"找不到评价器，请检查USB或串口连线 ({e.message})", details)
    try:
        if isinstance(keypad, SerialKeypad):
            hello = keypad.query_hello()
            if hello is None:
                return CheckResult(DEVICE, "fault", f"评价器没有应答，请检查电源、连线和端口 (no HELLO from {address})",
                                   details)
            details.update(kind="serial", model=hello.model, firmware=hello.firmware, keys=hello.keys,
                           led_test=keypad.set_led("ALL", "ON") and keypad.set_led("ALL", "OFF"),
                           beep_test=keypad.beep(100))
        else:
            details.update(kind="hid", input=str(keypad.path))
        if options.read:
            try:
                event = presses.get(timeout=KEY_WAIT_SECONDS)
            except queue.Empty:
                return CheckResult(DEVICE, "warning", f"评价器已连接，但{KEY_WAIT_SECONDS:.0f}秒内没有按键 "
                                                      "(no key pressed)", details)
            details.update(key=event.rating.value, rating=event.rating.label)
            return CheckResult(DEVICE, "ok", f"评价器正常，按下的是{event.rating.value}号键：{event.rating.label}",
                               details)
    finally:
        keypad.stop()
    if details.get("led_test") is False or details.get("beep_test") is False:
        return CheckResult(DEVICE, "warning", "评价器应答正常，但指示灯或蜂鸣器命令没有确认 (LED/beep not acknowledged)",
                           details)
    return CheckResult(DEVICE, "ok", "评价器正常 (keypad ready)", details)
