"""What every journey screen shares: enter/leave hooks, spoken prompts, faults in plain words.

A `Step` is told when the session arrives (`enter`: reset what the screen shows, start its
device) and when it leaves (`leave`: stop the device and `reset`: blank every word, so the next
person finds no name, number or page left in a hidden screen). Every step is built once: a
`BuiltStep` makes its views at start-up and follows its view model (ui/viewmodels.py), which the
session's events and the devices' answers set; showing a step or a change makes no widgets.
Device trouble never opens an error box: a `Problem` panel says what happened in words and the
ways forward that always exist (try again, go to a window, call for help).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kivy.animation import Animation
from kivy.graphics import Color, Line, RoundedRectangle
from kivy.properties import NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget
from kivy.utils import escape_markup

from terminal.config import Config
from terminal.session import NO_BACK, TRANSITIONS, Session, State
from ui.hardware import Hardware
from ui.screens import BuiltOnce, Navigate, Page, blank, restyle_tree
from ui.theme import Theme
from ui.viewmodels import ViewModel
from ui.widgets import Animated, BigButton, Panel, Size, Split, Style, Text, Tone, column, fill, scrolling, tone

Action = tuple[str, Callable[[], None]]
HELP_FROM = frozenset(s for s, targets in TRANSITIONS.items() if State.HELP in targets)  # 帮办代办 reachable


class Step(Page):
    """A journey screen: `prompt` is spoken in elderly mode when it opens."""

    prompt = ""

    def __init__(self, session: Session, settings: Config, style: Style, navigate: Navigate, hardware: Hardware,
                 **kwargs: object) -> None:
        super().__init__(session, settings, style, navigate, **kwargs)
        self.hardware = hardware

    def enter(self) -> None:
        """The session just arrived here: start fresh (and start this screen's device)."""

    def leave(self) -> None:
        """The session moved on or was wiped: stop devices, forget everything shown."""
        self.reset()

    def back_action(self) -> Callable[[], None] | None:
        """返回 where the session allows it (never from submit onwards)."""
        return self.session.back if self.session.state not in NO_BACK else None

    def ways_forward(self, retry: Action | None = None) -> list[Action]:
        """Try again (when it can help), call for help (before submitting), or go to a window."""
        actions = [retry] if retry else []
        if self.session.state in HELP_FROM:
            actions.append(("呼叫工作人员帮助", self.session.request_help))
        actions.append(("到服务窗口办理（回到首页）", self.session.cancel))
        return actions


class BuiltStep(Step, BuiltOnce):
    """A journey screen built once: its views are made at start-up and follow `model` (what the
    session and the devices said); showing it or a device event only sets the model's properties.

    `views` lists the top-level widgets of every view, shown or not: a new theme restyles them all,
    and `compose` puts one view's widgets into the body."""

    heading: str  # the title bar's words
    model_type: type[ViewModel]
    views: list[Widget]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.model = self.model_type()
        super().__init__(*args, **kwargs)
        self.bar = self.header(self.heading, None)
        self.filler = Widget()

    def restyle(self, theme: Theme) -> None:
        for view in self.views:
            restyle_tree(view, theme)

    def compose(self, *widgets: Widget) -> None:
        """The body shows exactly `widgets`, top to bottom (kept, not made anew, when they change);
        when none of them stretches, the room left stays below them (a tall portrait panel)."""
        if all(widget.size_hint_y is None for widget in widgets):
            widgets = (*widgets, self.filler)
        if self.body.children[::-1] != list(widgets):
            self.body.clear_widgets()
            for widget in widgets:
                self.body.add_widget(widget)


class ComposedStep(BuiltStep):
    """A step built once whose body is put together by `_compose` from its model: a new theme and a
    redraw (shown again, elderly mode) compose it again."""

    def _compose(self, *_: object) -> None:
        raise NotImplementedError

    def restyle(self, theme: Theme) -> None:
        super().restyle(theme)
        self._compose()

    def redraw(self) -> None:
        super().redraw()
        self._compose()


class PhoneStep(ComposedStep):
    """A step where a person leaves a phone number (预约回电, 投诉): the number in a framed box, the
    model taken fresh from the session on entry, and what was typed gone with the person."""

    phone_border = "line"  # the box's frame, a palette role
    personal: tuple[Label, ...]  # the labels that showed what this person typed or was given

    def phone_entry(self, size: Size) -> Text:
        theme = self.theme
        self.phone_text = Text(theme, "", size=size, bold=True)
        self.phone_box = fill(self.phone_text, theme.palette.surface, radius=theme.mm(1.5),
                              border=tone(theme, self.phone_border))
        return self.phone_text

    def restyle(self, theme: Theme) -> None:
        self.phone_text.padding = (theme.mm(2), theme.mm(1))
        self.phone_box[0].rgba, self.phone_box[1].rgba = theme.palette.surface, tone(theme, self.phone_border)
        super().restyle(theme)

    def enter(self) -> None:
        self.model.reset()
        self.model.refresh(self.session)

    def reset(self) -> None:
        super().reset()
        for label in self.personal:
            blank(label)


class Problem(Panel):
    """A fault in plain words and what to do next, as big buttons (first one primary). The words
    scroll when elderly-mode text is long; the buttons always stay in sight. Built once: `show`
    gives it other words and other buttons."""

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, border="badge", radius_mm=3, orientation="vertical")
        self.title = Text(theme, "", size="title", bold=True)
        self.advice = Text(theme, "")
        words = column(theme)
        words.add_widget(self.title)
        words.add_widget(self.advice)
        self.words = scrolling(theme, words)
        # the words on the left and the ways forward on the right on a landscape panel: in elderly
        # mode three big buttons under the words would leave them no room on a 10" panel
        self.split = Split()
        self.split.add_widget(self.words)
        self.ways = BoxLayout(orientation="vertical", size_hint_x=0.8)
        self.split.add_widget(self.ways)
        self.add_widget(self.split)
        self.buttons: list[BigButton] = []
        self.theme = theme
        self.restyle(theme)

    def show(self, title: str, advice: str, actions: Sequence[Action]) -> None:
        self.title.text, self.advice.text, self.words.scroll_y = title, advice, 1
        while len(self.buttons) < len(actions):
            self.buttons.append(BigButton(self.theme, "", lambda: None))
        for index, (button, (label, action)) in enumerate(zip(self.buttons[:len(actions)], actions, strict=True)):
            button.action = action
            button.show(label, primary=index == 0)
            if button.parent is None:
                self.ways.add_widget(button, index=0)
        for button in self.buttons[len(actions):]:
            if button.parent is self.ways:
                self.ways.remove_widget(button)

    def restyle(self, theme: Theme) -> None:
        super().restyle(theme)
        self.theme, self.padding, self.spacing = theme, theme.mm(4), theme.gap
        self.split.spacing, self.ways.spacing = theme.gap * 2, theme.gap
        self.split.restyle(theme)
        for button in self.buttons:
            button.restyle(theme)


