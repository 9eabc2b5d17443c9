"""One view per device or subsystem: its latest check, and buttons that test it for real.

Every button runs its work off the UI thread (`background`) and records a SELF_TEST event with
the outcome in a word. What a view shows comes from the checks and drivers, never from a
citizen's data: the ID-card read test shows the masked summary the idcard check produces.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from kivy.clock import mainthread
from kivy.graphics import Color, Ellipse, Line
from kivy.graphics.texture import Texture
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.widget import Widget

from drivers.keypad import RatingEvent
from terminal.assembly import technician_tools as tools
from terminal.assembly.checks import CHECKS, run_check_from_screen
from terminal.assembly.report import build_report, write_report
from terminal.diagnostics import CheckResult
from ui.technician.console import Console, background, check_in_background
from ui.technician.parts import STATUS_COLOURS, device_name, label, panel, result_block, top_bar
from ui.widgets import BigButton, Text, column, scrolling

Action = tuple[str, Callable[[], None]]


class DeviceView(BoxLayout):
    """Top bar; on the left the check result (refreshed on entry); on the right the actions and their output."""

    device = ""
    runs_check = True
    side_panel = True  # the right-hand panel with buttons and their output

    def __init__(self, mode: Console, device: str | None = None) -> None:
        t = mode.theme
        super().__init__(orientation="vertical", padding=t.mm(5), spacing=t.gap * 2)
        self.mode = mode
        self.device = device or self.device
        self.add_widget(top_bar(mode, device_name(self.device), on_back=self.back))
        split = BoxLayout(spacing=t.gap * 3)
        self.left = panel(t)
        self.result_area = column(t)
        self.left.add_widget(scrolling(t, self.result_area))
        split.add_widget(self.left)
        right = panel(t)
        for text, action in self.actions():
            right.add_widget(BigButton(t, text, action))
        self.extra(right)
        self.output = Text(t, "", colour=t.palette.text)
        out = column(t)
        out.add_widget(self.output)
        right.add_widget(scrolling(t, out))
        if self.side_panel:
            split.add_widget(right)
        self.add_widget(split)
        self.show_result(None)
        if self.runs_check and self.device in CHECKS:
            self.check()

    def back(self) -> None:
        self.mode.logged_in()

    def actions(self) -> list[Action]:
        return [("重新检查", self.check)] if self.device in CHECKS else []

    def extra(self, right: BoxLayout) -> None:
        """Widgets a view adds under its buttons (the calibration grid, the key lamps)."""

    def check(self, **options: Any) -> None:
        self.show_result(None)
        check_in_background(self.mode, self.device, self.show_result, **options)

    def show_result(self, result: CheckResult | None) -> None:
        if result is None and self.device not in CHECKS:
            return
        state = self.mode.states.get(self.device) if result else None
        self.result_area.clear_widgets()
        self.result_area.add_widget(result_block(self.mode.theme, result, state.since if state else None))

    def say(self, text: str) -> None:
        self.output.text = text

    def run(self, action: str, work: Callable[[], Any], describe: Callable[[Any], tuple[str, str]]) -> None:
        """Run `work` off the UI thread; `describe(result)` gives (outcome word, text shown)."""
        self.say("正在进行…")

        def done(result: Any, error: BaseException | None) -> None:
            outcome, text = ("error", f"出错：{getattr(error, 'advice_zh', '') or type(error).__name__}") \
                if error is not None else describe(result)
            self.mode.gate.self_test(self.device, action, outcome)
            self.say(text)

        background(work, done)


class IdCardView(DeviceView):
    device = "idcard"

    def actions(self) -> list[Action]:
        return [("读取SAM模块", self.check), ("读卡测试（显示遮盖后信息）", lambda: self.check(read=True))]


class PrinterView(DeviceView):
    device = "printer"

    def actions(self) -> list[Action]:
        return [("读取状态（纸量、机盖、故障）", self.check), ("打印测试页", lambda: self.check(test_page=True))]


class A4PrinterView(DeviceView):
    device = "a4printer"

    def actions(self) -> list[Action]:
        return [("读取状态（纸张、卡纸、机盖、墨粉）", self.check), ("打印A4测试页", lambda: self.check(test_page=True))]


class KeypadView(DeviceView):
    """Press each key: its lamp on screen lights; LED and beeper commands go to a serial keypad."""

    device = "keypad"

    def __init__(self, mode: Console) -> None:
        self.keypad: Any = None
        self.lamps: dict[int, Widget] = {}
        self.keys_seen: set[int] = set()
        super().__init__(mode)

    def actions(self) -> list[Action]:
        return [("重新检查（握手、指示灯、蜂鸣）", self.check), ("开始按键测试", self.start_keys)]

    def extra(self, right: BoxLayout) -> None:
        t = self.mode.theme
        row = BoxLayout(size_hint_y=None, height=t.target, spacing=t.gap)
        for key in range(1, 6):
            lamp = label(t, str(key), size=t.font_title, halign="center", bold=True)
            lamp.canvas.before.clear()
            self.lamps[key] = lamp
            row.add_widget(lamp)
        right.add_widget(row)

    def start_keys(self) -> None:
        self.leave()
        self.say("请依次按下评价器的 5 个键")

        def opened(keypad: Any, error: BaseException | None) -> None:
            if error is not None:
                self.say(f"评价器打不开：{getattr(error, 'advice_zh', type(error).__name__)}")
                return
            self.keypad = keypad

        background(lambda: self.mode.devices.keypad(self.pressed), opened)

    @mainthread
    def pressed(self, event: RatingEvent) -> None:
        key = int(event.rating.value)
        lamp = self.lamps.get(key)
        if lamp is not None:
            lamp.color = STATUS_COLOURS["ok"]
            self.keys_seen.add(key)
        self.say(f"按下 {key} 号键：{event.rating.label}（已测 {len(self.keys_seen)}/5）")
        if self.keypad is not None:
            self.keypad.acknowledge(event.rating)  # its LED and a beep on serial keypads; never blocks
        if len(self.keys_seen) == len(self.lamps):
            self.mode.gate.self_test(self.device, "key-test", "ok")

    def leave(self) -> None:
        keypad, self.keypad = self.keypad, None
        if keypad is not None:
            background(keypad.stop, lambda *_: None)


class CalibrationGrid(Widget):
    """Nine crosses; each touch is matched to the nearest and its offset shown (a drifting panel shows here)."""

    POSITIONS = (0.1, 0.5, 0.9)

    def __init__(self, view: ScreenView, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = view
        self.offsets: dict[int, tuple[float, float]] = {}
        self.bind(pos=self.draw, size=self.draw)

    def targets(self) -> list[tuple[float, float]]:
        return [(self.x + self.width * fx, self.y + self.height * fy) for fy in self.POSITIONS for fx in self.POSITIONS]

    def draw(self, *_: Any) -> None:
        t = self.view.mode.theme
        self.canvas.clear()
        r = t.mm(3)
        with self.canvas:
            Color(*t.palette.line)
            Line(rectangle=(self.x, self.y, self.width, self.height), width=1)
            for index, (x, y) in enumerate(self.targets()):
                Color(*(STATUS_COLOURS["ok"] if index in self.offsets else t.palette.primary))
                Line(points=[x - r, y, x + r, y], width=2)
                Line(points=[x, y - r, x, y + r], width=2)
                if index in self.offsets:
                    dx, dy = self.offsets[index]
                    Ellipse(pos=(x + dx - 4, y + dy - 4), size=(8, 8))

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        distances = [((touch.x - x) ** 2 + (touch.y - y) ** 2, i, x, y) for i, (x, y) in enumerate(self.targets())]
        _, index, x, y = min(distances)
        self.offsets[index] = (touch.x - x, touch.y - y)
        self.draw()
        worst = max(max(abs(dx), abs(dy)) for dx, dy in self.offsets.values())
        self.view.say(f"已点 {len(self.offsets)}/9 个十字；最大偏差 {worst:.0f} 像素"
                      f"（{worst / self.view.mode.theme.mm(1):.1f} 毫米）")
        if len(self.offsets) == 9:
            self.view.mode.gate.self_test("screen", "touch-grid", "ok" if worst <= self.view.mode.theme.mm(3)
                                          else "offset")
        return True


class ScreenView(DeviceView):
    device = "screen"
    runs_check = False

    def __init__(self, mode: Console) -> None:
        self.backlight = tools.find_backlight()
        super().__init__(mode)
        level = (f"背光 {self.backlight.path.name}：{self.backlight.level}/{self.backlight.maximum}"
                 if self.backlight else "没有找到背光控制 (/sys/class/backlight)，亮度请用显示器按钮调节")
        self.result_area.add_widget(Text(mode.theme, "请用手指依次点每个十字的中心。\n" + level))
        self.grid = CalibrationGrid(self, size_hint_y=2.5)  # outside the scroller: touches must arrive at once
        self.left.add_widget(self.grid)

    def actions(self) -> list[Action]:
        if self.backlight is None:
            return []
        return [(f"亮度 {percent}%", partial(self.brightness, percent)) for percent in (30, 60, 100)]

    def brightness(self, percent: int) -> None:
        backlight = self.backlight
        assert backlight is not None
        self.run(f"brightness-{percent}", lambda: backlight.set_percent(percent),
                 lambda level: ("ok", f"亮度已设为 {level}/{backlight.maximum}"))


class AudioView(DeviceView):
    device = "audio"
    runs_check = False
    PHRASE = "您好，这是声音测试。欢迎使用二十四小时政务自助服务终端。"

    def actions(self) -> list[Action]:
        return [("播放测试语音", lambda: self.run("speak", lambda: tools.speak(self.PHRASE),
                                            lambda outcome: ("ok" if outcome == "ok" else "fault",
                                                             "已播放：" + self.PHRASE if outcome == "ok" else outcome)))]


class SyncView(DeviceView):
    """Outbox counts, oldest queued case, last push and pull, errors, catalog version and signature date."""

    device = "outbox"

    def actions(self) -> list[Action]:
        return [("重新检查", self.check), ("立即推送", lambda: self.run(
            "push-now", lambda: tools.push_now(self.mode.config), lambda text: ("done", text))),
            ("目录版本", lambda: self.run("catalog", lambda: tools.catalog_state(self.mode.config), _catalog_text))]


def _catalog_text(state: dict[str, Any]) -> tuple[str, str]:
    if not state["version"]:
        return "ok", f"事项目录 {state['region']}：出厂版本（没有收到过平台签名的更新）"
    return "ok", f"事项目录 {state['region']}：第 {state['version']} 版，签名更新接受于 {state['signed_at']}"


class NetworkView(DeviceView):
    device = "network"

    def actions(self) -> list[Action]:
        def facts() -> str:
            dns = tools.resolve_platform(self.mode.config)
            return ("本机地址：\n  " + "\n  ".join(tools.local_addresses() or ["（无）"]) +
                    f"\n平台主机：{dns['host'] or '（未配置）'}\nDNS：{dns['dns']}")

        return [("检查平台连接（含TLS）", self.check),
                ("本机地址与DNS", lambda: self.run("address-dns", facts, lambda text: ("ok", text)))]


class EventsView(DeviceView):
    """The recent events, newest first (they never hold personal data: events.py scrubs them)."""

    device = "events"
    runs_check = False
    side_panel = False

    def __init__(self, mode: Console) -> None:
        super().__init__(mode)
        lines = []
        for data in reversed(tools.recent_events(mode.config, 60)):  # the sync service's too, from its file
            fields = " ".join(f"{k}={v}" for k, v in data.items() if k not in ("at", "id", "event"))
            at = datetime.fromisoformat(str(data["at"])).astimezone()
            lines.append(f"{at:%m-%d %H:%M:%S}  {data['id']}  {data['event']}  {fields}")
        self.result_area.add_widget(Text(mode.theme, "\n".join(lines) or "还没有事件。", size=mode.theme.font_small))


class ReportView(DeviceView):
    """Readiness report to a USB stick (else the data folder) and in short on the receipt printer."""

    device = "report"
    runs_check = False

    def __init__(self, mode: Console) -> None:
        super().__init__(mode)
        media = tools.removable_media()
        where = "、".join(map(str, media)) if media else f"没有U盘，报告将存入 {mode.config.storage.data_dir / 'reports'}"
        self.result_area.add_widget(Text(mode.theme, f"报告包含全部检查结果和最近事件，不含任何个人信息。\n保存位置：{where}"))

    def actions(self) -> list[Action]:
        return [("导出报告（JSON + HTML）", self.export), ("打印简要报告", self.print_slip)]

    def _build(self) -> dict[str, Any]:
        config = self.mode.config
        return build_report(config, [run_check_from_screen(config, device) for device in sorted(CHECKS)])

    def export(self) -> None:
        def work() -> tuple[Any, ...]:
            report = self._build()
            return (*write_report(report, tools.report_destination(self.mode.config, datetime.now())), report["ok"])

        self.run("export-report", work, lambda written: ("ok", f"已写入：\n{written[0]}\n{written[1]}\n结论："
                                                               + ("可以使用" if written[2] else "有故障，需要处理")))

    def print_slip(self) -> None:
        def work() -> Any:
            report = self._build()
            printer = self.mode.devices.printer()
            try:
                return printer.print_document(tools.readiness_slip(report, self.mode.config))
            finally:
                printer.close()

        self.run("print-report", work, lambda result: (result.outcome, "简要报告已打印。" if result.printed
                                                       else f"没有打印：{result.advice_zh}"))


class CameraView(DeviceView):
    """Live preview with focus score and exposure; a full-resolution test capture with the page it finds.

    The preview runs on the camera driver's worker thread; frames are shrunk and measured there and
    only the small picture crosses to the UI thread. The check (which opens the camera itself) is
    not run here while the preview holds the camera: the dashboard's result is shown instead.
    """

    device = "camera"
    runs_check = False
    PREVIEW_WIDTH = 560

    def __init__(self, mode: Console) -> None:
        self.worker: Any = None
        self._last_frame = 0.0
        super().__init__(mode)
        state = mode.states.get(self.device)
        self.show_result(state.result if state else None)
        self.start_preview()

    def actions(self) -> list[Action]:
        return [("拍摄测试页并检测", self.capture)]

    def extra(self, right: BoxLayout) -> None:
        self.preview = Image(size_hint_y=3, fit_mode="contain")
        right.add_widget(self.preview)
        self.measure = label(self.mode.theme, "正在打开高拍仪…", size_hint_y=None, height=self.mode.theme.font_body * 1.6)
        right.add_widget(self.measure)

    def start_preview(self) -> None:
        self.worker = self.mode.devices.camera(self._frame, on_error=self._camera_error).start()

    @mainthread
    def _camera_error(self, error: Any) -> None:
        self.say(f"高拍仪：{error.for_people()}")

    def _frame(self, frame: Any) -> None:
        """Worker thread: at most 8 pictures a second, shrunk and measured before the UI sees them."""
        now = time.monotonic()
        if now - self._last_frame < 0.125:
            return
        self._last_frame = now
        picture, focus, exposure = shrink_and_measure(frame, self.PREVIEW_WIDTH)
        self._show_live(picture, f"对焦 {focus:.0f}    曝光 {exposure:.0f}")

    @mainthread
    def _show_live(self, picture: Any, measured: str) -> None:
        if self.worker is not None:  # a frame still in flight after a capture froze the picture
            self._show(picture, measured)

    def _show(self, picture: Any, measured: str) -> None:
        height, width = picture.shape[:2]
        texture = Texture.create(size=(width, height), colorfmt="rgb")
        texture.blit_buffer(picture[::-1].tobytes(), colorfmt="bgr", bufferfmt="ubyte")
        self.preview.texture = texture
        self.measure.text = measured

    def capture(self) -> None:
        worker = self.worker
        if worker is None:
            return
        self.run("capture-test-page", lambda: capture_test_page(worker, self.mode.config), self._captured)

    def _captured(self, result: tuple[Any, dict[str, Any]]) -> tuple[str, str]:
        picture, facts = result
        self.leave()  # freeze the preview on the capture so the detection can be looked at
        self._show(picture, "测试页（绿框为检测到的页面）")
        text = (f"找到页面：{'是' if facts['found'] else '否'}，置信度 {facts['confidence']:.2f}，纸张 {facts['paper']}\n"
                f"分辨率 {facts['width']}x{facts['height']}，JPEG {facts['bytes'] // 1024} KB\n"
                + ("画质合格" if facts["quality"]["ok"] else "提示：" + "；".join(facts["quality"]["hints"])))
        return ("ok" if facts["found"] else "no-page"), text

    def leave(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            background(worker.stop, lambda *_: None)


def shrink_and_measure(frame: Any, width: int) -> tuple[Any, float, float]:
    """A small BGR copy for the screen, the focus score and the mean brightness of the full frame."""
    import cv2  # OpenCV only once a camera test runs: the kiosk does not carry it at its home screen

    from terminal.scanner.quality import focus_score

    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    scale = width / frame.shape[1]
    small = cv2.resize(frame, (width, round(frame.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    return small, focus_score(gray), float(gray.mean())


def capture_test_page(worker: Any, config: Any) -> tuple[Any, dict[str, Any]]:
    """A full-resolution still through the scan pipeline; the picture with the found page outlined."""
    import cv2
    import numpy as np

    from terminal.scanner.pipeline import ScanOptions, scan_page

    still = worker.capture_still()
    scanned = scan_page(still, ScanOptions.from_config(config.devices.camera))
    picture, _, _ = shrink_and_measure(still, CameraView.PREVIEW_WIDTH)
    if scanned.detection.quad is not None:
        scale = CameraView.PREVIEW_WIDTH / still.shape[1]
        quad = (np.asarray(scanned.detection.quad, dtype=float) * scale).round().astype(np.int32)
        cv2.polylines(picture, [quad.reshape(-1, 1, 2)], True, (40, 180, 60), 3)
    return picture, scanned.to_json()


class CheckView(DeviceView):
    """Devices whose test is their check (smart-card reader, system)."""


VIEWS: dict[str, type[DeviceView]] = {
    "idcard": IdCardView, "printer": PrinterView, "keypad": KeypadView, "screen": ScreenView, "audio": AudioView,
    "outbox": SyncView, "network": NetworkView, "camera": CameraView, "a4printer": A4PrinterView,
}


def device_view(mode: Console, device: str) -> DeviceView:
    kind = VIEWS.get(device)
    return kind(mode) if kind is not None else CheckView(mode, device)

