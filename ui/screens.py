"""The screens before the journey: home, browse, search and guide, each built once.

Their widgets are made at start-up and follow a small view model (ui/viewmodels.py) that the
session's events refresh, and the style (elderly mode, high contrast) through bindings inside the
screen: showing one makes no widgets. Screens hold no personal data of their own: they read the
session, and every button calls a session method (or switches between two views of the same
session state, such as browse and search). The steps after the guide are Step screens in ui/journey.py and ui/services.py, shown
by the kiosk app (ui/kiosk.py); the placeholder remains for the bare TerminalApp.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget
from kivy.utils import escape_markup

from drivers.printer import PrintResult
from terminal.catalog import Item
from terminal.config import Config
from terminal.pinyin_input import candidates
from terminal.receipts import ReceiptDocument
from terminal.session import IntakeClosed, Session, State
from terminal.slips import item_slip, office_hours
from ui.inputs import ButtonRow
from ui.theme import MIN_TARGET_MM, Theme
from ui.viewmodels import BrowseModel, GuideModel, HomeModel, PlaceholderModel, SearchModel, ViewModel
from ui.widgets import (
    Badge,
    BigButton,
    ItemRecycleView,
    Keyboard,
    Paged,
    Size,
    Split,
    Style,
    Text,
    column,
    fill,
    rows_data,
    scrolling,
    snug_width,
)

Navigate = Callable[[str], None]  # show another screen for the same session state (browse <-> search)
PrintDocuments = Callable[[list[ReceiptDocument], Callable[[PrintResult], None]], None]  # the receipt printer


class Page(Screen):
    """A full screen with the background colour. Everything it uses is handed in where the kiosk is
    composed (ui/app.py, ui/kiosk.py).

    Two kinds: a screen built once (`BuiltOnce`) follows its view model and the style; the other
    journey steps (`ui.steps.Step`) set their own widgets from the session in `redraw`.
    """

    def __init__(self, session: Session, settings: Config, style: Style, navigate: Navigate,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.session, self.settings, self.style, self.navigate = session, settings, style, navigate
        # (a Screen's own canvas holds its matrix push/pop: paint on the body instead)
        self.body = BoxLayout(orientation="vertical")
        self.background = fill(self.body, self.theme.palette.background)[0]
        self.add_widget(self.body)
        self._paint(self.theme)
        # The style and the screens are both made once at start-up and live as long as the app.
        self.style.fbind("theme", self._theme_changed)

    @property
    def theme(self) -> Theme:
        return self.style.theme

    def _paint(self, theme: Theme) -> None:
        self.background.rgba = theme.palette.background
        self.body.padding, self.body.spacing = theme.mm(5), theme.gap * 1.5

    def _theme_changed(self, _style: Style, theme: Theme) -> None:
        self._paint(theme)
        self.restyle(theme)

    def restyle(self, theme: Theme) -> None:
        """Follow a new theme (screens drawn anew on every show need nothing: `show` redraws them)."""

    def redraw(self) -> None:
        """Shown: put the session's data on the screen."""
        raise NotImplementedError

    def update(self) -> None:
        """The session's data on this screen changed; screens with costly parts redraw less."""
        self.redraw()

    def reset(self) -> None:
        """The session was wiped or moved on: nothing of it may stay in a hidden screen."""
        raise NotImplementedError

    def header(self, title: str, on_back: Callable[[], None] | None) -> BoxLayout:
        """返回 | title | 回到首页: the same bar on every screen but home."""
        return Header(self.theme, title, on_back, self.session.cancel)