TextLine = tuple[str, Size, bool, Tone]  # (text with markup, size role, bold, colour role) of a `Lines` label


def plain(text: str) -> str:
    """Words shown in a label that takes markup, as they are."""
    return escape_markup(text)


class Lines(BoxLayout):
    """A column of labels as tall as its lines (put it in a ScrollView). Built once: its labels are
    pooled and given the next lines' words; those left over are blanked, so none keeps old words."""

    def __init__(self, theme: Theme, **kwargs: object) -> None:
        super().__init__(orientation="vertical", size_hint_y=None, **kwargs)
        self.fbind("minimum_height", self.setter("height"))
        self.pool: list[Text] = []
        self.theme = theme
        self.restyle(theme)

    def show(self, lines: Sequence[TextLine]) -> None:
        while len(self.pool) < len(lines):
            self.pool.append(Text(self.theme, "", markup=True))
        for label, (text, size, bold, colour) in zip(self.pool[:len(lines)], lines, strict=True):
            label.size_role, label.tone, label.bold, label.text = size, colour, bold, text
            label.restyle(self.theme)
            if label.parent is None:
                self.add_widget(label, index=0)
        for label in self.pool[len(lines):]:
            if label.parent is self:
                self.remove_widget(label)
            blank(label)

    def restyle(self, theme: Theme) -> None:
        self.theme, self.spacing = theme, theme.gap
        for label in self.pool:
            label.restyle(theme)


class CardPictogram(Animated, Widget):
    """A card sliding down onto the reader, over and over: where to put the ID card."""

    drop = NumericProperty(0.0)  # 0 = card above the reader, 1 = card on it

    def __init__(self, theme: Theme, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.theme = theme
        self.bind(pos=self._draw, size=self._draw, drop=self._draw)
        self.animation = (Animation(drop=1.0, duration=1.2, t="out_quad") + Animation(drop=1.0, duration=0.8)
                          + Animation(drop=0.0, duration=0.01))
        self.animation.repeat = True
        self.running = False

    def run(self, on: bool) -> None:
        """Move while the screen shows it (a running Animation holds the widget: stop it on leaving)."""
        if on and not self.running:
            self.drop = 0.0
            self.animation.start(self)
        elif not on and self.running:
            self.animation.cancel(self)
        self.running = on

    def stop(self) -> None:
        self.run(False)

    def restyle(self, theme: Theme) -> None:
        self.theme = theme
        self._draw()

    def _draw(self, *_: object) -> None:
        p, mm = self.theme.palette, self.theme.mm
        w = min(self.width * 0.8, mm(90))
        reader_h, card_w, card_h = w * 0.35, w * 0.62, w * 0.39
        cx = self.center_x
        reader_y = self.y + self.height * 0.12
        self.canvas.clear()
        with self.canvas:
            Color(*p.muted)
            RoundedRectangle(pos=(cx - w / 2, reader_y), size=(w, reader_h), radius=[mm(3)])
            Color(*p.primary)
            Line(rounded_rectangle=(cx - card_w / 2 - mm(2), reader_y + reader_h - mm(4), card_w + mm(4),
                                    mm(3), mm(1)), width=1.5)
            top = self.top - card_h - mm(2)
            low = reader_y + reader_h * 0.55
            y = top + (low - top) * self.drop
            Color(*p.primary)
            RoundedRectangle(pos=(cx - card_w / 2, y), size=(card_w, card_h), radius=[mm(2)])
            Color(*p.on_primary)
            for i in range(3):
                Line(points=[cx - card_w * 0.05, y + card_h * (0.7 - i * 0.2), cx + card_w * 0.4,
                             y + card_h * (0.7 - i * 0.2)], width=2)
            RoundedRectangle(pos=(cx - card_w * 0.42, y + card_h * 0.2), size=(card_w * 0.28, card_h * 0.6),
                             radius=[mm(1)])
