"""A blind person at the real kiosk, offscreen: headphones in, keys only, never a touch.

Used by tests/test_audionav.py. Usage: python -m tests.ui_audionav_probe OUT_DIR
Every key goes through the simulated rating keypad's serial line (pty) and the real driver, or
through the window's keyboard input for the 4-key tactile pad; the person listens to what the
kiosk says (`Speaker.spoken`) and presses select when they hear what they want. The report is
the spoken script and what reached the outbox.
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import time
from pathlib import Path
from typing import Any

from terminal import config as config_module
from terminal.session import State
from terminal.spoken import speakable
from tests.kivy_probe import probe_main
from ui.demo import DemoFailed, demo_config, start_kiosk
from ui.render import pump, save

UP, DOWN, SELECT, BACK, REPEAT = 1, 2, 3, 4, 5  # the rating keypad's keys in audio navigation (the default)


class Listener:
    """Presses a key and waits for what the kiosk says next."""

    def __init__(self, app: Any, out: Path) -> None:
        self.app, self.out = app, out
        self.script: list[str] = []  # every utterance, in order
        self.seen = 0

    def heard(self) -> str:
        return self.script[-1] if self.script else ""

    def collect(self) -> None:
        speaker = self.app.speaker
        new = speaker.said - self.seen
        if new > 0:
            self.script.extend(list(speaker.spoken)[-new:])
            self.seen = speaker.said

    def wait(self, what: str, done: Any, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise DemoFailed(f"timed out waiting for {what} (screen {self.app.manager.current}, "
                                 f"heard {self.script[-3:]})")
            pump(1)
            time.sleep(0.01)
        pump()
        self.collect()

    def key(self, number: int) -> str:
        """One press on the keypad (through its serial line); returns what was said in answer."""
        before = self.app.speaker.said
        self.app.hardware.keypad.simulator.press(number)
        self.wait(f"an answer to key {number}", lambda: self.app.speaker.said > before)
        return self.heard()

    def find(self, words: str, exact: bool = False, limit: int = 80) -> str:
        """Move the focus until it says `words` (at the start, or the whole element when `exact`)."""
        direction = DOWN
        for _ in range(limit):
            said = self.key(direction)
            if (said.split("，")[0] == words) if exact else said.startswith(words):
                return said
            if said in ("已经是最后一项", "已经是第一项"):
                direction = UP if direction == DOWN else DOWN
        raise DemoFailed(f"never heard {words!r} on {self.app.manager.current}; last {self.script[-5:]}")

    def choose(self, words: str, exact: bool = False) -> None:
        self.find(words, exact)
        self.key(SELECT)

    def shot(self, name: str) -> None:
        save(self.app, self.out / f"{name}.png")


def apply_by_keys(p: Listener) -> dict[str, Any]:
    """Search (letters on the on-screen keyboard), guide, card, phone on the spoken number pad,
    materials, confirmation by key instead of a signature, submit, receipt, rating."""
    app, session = p.app, p.app.session
    p.choose("我要办事")
    p.wait("the item screen", lambda: session.state == State.ITEM)
    p.choose("搜索")
    for letter in "lnryd":  # 老年人优待证申领: no fields of its own to type, materials to scan
        p.choose(letter, exact=True)
    item = next(i for i in session.search_results if i.guide is not None and len(i.guide.materials) >= 2)
    p.choose(speakable(item.title))
    p.wait("the guide", lambda: session.state == State.GUIDE)
    guide_script = p.heard()
    p.choose("开始办理")
    p.wait("the consent notice", lambda: session.state == State.CONSENT)
    p.choose("点这里单独同意")  # the separate consent for sensitive data, then 本人办理
    p.choose("本人办理", exact=True)
    p.wait("the card reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    app.hardware.reader.simulator.place("resident")  # the card on the reader: found by touch, not by sight
    p.wait("the form", lambda: session.state == State.FORM)
    words = {str(d): w for d, w in zip("0123456789", "零一二三四五六七八九", strict=True)}
    for digit in "13800138000":
        p.choose(words[digit], exact=True)
    p.shot("audionav-form")
    p.choose("下一步")
    p.wait("the materials", lambda: session.state == State.MATERIALS)
    p.wait("two materials scanned", lambda: sum(s.done for s in session.materials) >= 2, 90)
    p.choose("下一步")
    p.wait("the review", lambda: session.state == State.REVIEW)
    p.find("无法签名")
    p.shot("audionav-review")
    p.key(SELECT)
    p.wait("the case number", lambda: session.state == State.SUBMIT, 15)
    case_no = session.case.case_no
    submit_script = p.heard()
    p.choose("打印回执")
    p.wait("the rating, straight after the receipt", lambda: session.state == State.RATING, 60)
    rating_script = p.heard()
    p.shot("audionav-rating")
    p.choose("满意", exact=True)
    p.wait("the thanks", lambda: app.manager.current_screen.model.done)
    p.choose("完成")
    p.wait("home", lambda: session.state == State.HOME)
    ratings = [r for r in app.outbox.records() if r.kind == "rating"]
    return {"case_no": case_no, "guide_script": guide_script, "submit_script": submit_script,
            "rating_script": rating_script, "ratings": len(ratings),
            "materials": [item.guide.materials[0].name] if item.guide else []}


def progress_by_keys(p: Listener, case_no: str) -> dict[str, Any]:
    """进度查询: the case number's digits on the spoken number pad, then 查询; the answer is read."""
    app, session = p.app, p.app.session
    p.choose("进度查询")
    p.wait("the progress screen", lambda: session.state == State.PROGRESS)
    words = {str(d): w for d, w in zip("0123456789", "零一二三四五六七八九", strict=True)}
    for digit in case_no.replace("-", "")[len(app.settings.terminal.id):]:
        p.choose(words[digit], exact=True)
    p.choose("查询")
    screen = app.manager.current_screen
    p.wait("the answer", lambda: screen.results is not None)
    before = len(p.script)
    p.key(REPEAT)
    answer = " ".join(p.script[before:])
    p.choose("完成")
    p.wait("home", lambda: session.state == State.HOME)
    return {"answer": answer}


