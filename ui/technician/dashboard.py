"""The dashboard: one card per device with its state, the last problem in words and since when.

Each check runs on its own worker thread as the dashboard opens (and on 刷新), so a slow or
silent device delays only its own card. Tapping a card opens that device's test view.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

from terminal.assembly.checks import CHECKS
from terminal.diagnostics import CheckResult
from ui.technician.console import Console, check_in_background
from ui.technician.devices import EventsView, ReportView, device_view
from ui.technician.parts import Chip, device_name, label, top_bar
from ui.theme import Theme
from ui.widgets import fill

DEVICES = ("idcard", "smartcard", "camera", "printer", "keypad", "screen", "audio", "outbox", "network", "system",
           "a4printer")
HANDS_ON = {"screen": "点此做触摸校准、调亮度", "audio": "点此播放测试语音"}  # tested by hand, no automatic check


def since_words(since: datetime) -> str:
    """"自 10:42 起" today, "自 11-20 10:42 起" before: since when the device has had this status."""
    local = since.astimezone()
    return f"自 {local:%H:%M} 起" if local.date() == datetime.now().date() else f"自 {local:%m-%d %H:%M} 起"


class DeviceCard(ButtonBehavior, BoxLayout):
    """A tappable card: name and chip on top, the sentence below, since-when at the bottom."""

    def __init__(self, theme: Theme, device: str, on_open: Any) -> None:
        super().__init__(orientation="vertical", padding=theme.mm(2.5), spacing=theme.gap / 2)
        self.theme, self.device = theme, device
        fill(self, theme.palette.surface, radius=theme.mm(2), border=theme.palette.line)
        self.bind(on_release=lambda *_: on_open(device))
        self.show(None)

    def show(self, result: CheckResult | None, since: str = "") -> None:
        t = self.theme
        self.clear_widgets()
        head = BoxLayout(size_hint_y=None, height=t.font_body * 1.8, spacing=t.gap)
        status = result.status if result else ("unknown" if self.device in HANDS_ON else "checking")
        head.add_widget(Chip(t, status) if status != "checking" else label(t, "检查中…", colour=t.palette.muted,
                                                                            size_hint_x=None, width=t.mm(17)))
        head.add_widget(BoxLayout())
        self.add_widget(head)
        self.add_widget(label(t, device_name(self.device), bold=True, size_hint_y=None, height=t.font_body * 1.5))
        sentence = result.summary if result else HANDS_ON.get(self.device, "")
        summary = Label(text=sentence, font_name=t.font_name, font_size=t.font_small, color=t.palette.text,
                        halign="left", valign="top", max_lines=3)
        summary.bind(size=lambda w, size: setattr(w, "text_size", size))
        self.add_widget(summary)
        self.add_widget(label(t, since, size=t.font_small, colour=t.palette.muted, size_hint_y=None,
                              height=t.font_small * 1.4))


class Dashboard(BoxLayout):
    def __init__(self, mode: Console) -> None:
        t = mode.theme
        super().__init__(orientation="vertical", padding=t.mm(5), spacing=t.gap * 2)
        self.mode = mode
        self.add_widget(top_bar(mode, "技术维护",
                                extra=(("刷新", self.refresh), ("最近事件", self.events), ("导出报告", self.report))))
        self.idle = label(t, "", size=t.font_small, colour=t.palette.muted, size_hint_y=None,
                          height=t.font_small * 1.5)
        self.add_widget(self.idle)
        grid = GridLayout(cols=5, spacing=t.gap * 2)
        self.cards = {device: DeviceCard(t, device, self.open_device) for device in DEVICES}
        for card in self.cards.values():
            grid.add_widget(card)
        self.add_widget(grid)
        self.refresh()
        self.tick()

    def refresh(self) -> None:
        for device, card in self.cards.items():
            card.show(None)
            if device in CHECKS:
                check_in_background(self.mode, device, self._show)
            elif device not in HANDS_ON:
                card.show(CheckResult(device, "absent", "这一版本还没有该设备的自检。"))

    def show_states(self) -> None:
        """Bring the cards up to date with what device views have found meanwhile."""
        for device in self.cards:
            state = self.mode.states.get(device)
            if state is not None:
                self._show(state.result)

    def _show(self, result: CheckResult) -> None:
        card = self.cards.get(result.device)
        state = self.mode.states.get(result.device)
        if card is not None:
            card.show(result, since_words(state.since) if state else "")

    def tick(self) -> None:
        remaining = int(self.mode.gate.idle_remaining())
        self.idle.text = (f"终端 {self.mode.config.terminal.id} · {self.mode.config.terminal.center_name} · "
                          f"无操作 {remaining // 60}:{remaining % 60:02d} 后自动退出维护模式 · 点卡片进入设备测试")

    def open_device(self, device: str) -> None:
        self.mode.show(device_view(self.mode, device))

    def events(self) -> None:
        self.mode.show(EventsView(self.mode))

    def report(self) -> None:
        self.mode.show(ReportView(self.mode))
