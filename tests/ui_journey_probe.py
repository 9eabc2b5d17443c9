"""Drive the real kiosk offscreen through the whole journey, elderly mode, every device fault and the
idle wipe, in one process (Kivy has one window per process), and report what happened as JSON.

Used by tests/test_ui_journey.py. Usage: python -m tests.ui_journey_probe OUT_DIR
Faults are switched on at run time the way they happen: the card reader unplugged, the camera
unplugged, the printer out of paper, the platform gone.
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from drivers.camera import simulator as camera_simulator
from terminal import config as config_module
from terminal.session import State
from tests.objwalk import leaks
from ui.demo import (
    Driver,
    SyncThread,
    agree,
    apply,
    choose_item_by_search,
    demo_config,
    fill_item_fields,
    query_progress,
    rate,
    start_central,
    start_kiosk,
    write,
)
from ui.render import pump


def texts(app: Any) -> list[str]:
    return [w.text for w in app.root_widget.walk() if isinstance(getattr(w, "text", None), str)]


def shows(app: Any, words: str) -> bool:
    return any(words in text for text in texts(app))


def journey(d: Driver, central: Any) -> dict[str, Any]:
    """The normal journey: search, card, form, two materials, sign, submit, print, rate, progress."""
    app = d.app
    case_no = apply(d, "hkdj")
    pages = [len(m.pages) for m in app.session.case.materials]
    applicant = app.session.case.applicant
    full_values = (applicant.name, applicant.id_number, applicant.address)
    unmasked_on = sorted(screen for screen, seen in d.texts_seen.items()
                         if any(value in text for value in full_values for text in seen))
    receipt = d.screen()
    printed = receipt.result.printed
    paper = app.hardware.printer.simulator.printer.paper
    printed_case = any(case_no in line.text for line in paper.lines)
    rate(d, "满意")
    d.wait("the case at the central server", lambda: case_no in central.store.completed(), 60)
    ratings = [r.record_id for r in app.outbox.records() if r.kind == "rating"]
    status = query_progress(d, case_no)
    d.at_home()
    d.tap("进度查询")
    d.wait("the reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    app.hardware.reader.simulator.place("resident")  # the same person asks with the card instead
    d.wait("the cases of this card", lambda: d.screen().results is not None, 30)
    by_card = [found.case_no for found in d.screen().results]
    d.tap("完成")
    return {"by_card": by_card, "case_no": case_no, "screens": list(d.screens), "printed": printed,
            "printed_case_no": printed_case,
            "delivered": case_no in central.store.completed(), "ratings": len(ratings), "progress": status,
            "pages": pages, "unmasked_on": unmasked_on, "screens_read": sorted(d.texts_seen),
            "targets_mm": dict(d.smallest_target_mm)}


def elderly_with_faults(d: Driver, central: Any, clock: list[float]) -> dict[str, Any]:
    """Elderly mode, and on the way every device fails once: each shows words and a way forward."""
    app, report = d.app, {}
    d.at_home()

    def guide_button_font() -> float:
        return next(b for b in d.visible_buttons() if b.text.startswith("办事指南")).font_size

    normal_font, normal_idle = guide_button_font(), app.session.idle_limit
    d.elderly = True
    d.at_home()
    report["font_scale"] = guide_button_font() / normal_font
    report["home_read_again"] = any(b.text == "再听一遍" for b in d.visible_buttons())  # home has no title bar
    report["idle_limits"] = [normal_idle, app.session.idle_limit]
    choose_item_by_search(d, "hkdj")  # 户口登记（变更姓名）: its own fields, and materials to scan, so one is missing
    d.tap("开始办理")
    agree(d, shots=False)
    d.wait("the reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    app.hardware.reader.simulator.unplug()  # the reader's USB cable comes out
    d.wait("the reader fault in words", lambda: shows(app, "读卡器暂时不能使用"), 20)
    report["reader_fault_actions"] = [b.text for b in d.visible_buttons() if b.text in
                                      ("再试一次", "呼叫工作人员帮助", "到服务窗口办理（回到首页）")]
    d.tap("呼叫工作人员帮助")
    report["help_screen"] = app.session.state.value
    report["help_phone_shown"] = shows(app, app.settings.terminal.consult_phone)
    d.tap("回到上一步")
    d.wait("the identify screen again", d.state_is(State.IDENTIFY))
    d.wait("a fresh reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    app.hardware.reader.simulator.place("resident")
    d.wait("the card read", d.state_is(State.FORM), 20)
    d.tap("下一步")
    report["phone_missing_words"] = [t for t in texts(app) if "请填写联系电话" in t]
    d.type_digits("1380013800")
    d.tap("下一步")
    report["bad_phone_words"] = [t for t in texts(app) if "联系电话应为" in t]
    report["reason_missing_words"] = [t for t in texts(app) if "请填写拟变更的姓名" in t]
    d.type_digits("0")
    fill_item_fields(d)
    d.tap("下一步")
    d.wait("the materials screen", d.state_is(State.MATERIALS))
    d.wait("the scanner", lambda: app.hardware.scanner is not None)
    app.hardware.scanner.auto = False  # nothing is captured before the cable comes out, however slow this machine
    d.wait("a preview", lambda: d.screen().frames_drawn > 1)
    camera = app.settings.devices.camera.address.raw
    camera_simulator.unplug(camera, 600)  # the camera's cable comes out
    d.wait("the camera fault in words", lambda: shows(app, "拍摄仪暂时不能使用"), 20)
    d.tap("不扫描了，继续提交")
    d.wait("the review screen", d.state_is(State.REVIEW))
    camera_simulator.unplug(camera, 0)  # plugged in again once past the materials: a scanner that finds it
    # again while the materials screen still shows captures on its own on a loaded machine
    d.tap("确认提交")
    report["unsigned_words"] = [t for t in texts(app) if "签名" in t and "请先" in t]
    d.sign()
    free_mb = app.outbox.min_free_mb
    app.outbox.min_free_mb = 10**9  # the disk is full: the outbox refuses the case
    d.tap("确认提交")
    d.wait("the refusal in words", lambda: shows(app, "申请没有提交成功"), 10)
    report["disk_full"] = [app.session.state.value, shows(app, "申请没有提交成功"),
                           [b.text for b in d.visible_buttons() if b.text == "再试一次"]]
    app.outbox.min_free_mb = free_mb
    d.tap("再试一次")
    d.sign()
    app.hardware.printer.simulator.set_faults("paper_end")  # the roll runs out
    report["slow_write"] = submit_while_the_outbox_is_slow(d, clock)
    report["missing_on_case"] = len(app.session.case.missing)
    d.tap("打印回执")
    receipt = d.screen()
    d.wait("the print result", lambda: receipt.result is not None, 30)
    d.wait("the receipt on screen", lambda: receipt.picture is not None, 30)
    report["paper_out"] = {"printed": receipt.result.printed, "reason": receipt.result.reason,
                           "words": shows(app, "凭条没有打印出来"), "case_no_on_screen": shows(app, app.session.case.case_no),
                           "receipt_picture": list(receipt.picture.shape)}
    app.hardware.printer.simulator.set_faults()
    d.tap("不要回执，继续")
    d.tap("不满意")
    d.tap("提交评价")
    report["reason_required_words"] = shows(app, "请选择不满意的原因")
    d.tap("等候时间太长")
    d.tap("提交评价")
    report["bad_rating_thanks"] = shows(app, "感谢您的评价")
    d.tap("完成")
    elderly_case = [r.record_id for r in app.outbox.records() if r.kind == "case"][-1]

    central.server.stop()  # the network goes down
    d.at_home()
    started = time.monotonic()
    status = query_progress(d, elderly_case)
    report["network_down"] = {"progress": status, "seconds": round(time.monotonic() - started, 1)}
    d.at_home()
    d.tap("我要投诉")
    d.tap("等候时间")  # the category first (none is chosen for the person)
    d.tap("等候时间太长")
    write(d, (("deng", "等"), ("dai", "待")))
    d.tap("提交")
    report["complaint_offline"] = shows(app, "您反映的问题已经收到")
    report["complaint_text"] = app.session.complaint.text if app.session.complaint else ""
    d.tap("完成")
    report["spoken"] = list(app.speaker.spoken)
    report["speech_available"] = app.speaker.available
    report["targets_mm"] = dict(d.smallest_target_mm)
    d.elderly = False
    d.at_home()
    return report


class GatedOutbox:
    """The real outbox behind a gate: the write starts, then waits until the test opens the gate,
    like an SD card stalling on fsync."""

    def __init__(self, outbox: Any) -> None:
        self.outbox, self.entered, self.release = outbox, threading.Event(), threading.Event()
        self.crash = False  # the next write dies with an error that is no TerminalError (a bug, an I/O error)
        self.case_numbers: list[str] = []

    def submit(self, case: Any) -> None:
        self.case_numbers.append(case.case_no)
        if self.crash:
            self.crash = False
            raise RuntimeError("the write crashed")
        self.entered.set()
        if not self.release.wait(30):
            raise TimeoutError("the probe never opened the gate")
        self.outbox.submit(case)


def submit_while_the_outbox_is_slow(d: Driver, clock: list[float]) -> dict[str, Any]:
    """Two quick taps on 确认提交 while the write hangs: the screen keeps drawing, says it is
    submitting, the idle timeout holds off, and exactly one case reaches the outbox."""
    from kivy.clock import Clock

    app = d.app
    indexed = app.session._sink  # the kiosk's IndexedSink: put the gate between it and the outbox
    gate = GatedOutbox(indexed.outbox)
    indexed.outbox = gate
    cases_before = sum(1 for r in app.outbox.records() if r.kind == "case")
    frames: list[float] = []
    counting = Clock.schedule_interval(lambda dt: frames.append(dt), 0)
    try:
        gate.crash = True
        d.tap("确认提交")
        d.wait("the crash in words", lambda: shows(app, "申请没有提交成功"), 10)
        crash_state = app.session.state.value
        d.tap("再试一次")
        d.sign()
        d.tap("确认提交")
        assert gate.entered.wait(10), "the write never started"
        d.tap_anywhere()  # the second tap lands on the waiting screen (the button is gone)
        d.screen().submit()  # a second tap that reached the button before it went
        pump(10)
        waiting = shows(app, "正在提交，请稍候…")
        d.shot("submitting")
        clock[0] += app.session.idle_limit + app.settings.timeouts.idle_warning_seconds + 60
        app._tick(0)
        pump(3)
        state_while_writing = app.session.state.value
        frames_while_writing = len(frames)
    finally:
        gate.release.set()
        counting.cancel()
    d.wait("the case number", d.state_is(State.SUBMIT), 10)
    indexed.outbox = gate.outbox
    cases_after = sum(1 for r in app.outbox.records() if r.kind == "case")
    return {"crash_state": crash_state, "case_numbers": gate.case_numbers, "waiting_words": waiting,
            "frames": frames_while_writing, "state_while_writing": state_while_writing,
            "new_cases": cases_after - cases_before}


def idle_wipe(d: Driver, clock: list[float]) -> dict[str, Any]:
    """Card read, phone typed, a page scanned, signature half done: then nobody touches the screen."""
    app, session = d.app, d.app.session
    report: dict[str, Any] = {}
    identify = app.manager.get_screen("identify")  # its configuration was handed in: shorten its card wait
    settings = identify.settings
    identify.settings = dataclasses.replace(settings, timeouts=dataclasses.replace(settings.timeouts,
                                                                                   card_wait_seconds=1))
    choose_item_by_search(d, "hkbbf")
    d.tap("开始办理")
    agree(d, shots=False)
    d.wait("the card wait to time out", lambda: shows(app, "没有读到身份证"), 10)  # nobody puts a card down
    report["no_card_actions"] = [b.text for b in d.visible_buttons() if b.text in ("再试一次", "呼叫工作人员帮助")]
    identify.settings = settings
    d.tap("再试一次")
    d.wait("the reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    app.hardware.reader.simulator.faults.add("removed_mid_read")  # the card is lifted while it is read
    app.hardware.reader.simulator.place("resident")
    d.wait("the failed read in words", lambda: shows(app, "没有读出身份证"), 20)
    report["read_failed_words"] = [t for t in texts(app) if "身份证" in t][:3]
    d.tap("再试一次")
    d.wait("a fresh reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    app.hardware.reader.simulator.place("resident")
    d.wait("the card read", d.state_is(State.FORM), 20)
    identity = session.identity
    d.type_digits("13912345678")
    fill_item_fields(d)
    d.tap("下一步")
    d.wait("a scanned page", lambda: any(s.done for s in session.materials), 60)
    page = next(session.pages(s.spec.id)[0] for s in session.materials if s.done)
    secrets: list[str | bytes] = [identity.name, identity.id_number, identity.address, "13912345678",
                                  page.jpeg[100:164], identity.id_number[-8:]]
    scanner = app.hardware.scanner
    clock[0] += app.settings.timeouts.idle_seconds + 1
    app._tick(0)
    pump()
    report["overlay"] = shows(app, "还要继续吗")
    clock[0] += app.settings.timeouts.idle_warning_seconds + 1
    app._tick(0)
    pump(5)
    report["after"] = [app.manager.current, session.state.value, session.has_personal_data()]
    report["devices_stopped"] = [app.hardware.scanner is None, app.hardware.reader is None]
    personal = [value for value in secrets if isinstance(value, str)]
    report["hidden_screens_with_personal_text"] = [  # screens built once keep their widgets, never the words
        s.name for s in app.manager.screens if s is not app.manager.current_screen
        and any(value in str(getattr(w, "text", "")) for w in s.walk() for value in personal)]
    report["visible_text_with_name"] = [t for t in texts(app) if identity.name in t]
    # The camera thread winds down after the wipe: a frame it sent meanwhile waits on the Clock (which
    # the walk reaches through the app's events) until the next frame drops it. Let it end and drop it.
    scanner.worker.stop()
    pump(3)
    del identity, page, scanner
    import gc

    gc.collect()
    report["leaks"] = leaks(app, secrets, stop=[session.catalog, app.outbox])
    import numpy as np

    from tests.objwalk import reachable

    report["pictures_held"] = sum(1 for o in reachable(app, [session.catalog, app.outbox])
                                  if isinstance(o, np.ndarray) and o.size > 10_000)
    return report


def kiosk_keys(d: Driver, clock: list[float]) -> dict[str, Any]:
    """Esc, Alt+F4 / window close do nothing; an empty home screen turns to attract, then blank."""
    from kivy.core.window import Window

    app, timeouts = d.app, d.app.settings.timeouts
    report = {"close_refused": bool(Window.dispatch("on_request_close")),
              "escape_swallowed": bool(Window.dispatch("on_keyboard", 27, 41, None, [])),
              "alt_f4_swallowed": bool(Window.dispatch("on_keyboard", 285, 61, None, ["alt"]))}
    clock[0] += timeouts.attract_seconds + 1
    app.last_activity = clock[0] - timeouts.attract_seconds - 1
    app._tick(0)
    pump()
    report["attract"] = app.screen_saver is not None and not app.screen_saver.blank
    app.last_activity = clock[0] - timeouts.blank_seconds - 1
    app._tick(0)
    report["blank"] = app.screen_saver is not None and app.screen_saver.blank
    d.tap_anywhere()
    report["after_touch"] = [app.screen_saver is None, app.session.state.value]
    return report


def screen_cycles(d: Driver, cycles: int = 5) -> list[int]:
    """home → browse → search → guide → identify (and its no-card view) → home, again and again:
    the live objects after each round, collected first. Nothing a round shows may stay behind."""
    import gc

    app, counts = d.app, []
    for _ in range(cycles):
        choose_item_by_search(d, "hkdj")
        d.tap("开始办理")
        agree(d, shots=False)
        d.wait("the reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
        d.tap("我没有带身份证")
        d.tap("我带了，继续读卡")
        d.tap("回到首页")
        pump(3)
        gc.collect()
        counts.append(len(gc.get_objects()))
    return counts


def widgets_made(d: Driver) -> dict[str, int]:
    """One more application and rating: the widgets made, by the screen shown when each was made.
    Journey screens are built once at start-up: showing them, and every device event, makes none."""
    from kivy.uix.widget import Widget

    made: dict[str, int] = {}
    original = Widget.__init__

    def counting(widget: Widget, **kwargs: Any) -> None:
        screen = d.app.manager.current
        made[screen] = made.get(screen, 0) + 1
        original(widget, **kwargs)

    Widget.__init__ = counting  # type: ignore[method-assign]  # counts every widget made, then restored
    try:
        apply(d, "hkdj")
        rate(d, "满意")
    finally:
        Widget.__init__ = original  # type: ignore[method-assign]  # (restoring the original)
    return made


def main(out: Path) -> None:
    faulthandler.dump_traceback_later(300, exit=True)  # a hang shows where it hangs instead of stalling the suite
    started = time.monotonic()
    central, secret_file = start_central(out / "central")
    config = demo_config(config_module.load(None), out, central.url, secret_file)
    clock = [1000.0]  # the idle clock, moved by hand: nothing times out unless the probe says so
    app = start_kiosk(config, clock=lambda: clock[0])
    sync = SyncThread(config, app.outbox)
    report: dict[str, Any] = {"start_seconds": round(time.monotonic() - started, 2)}
    d = Driver(app)
    try:
        for name, scenario in (("journey", lambda: journey(d, central)),
                               ("elderly", lambda: elderly_with_faults(d, central, clock)),
                               ("idle", lambda: idle_wipe(d, clock)), ("kiosk", lambda: kiosk_keys(d, clock)),
                               ("cycles", lambda: screen_cycles(d)), ("made", lambda: widgets_made(d))):
            t = time.monotonic()
            report[name] = scenario()
            report[name + "_seconds"] = round(time.monotonic() - t, 1)
    finally:
        app.hardware.close()
        sync.stop()
        central.store.close()
    print(json.dumps(report, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    try:
        main(Path(sys.argv[1]))
    except BaseException:  # Kivy swallows stderr without a console log: say what broke on stdout
        print(traceback.format_exc(), flush=True)
        raise
