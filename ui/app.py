"""The kiosk app: one ScreenManager showing whatever state the session is in.

Import this module only after `ui.window.prepare()` (it imports Kivy widgets, which create the
window). The app owns no rules: it maps session states to screens, redraws on session events,
forwards every touch to `session.touch()` and ticks the session's idle clock twice a second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from terminal.config import Config
from terminal.fonts import find_cjk_font
from terminal.heap import collect_garbage, release_free_memory
from terminal.session import Session, SessionEvent, State
from terminal.watchdog import Watchdog
from ui.linebreak import add_words
from ui.screens import BrowseScreen, BuiltOnce, GuideScreen, HomeScreen, Page, PlaceholderScreen, SearchScreen
from ui.theme import Theme, make_theme
from ui.widgets import BigButton, Style, Text, fill
from ui.window import FONT_NAME

log = logging.getLogger(__name__)

SCREEN_OF_STATE = {State.HOME: "home", State.ITEM: "browse", State.GUIDE: "guide"}
REDRAW_EVENTS = ("state", "cancelled", "finished", "timed_out", "elderly")
SESSION_ENDS = ("cancelled", "finished", "timed_out")


class Root(FloatLayout):
    """Every touch first counts as activity; while the idle countdown shows, a touch only dismisses it."""

    def __init__(self, session: Session, covered: Callable[[], bool], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.session, self.covered = session, covered

    def on_touch_down(self, touch: object) -> bool:
        covered = self.covered()
        self.session.touch()
        return True if covered else super().on_touch_down(touch)


class TerminalApp(App):
    title = "24小时政务自助服务终端"

    def __init__(self, config: Config, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.settings = config  # Kivy's App.config is its own ini file, which the kiosk does not use
        self.session = session
        self.overlay: AnchorLayout | None = None
        self.font_file = str(find_cjk_font(config.display.font))  # text heights are measured on its glyphs
        catalog = session.catalog  # lines never break inside the name of an item, a department, a material
        add_words([*(item.title for item in catalog.items), *catalog.departments()])
        self.style = Style(self._make_theme())
        # READY=1 on the first clock tick (the home screen is up), then pings from the UI loop itself:
        # a hung UI stops them and systemd restarts the kiosk. Device faults never stop them.
        self.watchdog = Watchdog(lambda: True, ready_status="home screen up")
        # A full collection walks every object (some 400,000: Kivy, the catalog and its search index):
        # 110-320 ms here. Once a person has gone and home is drawn, one runs while nobody waits, so
        # the collector seldom has one pending in the middle of the next person's screen change.
        # Kivy deletes the GL textures and buffers of freed widgets at the next frame: trim after that.
        self.trim_at_rest = Clock.create_trigger(lambda _dt: release_free_memory(), 0.05)
        self.collect_at_rest = Clock.create_trigger(lambda _dt: (collect_garbage(), self.trim_at_rest()), 0.05)

    def _make_theme(self) -> Theme:
        """The theme for this window's size and density (made again when elderly mode changes)."""
        from kivy.core.window import Window

        return make_theme(self.settings.display, FONT_NAME, elderly=self.session.elderly,
                          pixels=(int(Window.width), int(Window.height)), font_file=self.font_file)

    @property
    def theme(self) -> Theme:
        return self.style.theme

    def build(self) -> Root:
        self.root_widget = Root(self.session, lambda: self.overlay is not None)
        self.manager = ScreenManager(transition=NoTransition())
        for name, kind in (("home", HomeScreen), ("browse", BrowseScreen), ("search", SearchScreen),
                           ("guide", GuideScreen), ("step", PlaceholderScreen)):
            self.manager.add_widget(kind(self.session, self.settings, self.style, self.show, name=name))
        self.root_widget.add_widget(self.manager)
        self.manager.fbind("size", self._size_screens)
        self.session.subscribe(self.on_session_event)
        Clock.schedule_interval(self._tick, 0.5)
        self.show(SCREEN_OF_STATE.get(self.session.state, "step"))
        return self.root_widget

    def _size_screens(self, manager: ScreenManager, size: list[float]) -> None:
        """Every screen gets the window's size while hidden: the screens built once lay out and draw
        their words at start-up, not on the first show in front of somebody."""
        for screen in manager.screens:
            screen.size = size

    def show(self, name: str) -> None:
        screen = self.manager.get_screen(name)
        assert isinstance(screen, Page)
        screen.redraw()
        self.manager.current = name

    def on_session_event(self, event: SessionEvent) -> None:
        if event.kind in SESSION_ENDS:
            self.collect_at_rest()
        if event.kind in REDRAW_EVENTS:
            self.style.theme = self._make_theme()  # elderly mode may have changed (or been reset by a wipe)
            self.close_overlay()
            if event.state == State.HOME:
                self.forget_views()
            self.show(SCREEN_OF_STATE.get(event.state, "step"))
        elif event.kind == "changed":
            screen = self.manager.current_screen
            assert isinstance(screen, Page)
            screen.update()
        elif event.kind == "idle_warning":
            self.open_overlay()
        elif event.kind == "idle_resumed":
            self.close_overlay()

    def forget_views(self) -> None:
        """Back at home (a wipe, a cancel, the end): the screens built once forget the last person's
        search, list and item. Not on every change: browse and search keep theirs while one person
        goes back and forth, and redraw nothing."""
        home = self.manager.get_screen("home")
        for screen in self.manager.screens:
            if isinstance(screen, BuiltOnce) and screen is not home:
                screen.reset()

    def _tick(self, _dt: float) -> None:
        self.session.tick()
        remaining = self.session.warning_remaining
        if self.overlay is not None and remaining is not None:
            self.countdown.text = f"{int(remaining + 0.99)} 秒后将清除您的信息并回到首页"
        home = self.manager.get_screen("home")
        if self.manager.current == "home" and isinstance(home, HomeScreen):
            home.update_clock()
        self.watchdog.tick()

    def open_overlay(self) -> None:
        """还要继续吗？ over the current screen; any touch continues."""
        t = self.theme
        self.overlay = AnchorLayout()
        fill(self.overlay, (0, 0, 0, 0.6))
        card = BoxLayout(orientation="vertical", size_hint=(None, None), width=t.mm(150), padding=t.mm(6),
                         spacing=t.gap * 2)
        card.bind(minimum_height=card.setter("height"))
        fill(card, t.palette.surface, radius=t.mm(3), border=t.palette.line)
        card.add_widget(Text(t, "还要继续吗？", size=t.font_title, bold=True, halign="center"))
        self.countdown = Text(t, "", halign="center", colour=t.palette.muted)
        card.add_widget(self.countdown)
        card.add_widget(BigButton(t, "继续办理", self.session.touch, primary=True))
        self.overlay.add_widget(card)
        self.root_widget.add_widget(self.overlay)

    def close_overlay(self) -> None:
        if self.overlay is not None:
            self.root_widget.remove_widget(self.overlay)
            self.overlay = None