def tactile_pad(p: Listener) -> dict[str, Any]:
    """The 4-key pad, a USB keyboard device: its keys reach the focus through the window's keyboard
    input; any other key from a stray keyboard still does nothing."""
    from kivy.core.window import Keyboard, Window

    app = p.app

    def press(name: str) -> str:
        before = app.speaker.said
        Window.dispatch("on_keyboard", Keyboard.keycodes[name], 0, "", [])
        p.wait(f"an answer to {name}", lambda: app.speaker.said > before, 5)
        return p.heard()

    first = press("down")
    second = press("down")
    back_at_first = press("up")
    before = app.speaker.said
    Window.dispatch("on_keyboard", Keyboard.keycodes["a"], 0, "a", [])
    pump(3)
    return {"first": first, "second": second, "up": back_at_first, "stray_key_said": app.speaker.said - before,
            "ring_shown": app.audionav.ring.opacity == 1 and app.audionav.ring.parent is not None}


def main(out: Path) -> None:
    faulthandler.dump_traceback_later(300, exit=True)
    jack = out / "headphone-jack"
    jack.write_text("0", encoding="ascii")
    base = config_module.load(None)
    config = demo_config(base, out)
    config = dataclasses.replace(config, accessibility=dataclasses.replace(config.accessibility,
                                                                           headphone_jack=str(jack)))
    app = start_kiosk(config)
    p = Listener(app, out)
    report: dict[str, Any] = {}
    try:
        p.wait("the keypad", lambda: app.hardware.keypad is not None)
        report["before_headphones"] = app.audionav.on
        jack.write_text("1", encoding="ascii")  # headphones plugged in
        p.wait("audio navigation", lambda: app.audionav.on, 10)
        report["opening"] = p.heard()
        report["apply"] = apply_by_keys(p)
        report["progress"] = progress_by_keys(p, report["apply"]["case_no"])
        report["tactile"] = tactile_pad(p)
        report["script"] = p.script
        jack.write_text("0", encoding="ascii")
        p.wait("audio navigation off", lambda: not app.audionav.on, 10)
        report["off_after_unplug"] = True
    finally:
        app.hardware.close()
        app.audionav.close()
        app.speaker.close()
        report.setdefault("script", p.script)
    print(json.dumps(report, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    probe_main(main)