class Header(BoxLayout):
    """返回 | title | 回到首页; a screen built once changes its title and its way back in place."""

    def __init__(self, t: Theme, title: str, on_back: Callable[[], None] | None, home: Callable[[], None]) -> None:
        super().__init__(size_hint_y=None)
        self.back = BigButton(t, "‹ 返回", self.go_back, size_hint_x=None, pos_hint={"center_y": 0.5})
        self.on_back = on_back
        # a long title takes a second line (never "…"): the bar grows with it
        self.heading = Text(t, title, size="title", bold=True, halign="center", pos_hint={"center_y": 0.5})
        self.heading.fbind("height", self._fit)
        self.home = BigButton(t, "回到首页", home, size_hint_x=None, pos_hint={"center_y": 0.5})
        if on_back is not None:
            self.add_widget(self.back)
        self.add_widget(self.heading)
        self.add_widget(self.home)
        self.restyle(t)

    def go_back(self) -> None:
        if self.on_back is not None:
            self.on_back()

    def show(self, title: str, on_back: Callable[[], None] | None) -> None:
        self.heading.text, self.on_back = title, on_back
        if on_back is None and self.back.parent is self:
            self.remove_widget(self.back)
        elif on_back is not None and self.back.parent is None:
            self.add_widget(self.back, index=len(self.children))

    def _fit(self, *_: object) -> None:
        self.height = max(self.target, self.heading.height)

    def restyle(self, t: Theme) -> None:
        self.target, self.spacing = t.target, t.gap * 2
        self.back.width, self.home.width = snug_width(t, self.back.text), snug_width(t, self.home.text)
        for part in (self.back, self.heading, self.home):
            part.restyle(t)
        self._fit()


class BuiltOnce(Page):
    """A screen whose widgets are made once and follow `model`: showing it only refreshes the model."""

    model: ViewModel

    def redraw(self) -> None:
        self.model.refresh(self.session)

    def update(self) -> None:
        self.model.refresh(self.session)

    def reset(self) -> None:
        self.model.reset()


def restyle_tree(root: Widget, theme: Theme) -> None:
    """Every widget of a screen built once that knows how to follow a theme, follows it."""
    for widget in root.walk(restrict=True):
        restyle = getattr(widget, "restyle", None)
        if restyle is not None:
            restyle(theme)


def show_if(widget: Widget, parent: Widget, shown: bool, index: int = 0) -> None:
    """Put a widget of a screen built once into its place, or take it out (it is kept for later)."""
    if shown and widget.parent is None:
        parent.add_widget(widget, index=index)
    elif not shown and widget.parent is parent:
        parent.remove_widget(widget)


