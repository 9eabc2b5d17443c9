"""The PIN pad: card on the reader (or PIN alone where allowed), digits shown as dots, refusals in words."""

from __future__ import annotations

from functools import partial
from typing import Any

from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from drivers.smartcard import PIN_LENGTHS
from terminal.errors import TerminalError
from ui.technician.console import Console, background
from ui.technician.parts import STATUS_COLOURS, label, panel
from ui.widgets import BigButton

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "清空", "0", "删除")


class PinPad(AnchorLayout):
    """Twelve big keys, 确认 and 取消; the login runs off the UI thread (scrypt and the card take a moment)."""

    def __init__(self, mode: Console) -> None:
        super().__init__()
        self.mode = mode
        self.pin = ""
        self.busy = False
        t = mode.theme
        card = panel(t)
        card.size_hint = (None, None)
        card.size = (t.mm(120), t.mm(125))  # digit keys stay 15 mm tall on a 1280x800 panel (127 mm high)
        card.add_widget(label(t, "技术维护", size=t.font_title, bold=True, halign="center", size_hint_y=None,
                              height=t.font_title * 1.2))
        hint = ("请把技术人员卡放在读卡器上，或直接输入维护密码" if mode.gate.allow_pin_only
                else "请把技术人员卡放在读卡器上，再输入密码")
        self.message = label(t, hint, colour=t.palette.muted, halign="center", size_hint_y=None,
                             height=t.font_body * 1.6)
        card.add_widget(self.message)
        self.dots = label(t, "", size=t.font_title, halign="center", size_hint_y=None, height=t.font_title * 1.1)
        card.add_widget(self.dots)
        keys = GridLayout(cols=3, spacing=t.gap)
        for key in KEYS:
            keys.add_widget(BigButton(t, key, partial(self.key, key), size_hint_y=1))
        card.add_widget(keys)
        actions = BoxLayout(size_hint_y=None, height=t.target, spacing=t.gap * 2)
        actions.add_widget(BigButton(t, "取消", lambda: mode.close("cancel")))
        actions.add_widget(BigButton(t, "确认", self.submit, primary=True))
        card.add_widget(actions)
        self.add_widget(card)

    def key(self, key: str) -> None:
        if self.busy:
            return
        if key == "删除":
            self.pin = self.pin[:-1]
        elif key == "清空":
            self.pin = ""
        elif len(self.pin) < max(PIN_LENGTHS):
            self.pin += key
        self.dots.text = "●" * len(self.pin)

    def submit(self) -> None:
        if self.busy or not self.pin:
            return
        self.busy = True
        pin, self.pin = self.pin, ""
        self.dots.text = ""
        self.message.text = "正在验证…"
        background(lambda: self.mode.gate.login(pin), self._done)

    def _done(self, _login: Any, error: BaseException | None) -> None:
        self.busy = False
        if error is None:
            self.mode.logged_in()
            return
        self.message.color = STATUS_COLOURS["fault"]
        self.message.text = error.advice_zh if isinstance(error, TerminalError) else "验证出错，请再试一次。"
