"""Pieces every technician view uses: the top bar, status colours and chips, detail lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from terminal.diagnostics import CheckResult
from ui.technician.console import Console
from ui.theme import RGBA, Theme, hex_colour
from ui.widgets import BigButton, Text, fill

# Darker than usual signal colours so white text on them stays above 4.5:1.
STATUS_COLOURS: dict[str, RGBA] = {
    "ok": hex_colour("#1B6E35"), "warning": hex_colour("#8A5300"), "fault": hex_colour("#B3261E"),
    "absent": hex_colour("#4B5563"), "unknown": hex_colour("#4B5563"),
}
STATUS_WORDS = {"ok": "正常", "warning": "注意", "fault": "故障", "absent": "未连接", "unknown": "未检查"}
DEVICE_NAMES = {
    "idcard": "身份证读卡器", "smartcard": "智能卡读卡器", "camera": "高拍仪", "printer": "凭条打印机",
    "keypad": "评价器", "screen": "触摸屏", "audio": "声音", "outbox": "待发送与同步", "network": "网络",
    "system": "系统", "events": "最近事件", "report": "状态报告", "a4printer": "A4打印机",
}


def device_name(device: str) -> str:
    return DEVICE_NAMES.get(device, device)


def label(theme: Theme, text: str, *, size: float | None = None, colour: RGBA | None = None, bold: bool = False,
          halign: str = "left", **kwargs: Any) -> Label:
    """A one-line label that fills its slot and shortens rather than overflowing."""
    widget = Label(text=text, font_name=theme.font_name, font_size=size or theme.font_body, bold=bold,
                   color=colour or theme.palette.text, halign=halign, valign="middle", shorten=True,
                   shorten_from="right", markup=True, **kwargs)
    widget.bind(size=lambda w, s: setattr(w, "text_size", s))
    return widget


class Chip(Label):
    """The status word on its colour (正常 on green, 故障 on red ...)."""

    def __init__(self, theme: Theme, status: str, **kwargs: Any) -> None:
        super().__init__(text=STATUS_WORDS.get(status, status), font_name=theme.font_name, font_size=theme.font_body,
                         bold=True, color=(1, 1, 1, 1), size_hint=(None, None),
                         size=(theme.mm(17), theme.font_body * 1.7), **kwargs)
        fill(self, STATUS_COLOURS.get(status, STATUS_COLOURS["unknown"]), radius=theme.mm(1.5))


def top_bar(mode: Console, title: str, on_back: Callable[[], None] | None = None,
            extra: tuple[tuple[str, Callable[[], None]], ...] = ()) -> BoxLayout:
    """‹ 总览 | title | extra buttons | 退出: on every technician view."""
    t = mode.theme
    bar = BoxLayout(size_hint_y=None, height=t.target, spacing=t.gap * 2)
    if on_back is not None:
        bar.add_widget(BigButton(t, "‹ 总览", on_back, size_hint_x=None, width=t.mm(30)))
    bar.add_widget(label(t, title, size=t.font_title, bold=True))
    for text, action in extra:
        bar.add_widget(BigButton(t, text, action, size_hint_x=None, width=t.mm(32)))
    bar.add_widget(BigButton(t, "退出维护", lambda: mode.close("logout"), primary=True, size_hint_x=None,
                             width=t.mm(34)))
    return bar


def detail_lines(details: dict[str, Any]) -> str:
    """A check's details as `key: value` lines (nested values as compact JSON)."""
    lines = []
    for key, value in details.items():
        shown = value if isinstance(value, (str, int, float, bool)) or value is None else \
            json.dumps(value, ensure_ascii=False, default=str)
        lines.append(f"{key}: {shown}")
    return "\n".join(lines)


def result_block(theme: Theme, result: CheckResult | None, since: datetime | None = None) -> BoxLayout:
    """Status chip, the sentence and since-when, then the technician details: the top of a device view."""
    box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=theme.gap)
    box.bind(minimum_height=box.setter("height"))
    row = BoxLayout(size_hint_y=None, height=theme.font_body * 1.9, spacing=theme.gap * 2)
    row.add_widget(Chip(theme, result.status if result else "unknown"))
    when = f"自 {since.astimezone():%m-%d %H:%M} 起" if since else ""
    row.add_widget(label(theme, when, colour=theme.palette.muted))
    box.add_widget(row)
    box.add_widget(Text(theme, result.summary if result else "检查中…", size=theme.font_button))
    if result and result.details:
        box.add_widget(Text(theme, detail_lines(result.details), size=theme.font_small, colour=theme.palette.muted))
    return box


def panel(theme: Theme) -> BoxLayout:
    """A white card on the background."""
    box = BoxLayout(orientation="vertical", padding=theme.mm(3), spacing=theme.gap)
    fill(box, theme.palette.surface, radius=theme.mm(2), border=theme.palette.line)
    return box