class HomeScreen(BuiltOnce):
    """Big buttons for everything a citizen can do, the center's name and the time. Built once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.model = HomeModel()
        super().__init__(*args, **kwargs)
        t, session, settings = self.theme, self.session, self.settings.terminal
        self.top_bar = BoxLayout(size_hint_y=None)
        center = Text(t, settings.center_name, size="title", bold=True, line=True, shorten=True, size_hint_x=0.7)
        self.clock_label = Text(t, "", size="title", colour="primary", halign="right", line=True, size_hint_x=0.3)
        for label in (center, self.clock_label):
            self.top_bar.add_widget(label)
        self.body.add_widget(self.top_bar)
        self.intro = Text(t, f"{settings.name} · 24小时自助服务区，全天为您服务", colour="muted")
        self.intro_line = BoxLayout(size_hint_y=None)  # (elderly mode: 再听一遍 beside it, ui/kiosk.py)
        self.intro_line.add_widget(self.intro)
        self.intro_line.fbind("children", self._fit_intro)
        self.intro.fbind("height", self._fit_intro)
        self.body.add_widget(self.intro_line)
        self.closed = Text(t, "", bold=True)  # the terminal cannot store new cases: said before anyone starts
        self.elderly_button = BigButton(t, "长辈模式", lambda: session.set_elderly(not session.elderly), size="title",
                                        size_hint_y=1, subtitle="大字体 · 慢一点")
        rows: list[list[tuple[str, str, Callable[[], None], bool, float]]] = [
            [("我要办事", "查找事项，在线申请", session.start_application, True, 2),
             ("办事指南", "材料清单，一次告知", session.browse_guides, False, 1)],
            [("进度查询", "凭编号或身份证", session.query_progress, False, 1),
             ("我要评价", "好差评", session.start_rating, False, 1),
             ("我要投诉", "有诉即办", session.start_complaint, False, 1),
             ("补交材料", "凭办件编号补齐", session.start_supplement, False, 1)],
        ]
        self.grid = BoxLayout(orientation="vertical")
        for row in rows:
            line = BoxLayout()
            for title, subtitle, action, primary, weight in row:
                button = BigButton(t, title, action, primary=primary, subtitle=subtitle, size="title", size_hint_y=1,
                                   size_hint_x=weight)
                line.add_widget(button)
            self.grid.add_widget(line)
        last = BoxLayout()
        help_button = BigButton(t, "帮办代办", session.request_help, subtitle="呼叫工作人员帮助", size="title", size_hint_y=1)
        last.add_widget(help_button)
        last.add_widget(self.elderly_button)
        self.grid.add_widget(last)
        for line in self.grid.children:
            for tile in line.children:
                tile.fbind("texture_size", self._size_grid)  # (words that wrap in a narrow tile need a taller row)
        # tiles keep room for their words: where the panel is too low for three rows of them (elderly
        # letters on a 10" panel) the tiles turn with 上一页/下一页 instead of spilling their words
        self.grid.size_hint_y = None
        self.tiles = scrolling(t, self.grid)
        self.tiles.view.fbind("height", self._size_grid)
        self.body.add_widget(self.tiles)
        self.below = Widget()  # portrait: the tiles in the upper part, within reach of a standing person
        self.body.add_widget(Text(t, f"咨询电话 {settings.consult_phone}    投诉电话 {settings.complaint_phone}    "
                                     f"终端编号 {settings.id}", size="small", colour="muted"))
        where = self.settings.center  # where and when staff are, for what the terminal cannot do
        self.body.add_widget(Text(t, f"服务中心窗口 {office_hours(self.settings).describe()}    地址 {where.address}",
                                  size="small", colour="muted"))
        self.model.fbind("clock", self._show_clock)
        self.model.fbind("elderly", self._show_elderly)
        self.model.fbind("closed", self._show_closed)
        self._show_elderly()
        self.restyle(t)

    def _show_clock(self, *_: object) -> None:
        self.clock_label.text = self.model.clock

    def _show_closed(self, *_: object) -> None:
        self.closed.text = f"本机暂停受理新的申请：{self.model.closed}" if self.model.closed else ""
        show_if(self.closed, self.body, bool(self.model.closed), index=len(self.body.children) - 1)

    def _show_elderly(self, *_: object) -> None:
        elderly = self.model.elderly  # elderly mode: the same words, larger
        self.elderly_button.show("关闭长辈模式" if elderly else "长辈模式", primary=elderly)

    def restyle(self, theme: Theme) -> None:
        # elderly mode: 音量 sits in this bar (ui/kiosk.py), a touch target of its own
        self.top_bar.height = max(theme.font_title * 1.3, theme.mm(MIN_TARGET_MM) if theme.scale > 1 else 0)
        self.grid.spacing = theme.gap * 2
        self.body.spacing = theme.gap  # (elderly mode on a 10" panel: every millimetre goes to the tiles)
        self.tiles.size_hint_y = None if theme.portrait else 1
        self.tiles.height = theme.mm(48) * theme.scale * 3 + self.grid.spacing * 2
        self._size_grid()
        show_if(self.below, self.body, theme.portrait, index=1)
        for line in self.grid.children:
            line.spacing = theme.gap * (1 if theme.scale > 1 else 2)
        restyle_tree(self.body, theme)
        if self.closed.parent is None:
            restyle_tree(self.closed, theme)

    def _fit_intro(self, *_: object) -> None:
        """As tall as the intro's lines, or as a touch target when a button stands beside it."""
        beside = len(self.intro_line.children) > 1
        self.intro_line.height = max(self.intro.height, self.theme.mm(MIN_TARGET_MM) if beside else 0)

    def _size_grid(self, *_: object) -> None:
        """As tall as the view, but never lower than three rows of tiles with room for title and subtitle."""
        theme = self.theme
        rows = len(self.grid.children)
        words = max(tile.texture_size[1] for line in self.grid.children for tile in line.children)
        tallest = max(theme.mm(18) * theme.scale, words)  # (a title and a subtitle line, or what a narrow tile wraps to)
        least = rows * tallest + (rows - 1) * self.grid.spacing
        self.grid.height = max(self.tiles.view.height, least)
        Clock.schedule_once(self._top)  # the first tiles (我要办事) in sight, once the view has its new size

    def _top(self, _dt: float) -> None:
        self.tiles.scroll_y = 1

    def update_clock(self) -> None:
        self.model.tick()


