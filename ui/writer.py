"""Typing Chinese on the touch screen: pinyin on the letter keys, the character from a row of
candidates (terminal/pinyin_input.py), digits on their own row when the text needs them (门牌号).

One `PinyinWriter` is built once per screen and reused for every text field of it: `start` gives it
the field's words and limit, `打好了` hands the text back; `clear` forgets it (the idle wipe).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from terminal.pinyin_input import candidates, press
from ui.screens import blank, restyle_tree
from ui.steps import plain
from ui.theme import MIN_TARGET_MM, Theme
from ui.widgets import BigButton, Keyboard, Text

SLOTS = 8  # characters offered at once, on 15 mm keys


class PinyinWriter(BoxLayout):
    """What the field asks, the text so far with the syllable being typed, candidates, digits, letters."""

    written = StringProperty("")
    syllable = StringProperty("")
    page = NumericProperty(0)
    digits = BooleanProperty(False)

    def __init__(self, theme: Theme, on_done: Callable[[str], None], on_touch: Callable[[], None]) -> None:
        super().__init__(orientation="vertical")
        self.on_done, self.on_touch, self.limit, self.theme = on_done, on_touch, 0, theme
        key = theme.mm(MIN_TARGET_MM)
        self.question = Text(theme, "", bold=True)
        self.typed = Text(theme, "", size="button", markup=True)
        self.candidates = BoxLayout(size_hint_y=None, height=key)
        self.slots = [(BigButton(theme, "", lambda: None, height=key), Widget()) for _ in range(SLOTS)]
        self.ends = [BigButton(theme, "下一页", self.next_page, height=key, size_hint_x=1.6, size="body"),
                     BigButton(theme, "打好了", self.done, primary=True, height=key, size_hint_x=1.6, size="body")]
        self.number_row = BoxLayout(size_hint_y=None, height=key)
        for digit in "1234567890":
            self.number_row.add_widget(BigButton(theme, digit, partial(self.digit, digit), height=key))
        self.keyboard = Keyboard(theme, self.letter)
        for widget in (self.question, self.typed, self.candidates, self.number_row, self.keyboard, Widget()):
            self.add_widget(widget)
        for name in ("written", "syllable", "page", "digits"):
            self.fbind(name, self._show)
        self.restyle(theme)

    def start(self, question: str, text: str, limit: int, digits: bool) -> None:
        """Type for one field: its question, what it holds so far, at most `limit` characters."""
        self.question.text, self.limit = question, limit
        self.written, self.syllable, self.page, self.digits = text, "", 0, digits
        self._show()

    def clear(self) -> None:
        self.written, self.syllable, self.page = "", "", 0
        for label in (self.question, self.typed):
            blank(label)

    def _show(self, *_: object) -> None:
        muted = self.theme.palette.muted_hex
        shown = plain(self.written) + (f" [color={muted}]{plain(self.syllable)}[/color]" if self.syllable else "")
        self.typed.text = shown or f"[color={muted}]用拼音打字，例如 zhang 打出“张”[/color]"
        offered = candidates(self.syllable, limit=(self.page + 1) * SLOTS)[self.page * SLOTS:][:SLOTS]
        row: list[Widget] = []
        for index, (button, gap) in enumerate(self.slots):
            if index < len(offered):
                button.action = partial(self.choose, offered[index])
                button.show(offered[index])
            row.append(button if index < len(offered) else gap)
        row += self.ends
        if self.candidates.children[::-1] != row:
            self.candidates.clear_widgets()
            for widget in row:
                self.candidates.add_widget(widget)
        shown_row = self.number_row.parent is self
        if self.digits != shown_row:
            if self.digits:
                self.add_widget(self.number_row, index=len(self.children) - 3)
            else:
                self.remove_widget(self.number_row)

    def letter(self, key: str) -> None:
        """A letter into the syllable; 删除 takes a letter, then a character; 清空 empties both."""
        self.on_touch()
        self.written, self.syllable = press(self.written, self.syllable, key)
        self.page = 0

    def choose(self, char: str) -> None:
        self.on_touch()
        self.written, self.syllable, self.page = (self.written + char)[:self.limit], "", 0

    def digit(self, digit: str) -> None:
        self.choose(digit)

    def next_page(self) -> None:
        self.page += 1

    def done(self) -> None:
        self.on_done(self.written)

    def restyle(self, theme: Theme) -> None:
        self.theme, self.spacing = theme, theme.gap
        self.candidates.spacing = self.number_row.spacing = theme.gap / 2
        for widget in (*(button for button, _gap in self.slots), *self.ends, self.number_row, self.question,
                       self.typed):  # (those not shown now as well)
            restyle_tree(widget, theme)
        self._show()
