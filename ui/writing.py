"""A few words typed in pinyin on the screen's own keys, for screens that ask for free text.

The same input the complaint screen offers: pinyin on the letter keys, the characters of that
syllable as big buttons (most frequent first, a page at a time), 删除 takes a letter and then a
character. Built once: `start` gives it the text so far, `done` hands the text back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from terminal.pinyin_input import candidates
from ui.screens import blank
from ui.steps import plain
from ui.theme import MIN_TARGET_MM, Theme
from ui.widgets import BigButton, Keyboard, Text

CANDIDATES = 8  # characters offered at once, on 15 mm keys


class PinyinWriter(BoxLayout):
    def __init__(self, theme: Theme, done: Callable[[str], None], limit: int = 100, **kwargs: object) -> None:
        super().__init__(orientation="vertical", **kwargs)
        self.done, self.limit = done, limit
        self.text, self.syllable, self.page = "", "", 0
        key = theme.mm(MIN_TARGET_MM)
        self.typed = Text(theme, "", size="button", markup=True)
        self.row = BoxLayout(size_hint_y=None, height=key)
        self.slots = [BigButton(theme, "", lambda: None, height=key) for _ in range(CANDIDATES)]
        self.gaps = [Widget() for _ in range(CANDIDATES)]
        self.more = BigButton(theme, "下一页", self.next_page, height=key, size_hint_x=1.6, size="body")
        self.finish = BigButton(theme, "打好了", lambda: self.done(self.text), primary=True, height=key,
                                size_hint_x=1.6, size="body")
        for part in (self.typed, self.row, Keyboard(theme, self.letter), Widget()):
            self.add_widget(part)
        self.theme = theme
        self.restyle(theme)

    def start(self, text: str) -> None:
        self.text, self.syllable, self.page = text, "", 0
        self.show()

    def show(self) -> None:
        muted = self.theme.palette.muted_hex
        shown = plain(self.text) + (f" [color={muted}]{plain(self.syllable)}[/color]" if self.syllable else "")
        self.typed.text = shown or f"[color={muted}]用拼音打字，例如 dengdai 打出“等待”[/color]"
        offered = candidates(self.syllable, limit=(self.page + 1) * CANDIDATES)[self.page * CANDIDATES:][:CANDIDATES]
        row: list[Widget] = []
        for index, (button, gap) in enumerate(zip(self.slots, self.gaps, strict=True)):
            if index < len(offered):
                button.action = partial(self.choose, offered[index])
                button.show(offered[index])
            row.append(button if index < len(offered) else gap)
        row += [self.more, self.finish]
        if self.row.children[::-1] != row:
            self.row.clear_widgets()
            for widget in row:
                self.row.add_widget(widget)

    def letter(self, key: str) -> None:
        if key == "\b":
            self.syllable, self.text = (self.syllable[:-1], self.text) if self.syllable else ("", self.text[:-1])
        elif key == "":
            self.syllable, self.text = "", ""
        else:
            self.syllable = (self.syllable + key)[:6]
        self.page = 0
        self.show()

    def choose(self, char: str) -> None:
        self.text, self.syllable, self.page = (self.text + char)[:self.limit], "", 0
        self.show()

    def next_page(self) -> None:
        self.page += 1
        self.show()

    def forget(self) -> None:
        self.text, self.syllable, self.page = "", "", 0
        blank(self.typed)

    def restyle(self, theme: Theme) -> None:
        self.theme, self.spacing, self.row.spacing = theme, theme.gap, theme.gap / 2
        for button in (*self.slots, self.more, self.finish):
            button.restyle(theme)