class BrowseScreen(BuiltOnce):
    """The catalog by department or by life-event theme: groups on the left, items on the right. Built once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.model = BrowseModel()
        super().__init__(*args, **kwargs)
        t = self.theme
        self.bar = self.header("", self.session.back)
        self.body.add_widget(self.bar)
        self.tabs = BoxLayout(size_hint_y=None)
        self.by_department = BigButton(t, "按部门", lambda: self.switch("department"))
        self.by_theme = BigButton(t, "按主题", lambda: self.switch("theme"))
        for tab in (self.by_department, self.by_theme, BigButton(t, "搜索（拼音）", lambda: self.navigate("search"))):
            self.tabs.add_widget(tab)
        self.body.add_widget(self.tabs)
        self.split = BoxLayout()
        self.groups = ItemRecycleView(t)
        self.items = ItemRecycleView(t)
        self.split.add_widget(Paged(t, self.groups, size_hint_x=0.36))
        self.split.add_widget(Paged(t, self.items))
        self.body.add_widget(self.split)
        for name, show in (("title", self._show_title), ("by", self._show_tabs), ("groups", self._show_groups),
                           ("group", self._show_groups), ("items", self._show_items)):
            self.model.fbind(name, show)
        self._show_tabs()
        self.restyle(t)

    def _show_title(self, *_: object) -> None:
        self.bar.show(self.model.title, self.session.back)

    def _show_tabs(self, *_: object) -> None:
        self.by_department.show(primary=self.model.by == "department")
        self.by_theme.show(primary=self.model.by == "theme")

    def _show_groups(self, *_: object) -> None:
        self.groups.data = rows_data(self.theme, [(g, "", partial(self.pick, g)) for g in self.model.groups],
                                     selected=self.model.group)

    def _show_items(self, *_: object) -> None:
        self.items.data = rows_data(self.theme, self.model.items)

    def restyle(self, theme: Theme) -> None:
        self.tabs.height, self.tabs.spacing, self.split.spacing = theme.target, theme.gap * 2, theme.gap * 2
        restyle_tree(self.body, theme)
        self._show_groups()
        self._show_items()

    def switch(self, by: str) -> None:
        self.model.by, self.model.group = by, ""
        self.model.refresh(self.session)

    def pick(self, group: str) -> None:
        self.model.group = group
        self.model.refresh(self.session)


TRAILING_LETTERS = re.compile(r"[a-z]{1,6}$")


class SearchScreen(BuiltOnce):
    """Pinyin initials or full pinyin on big on-screen keys; results change with every key. Built once.

    Like the complaint screen's typing, a row of candidate characters follows the last letters typed:
    a tap puts the character in their place (can → 残), so people who know pinyin can search in Chinese."""

    CANDIDATES = 8

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.model = SearchModel()
        super().__init__(*args, **kwargs)
        t = self.theme
        self.body.add_widget(self.header("搜索事项", lambda: self.navigate("browse")))
        self.results = BoxLayout(orientation="vertical")
        self.prompt = Text(t, "", markup=True)
        self.nothing = Text(t, "没有找到相关事项，请换个说法，或按“按部门”查找。", colour="muted")
        self.space = Widget()
        self.rows = ItemRecycleView(t)
        self.rows_view = Paged(t, self.rows, beside=True)
        # what was typed and the candidate characters share one line: the results keep the room between
        # it and the keyboard (elderly letters on a 10" panel leave little)
        self.typed_line = BoxLayout(size_hint_y=None)
        self.candidates = BoxLayout(size_hint_x=None)
        self.slots = [BigButton(t, "", lambda: None, size="button", size_hint_y=1) for _ in range(self.CANDIDATES)]
        self.typed_line.add_widget(self.prompt)
        self.typed_line.add_widget(self.candidates)
        self.prompt.fbind("height", self._fit_typed_line)
        self.results.add_widget(self.typed_line)
        self.results.add_widget(self.rows_view)
        self.body.add_widget(self.results)
        self.body.add_widget(Keyboard(t, self.key))
        for name in ("typed", "rows", "found"):
            self.model.fbind(name, self._show)
        self.model.fbind("typed", self._offer)
        self.restyle(t)

    def _offer(self, *_: object) -> None:
        """Candidate characters for the letters at the end of what was typed (none for initials such as cjz)."""
        letters = TRAILING_LETTERS.search(self.model.typed)
        offered = candidates(letters.group(), limit=self.CANDIDATES) if letters else []
        for index, button in enumerate(self.slots):
            if index < len(offered):
                button.action = partial(self.choose, offered[index], len(letters.group()) if letters else 0)
                button.show(offered[index])
            show_if(button, self.candidates, index < len(offered), index=0)
        # the candidates take what the words typed leave of the line (none offered: the words have it all)
        self.candidates.size_hint_x = 2.4 if offered else None  # (against the words' 1: 70 % of the line)
        self.candidates.width = 0
        self.candidates.opacity = 1 if offered else 0
        self._fit_typed_line()

    def _fit_typed_line(self, *_: object) -> None:
        offered = self.candidates.opacity > 0
        self.typed_line.height = max(self.prompt.height, self.theme.mm(MIN_TARGET_MM) if offered else 0)

    def choose(self, char: str, replaces: int) -> None:
        """A candidate tapped: it takes the place of the letters it was offered for."""
        session = self.session
        session.search(session.search_text[:len(session.search_text) - replaces] + char)

    def _show(self, *_: object) -> None:
        t, typed, found = self.theme, self.model.typed, self.model.found
        muted = t.palette.muted_hex
        if typed:
            self.prompt.text = f"[b]{typed}[/b]    [size={int(t.font_body)}][color={muted}]找到 {found} 项[/color][/size]"
        else:
            self.prompt.text = f"[color={muted}]请用拼音输入，例如 hkdj 查找“户口登记”，cjz 查找“残疾证”[/color]"
        self.prompt.size_role = "title" if typed else "body"
        self.prompt.restyle(t)
        nothing = bool(typed) and not found
        show_if(self.rows_view, self.results, not nothing)
        show_if(self.nothing, self.results, nothing)
        show_if(self.space, self.results, nothing)
        self.rows.data = rows_data(t, self.model.rows)

    def restyle(self, theme: Theme) -> None:
        self.results.spacing, self.candidates.spacing = theme.gap * 1.5, theme.gap / 2
        for button in self.slots:
            button.height = theme.mm(MIN_TARGET_MM)
        restyle_tree(self.body, theme)
        self._offer()
        spares: list[Widget] = [self.nothing, self.rows_view, *self.slots]
        for spare in spares:
            if spare.parent is None:
                restyle_tree(spare, theme)
        self._show()

    def key(self, key: str) -> None:
        session = self.session
        session.search(session.search_text[:-1] if key == "\b" else (session.search_text + key if key else ""))


class GuideScreen(BuiltOnce):
    """办事指南: the complete materials list (一次性告知) first and large, the facts beside it,
    and a 样例 badge when the guide is a demo sample rather than an official one.

    Built once: its labels are kept in pools and given the next item's words, so opening a guide
    makes no widgets (only the texts that changed are drawn again)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.model = GuideModel()
        super().__init__(*args, **kwargs)
        t, session = self.theme, self.session
        self.body.add_widget(self.header("办事指南", session.back))
        self.title = Text(t, "", size="title", bold=True)
        self.body.add_widget(self.title)
        self.sample = BoxLayout(size_hint_y=None)
        self.badge = Badge(t, "样例")
        self.sample.add_widget(self.badge)
        self.sample.add_widget(Text(t, "本指南为演示样例，办理前请以窗口和官方发布的办事指南为准。", colour="muted"))
        self.main = column(t, padding=(0, 0, t.mm(4), 0))
        self.side = column(t, padding=t.mm(3))
        side_view = scrolling(t, self.side)
        side_view.size_hint_x = 0.38
        self.side_colours = fill(side_view, t.palette.surface, radius=t.mm(2), border=t.palette.line)
        self.main_view = scrolling(t, self.main)
        self.split = Split()
        self.split.add_widget(self.main_view)
        self.split.add_widget(side_view)
        self.body.add_widget(self.split)
        self.begin = BigButton(t, "开始办理", self._begin, primary=True)
        # an item without a guide here: where and when to go, a slip, a call-back (never a dead end)
        self.print_button = BigButton(t, "打印办理指引单", self._print_slip)
        self.elsewhere = ButtonRow(t, [self.print_button, BigButton(t, "请工作人员联系我", session.request_callback,
                                                                     primary=True)])
        self.print_documents: PrintDocuments | None = None  # the kiosk gives its printer (ui/kiosk.py)
        self.main_pool: list[Text] = []
        self.side_pool: list[Text] = []
        for name in ("item", "closed", "printing", "slip"):
            self.model.fbind(name, self._show)
        self.restyle(t)

    def _print_slip(self) -> None:
        item = self.model.item
        if item is None or self.print_documents is None or self.model.printing:
            return
        self.model.printing = True
        self.print_documents([item_slip(self.settings, item, datetime.now())], self._printed)

    def _printed(self, result: PrintResult) -> None:
        if self.session.state == State.GUIDE:
            self.model.slip, self.model.printing = result, False

    def _elsewhere_lines(self, item: Item) -> list[tuple[str, Size, bool]]:
        """The page of an item the terminal cannot take: where, when, what to bring, how to ask."""
        center, terminal = self.settings.center, self.settings.terminal
        now, hours = datetime.now(), office_hours(self.settings)
        lines: list[tuple[str, Size, bool]] = [("本事项暂不能在本机申请，请到服务中心窗口办理", "button", True)]
        if self.model.printing:  # (at the top: the person looks here after the tap)
            lines.append(("正在打印办理指引单…", "body", True))
        elif self.model.slip is not None:
            lines.append(("办理指引单已打印，请从出纸口取走。" if self.model.slip.printed else
                          "打印机暂时不能使用，请记下下面的地址和电话。", "body", True))
        lines += [
            ("到哪里办", "button", True), (escape_markup(f"{center.address}，{item.department}的业务窗口"), "body", False),
            ("什么时候去", "button", True),
            (escape_markup(f"{hours.describe()}\n{hours.at(now).sentence(now.date())}"), "body", False),
            ("要带什么", "button", True),
            (escape_markup(f"所需材料请先拨打咨询电话 {terminal.consult_phone} 问清楚；或点下面的“请工作人员联系我”，"
                           "留下电话，工作人员会在办公时间给您回电，告诉您要带的材料。"), "body", False)]
        return lines

    def _begin(self) -> None:
        """开始办理, unless the terminal cannot store a case now: then the button says why instead."""
        if self.model.closed:
            return
        try:
            self.session.begin_identify()
        except IntakeClosed as closed:
            self.model.closed = closed.advice_zh

    def _lines(self, item: Item) -> list[tuple[str, Size, bool]]:
        """The main column: (text with markup, size role, bold) per label."""
        t, guide = self.theme, item.guide
        if guide is None:
            return self._elsewhere_lines(item)
        lines: list[tuple[str, Size, bool]] = [(f"申请材料（一次性告知，共 {len(guide.materials)} 项）", "button", True)]
        for n, m in enumerate(guide.materials, 1):
            need = "必须提交" if m.required else "如有请提交"
            note = f"\n[size={int(t.font_small)}][color={t.palette.muted_hex}]{escape_markup(m.note)}[/color][/size]" \
                if m.note else ""
            lines.append((f"{n}. [b]{escape_markup(m.name)}[/b]（{m.form} {m.count} 份，{need}）{note}", "body", False))
        process = "\n".join(f"{n}. {step}" for n, step in enumerate(guide.process, 1))
        for title, text in (("受理条件", guide.conditions), ("办理流程", process), ("办理结果", guide.result)):
            if text:
                lines += [(title, "button", True), (escape_markup(text), "body", False)]
        return lines

    def _facts(self, item: Item) -> list[str]:
        guide, terminal, muted = item.guide, self.settings.terminal, self.theme.palette.muted_hex
        facts = [("事项类型", item.item_type) if guide is not None else ("办理方式", "到服务中心窗口办理"),
                 ("实施部门", item.department)]
        if guide is not None:
            on_the_spot = "当场办结"
            facts += [("办件类型", guide.case_kind.value),
                      ("法定时限", f"{guide.legal_days}个工作日" if guide.legal_days else on_the_spot),
                      ("承诺时限", f"{guide.promised_days}个工作日" if guide.promised_days else on_the_spot),
                      ("收费标准", guide.fees or "不收费")]
        facts += [("咨询电话", (guide and guide.consult_phone) or terminal.consult_phone),
                  ("投诉电话", (guide and guide.complaint_phone) or terminal.complaint_phone)]
        return [f"[color={muted}]{label}[/color]  {escape_markup(str(value))}" for label, value in facts]

    def _show(self, *_: object) -> None:
        item: Item | None = self.model.item
        lines = self._lines(item) if item is not None else []
        facts = self._facts(item) if item is not None else []
        self.title.text = item.title if item is not None else ""
        guide = item.guide if item is not None else None
        show_if(self.sample, self.body, guide is not None and guide.sample, index=len(self.body.children) - 2)
        show_if(self.begin, self.body, guide is not None)
        show_if(self.elsewhere, self.body, item is not None and guide is None)
        show_if(self.print_button, self.elsewhere, self.print_documents is not None, index=1)
        if self.model.closed:
            self.begin.show("暂停受理新的申请", subtitle=self.model.closed, primary=False)
        else:
            self.begin.show("开始办理", subtitle="", primary=True)
        pour(self.main, self.main_pool, lines, self.theme)
        pour(self.side, self.side_pool, [(fact, "body", False) for fact in facts], self.theme)
        self.main_view.scroll_y = 1

    def restyle(self, theme: Theme) -> None:
        self.sample.height, self.sample.spacing, self.split.spacing = theme.font_body * 2, theme.gap, theme.gap * 2
        self.side_colours[0].rgba, self.side_colours[1].rgba = theme.palette.surface, theme.palette.line
        restyle_tree(self.body, theme)
        for spare in (self.sample, self.begin, self.elsewhere, self.print_button, *self.main_pool, *self.side_pool):
            if spare.parent is None:
                restyle_tree(spare, theme)
        self._show()


