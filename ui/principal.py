"""代他人办理 when the principal (委托人) has no card here: their ID number on the number pad (with X),
then their name in pinyin. The session checks both (`principal_typed`) and says what is wrong.

Built once into the identify screen; `clear` forgets what was typed (leaving, the idle wipe).
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from terminal.privacy import mask_id_number
from terminal.session import FormInvalid, Session
from ui.inputs import NumberPad, typed
from ui.screens import blank
from ui.theme import Theme
from ui.widgets import BigButton, Text
from ui.writer import PinyinWriter

ID_LENGTH = 18


class PrincipalEntry(BoxLayout):
    """The number first (shown masked once complete), then the name; 用身份证 goes back to the reader."""

    number = StringProperty("")
    naming = BooleanProperty(False)
    error = StringProperty("")

    def __init__(self, theme: Theme, session: Session, back_to_card: Callable[[], None]) -> None:
        super().__init__(orientation="vertical")
        self.session = session
        self.question = Text(theme, "委托人没有带身份证：请输入委托人的18位身份证号码", bold=True)
        self.shown = Text(theme, "", size="title", bold=True)
        self.error_text = Text(theme, "", colour="badge", bold=True)
        self.row = BoxLayout(spacing=theme.gap * 3)
        self.pad = NumberPad(theme, self.key, size_hint_x=0.5)
        side = BoxLayout(orientation="vertical", spacing=theme.gap * 2)
        for widget in (self.shown, self.error_text, BigButton(theme, "X（最后一位是X时）", lambda: self.key("X")),
                       BigButton(theme, "号码输好了，下一步写姓名", self.to_name, primary=True),
                       BigButton(theme, "委托人带了身份证，去读卡", back_to_card)):
            side.add_widget(widget)
        self.row.add_widget(side)
        self.row.add_widget(self.pad)
        self.writer = PinyinWriter(theme, self.named, session.touch)
        for name in ("number", "naming", "error"):
            self.fbind(name, self._show)
        self._show()

    def _show(self, *_: object) -> None:
        self.shown.text = self.number or "（请用数字键输入）"
        self.error_text.text = self.error
        parts = [self.writer] if self.naming else [self.question, self.row]
        if self.children[::-1] != parts:
            self.clear_widgets()
            for part in parts:
                self.add_widget(part)

    def key(self, key: str) -> None:
        self.session.touch()
        self.number, self.error = typed(self.number, key, ID_LENGTH), ""

    def to_name(self) -> None:
        if len(self.number) != ID_LENGTH:
            self.error = "身份证号码是18位，请核对"
            return
        self.writer.start(f"委托人的姓名（证件号码 {mask_id_number(self.number)}）", "", 15, digits=False)
        self.naming = True

    def named(self, name: str) -> None:
        try:
            self.session.principal_typed(self.number, name)
        except FormInvalid as invalid:
            self.naming, self.error = False, "；".join(invalid.errors.values())

    def clear(self) -> None:
        self.number, self.naming, self.error = "", False, ""
        self.writer.clear()
        for label in (self.shown, self.error_text):
            blank(label)