def pour(box: BoxLayout, pool: list[Text], lines: list[tuple[str, Size, bool]], theme: Theme) -> None:
    """Show `lines` in `box` with the pool's labels (made only when the pool is short), in order."""
    while len(pool) < len(lines):
        pool.append(Text(theme, "", markup=True))
    for label, (text, size, bold) in zip(pool, lines, strict=False):  # the pool may hold spare labels
        if label.size_role != size:
            label.size_role = size
            label.restyle(theme)
        label.text, label.bold = text, bold
        if label.parent is None:
            box.add_widget(label, index=0)
    for label in pool[len(lines):]:
        if label.parent is not None:
            box.remove_widget(label)
        label.text = ""


def blank(label: Label) -> None:
    """No words left in a label. Kivy's core label also keeps the text it was created with
    (`options`) and the lines it laid out last; empty all three (empty text costs no rendering)."""
    label.text = ""
    label._label.options["text"] = ""
    label._label._cached_lines = []


STEP_NAMES = {
    State.CONSENT: "个人信息告知",
    State.IDENTIFY: "读取身份证", State.FORM: "填写信息", State.MATERIALS: "扫描材料", State.REVIEW: "核对与签名",
    State.SUBMIT: "提交", State.RECEIPT: "打印回执", State.RATING: "我要评价", State.PROGRESS: "进度查询",
    State.COMPLAINT: "我要投诉", State.HELP: "帮办代办",
}


class PlaceholderScreen(BuiltOnce):
    """A step this version does not offer yet: says so plainly and offers the way back. Built once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.model = PlaceholderModel()
        super().__init__(*args, **kwargs)
        t = self.theme
        self.bar = self.header("", None)
        self.building = Text(t, "", size="title", halign="center")
        for part in (self.bar, self.building, Text(t, "请到服务窗口办理，或拨打咨询电话 " + self.settings.terminal.consult_phone
                                                   + "。", halign="center", colour="muted"), Widget()):
            self.body.add_widget(part)
        self.model.fbind("state", self._show)
        self.restyle(t)

    def _show(self, *_: object) -> None:
        state, session = self.model.state, self.session
        name = STEP_NAMES.get(state, state.value) if state is not None else ""
        self.bar.show(name, session.back if state not in (State.SUBMIT, State.RECEIPT, State.RATING) else None)
        self.building.text = f"“{name}”功能正在建设中。" if name else ""

    def restyle(self, theme: Theme) -> None:
        restyle_tree(self.body, theme)
        restyle_tree(self.bar.back, theme)
