"""The screens: each rebuilds itself from the session and the theme whenever it is shown.

Screens hold no personal data of their own: they read the session, and every button calls a
session method (or switches between two views of the same session state, such as browse and
search). The steps after the guide are Step screens in ui/journey.py and ui/services.py, shown
by the kiosk app (ui/kiosk.py); the placeholder remains for the bare TerminalApp.
"""

from __future__ import annotations

import time
from typing import Callable

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from terminal.catalog import Item
from terminal.config import Config
from terminal.session import Journey, Session, State
from ui.theme import Theme
from ui.widgets import Animated, Badge, BigButton, Keyboard, Style, Text, column, fill, item_list, scrolling

Navigate = Callable[[str], None]  # show another screen for the same session state (browse <-> search)


class Page(Screen):
    """A full screen with the background colour; `build` fills it from the session.

    Everything it uses is handed in where the kiosk is composed (ui/app.py, ui/kiosk.py).
    """

    def __init__(self, session: Session, settings: Config, style: Style, navigate: Navigate,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.session, self.settings, self.style, self.navigate = session, settings, style, navigate

    @property
    def theme(self) -> Theme:
        return self.style.theme

    def redraw(self) -> None:
        for widget in self.walk(restrict=True):
            if isinstance(widget, Animated):
                widget.stop()
        self.clear_widgets()  # (a Screen's own canvas holds its matrix push/pop: paint on the body instead)
        body = BoxLayout(orientation="vertical", padding=self.theme.mm(5), spacing=self.theme.gap * 1.5)
        fill(body, self.theme.palette.background)
        self.build(body)
        self.add_widget(body)

    def build(self, body: BoxLayout) -> None:
        raise NotImplementedError

    def update(self) -> None:
        """The session's data on this screen changed; screens with costly parts redraw less."""
        self.redraw()

    def header(self, title: str, on_back: Callable[[], None] | None) -> BoxLayout:
        """返回 | title | 回到首页: the same bar on every screen but home."""
        t = self.theme
        bar = BoxLayout(size_hint_y=None, height=t.target, spacing=t.gap * 2)
        if on_back is not None:
            bar.add_widget(BigButton(t, "‹ 返回", on_back, size_hint_x=None, width=t.mm(34) * t.scale))
        heading = Label(text=title, font_name=t.font_name, font_size=t.font_title, bold=True, color=t.palette.text,
                        shorten=True, shorten_from="right", halign="center", valign="middle")
        heading.bind(size=lambda w, size: setattr(w, "text_size", size))
        bar.add_widget(heading)
        bar.add_widget(BigButton(t, "回到首页", self.session.cancel, size_hint_x=None, width=t.mm(40) * t.scale))
        return bar


class HomeScreen(Page):
    """Big buttons for everything a citizen can do, the center's name and the time."""

    def build(self, body: BoxLayout) -> None:
        t, session, settings = self.theme, self.session, self.settings.terminal
        top = BoxLayout(size_hint_y=None, height=t.font_title * 1.6)
        center = Label(text=settings.center_name, font_name=t.font_name, font_size=t.font_title, bold=True,
                       color=t.palette.text, halign="left", valign="middle", shorten=True, size_hint_x=0.7)
        center.bind(size=lambda w, size: setattr(w, "text_size", size))
        top.add_widget(center)
        self.clock_label = Label(text="", font_name=t.font_name, font_size=t.font_title, color=t.palette.primary,
                                 halign="right", size_hint_x=0.3)
        self.clock_label.bind(size=lambda w, s: setattr(w, "text_size", s))
        top.add_widget(self.clock_label)
        body.add_widget(top)
        plain = session.elderly  # elderly mode: fewer words, the same big targets
        if not plain:
            body.add_widget(Text(t, f"{settings.name} · 24小时自助服务区，全天为您服务", colour=t.palette.muted))

        rows: list[list[tuple[str, str, Callable[[], None], bool, float]]] = [
            [("我要办事", "查找事项，在线申请", session.start_application, True, 2),
             ("办事指南", "材料清单，一次告知", session.browse_guides, False, 1)],
            [("进度查询", "凭受理编号或身份证", session.query_progress, False, 1),
             ("我要评价", "好差评", session.start_rating, False, 1),
             ("我要投诉", "有诉即办", session.start_complaint, False, 1)],
            [("帮办代办", "呼叫工作人员帮助", session.request_help, False, 1),
             ("关闭长辈模式" if session.elderly else "长辈模式", "大字体 · 慢一点",
              lambda: session.set_elderly(not session.elderly), session.elderly, 1)],
        ]
        grid = BoxLayout(orientation="vertical", spacing=t.gap * 2)
        for row in rows:
            line = BoxLayout(spacing=t.gap * 2)
            for title, subtitle, action, primary, weight in row:
                line.add_widget(BigButton(t, title, action, primary=primary, subtitle="" if plain else subtitle,
                                          size=t.font_title, size_hint_y=1, size_hint_x=weight))
            grid.add_widget(line)
        body.add_widget(grid)
        body.add_widget(Text(t, f"咨询电话 {settings.consult_phone}    投诉电话 {settings.complaint_phone}    "
                                f"终端编号 {settings.id}", size=t.font_small, colour=t.palette.muted))
        self.update_clock()

    def update_clock(self) -> None:
        self.clock_label.text = time.strftime("%H:%M")


def item_rows(items: list[Item], choose: Callable[[Item], None]) -> list[tuple[str, str, Callable[[], None]]]:
    def detail(item: Item) -> str:
        return f"{item.item_type} · {item.department}" + (" · 有办事指南" if item.guide else "")

    return [(item.title, detail(item), lambda item=item: choose(item)) for item in items]


class BrowseScreen(Page):
    """The catalog by department or by life-event theme: groups on the left, items on the right."""

    by = "department"
    group = ""

    def build(self, body: BoxLayout) -> None:
        t, session = self.theme, self.session
        title = "我要办事 · 选择事项" if session.journey == Journey.APPLY else "办事指南"
        body.add_widget(self.header(title, session.back))
        catalog = session.catalog
        groups = catalog.departments() if self.by == "department" else catalog.themes()
        if self.group not in groups:
            self.group = groups[0] if groups else ""

        tabs = BoxLayout(size_hint_y=None, height=t.target, spacing=t.gap * 2)
        tabs.add_widget(BigButton(t, "按部门", lambda: self.switch("department"), primary=self.by == "department"))
        tabs.add_widget(BigButton(t, "按主题", lambda: self.switch("theme"), primary=self.by == "theme"))
        tabs.add_widget(BigButton(t, "搜索（拼音）", lambda: self.navigate("search")))
        body.add_widget(tabs)

        split = BoxLayout(spacing=t.gap * 2)
        split.add_widget(item_list(t, [(g, "", lambda g=g: self.pick(g)) for g in groups], selected=self.group))
        split.children[0].size_hint_x = 0.36
        items = catalog.by_department(self.group) if self.by == "department" else catalog.by_theme(self.group)
        split.add_widget(item_list(t, item_rows(list(items), session.choose_item)))
        body.add_widget(split)

    def switch(self, by: str) -> None:
        self.by, self.group = by, ""
        self.redraw()

    def pick(self, group: str) -> None:
        self.group = group
        self.redraw()


class SearchScreen(Page):
    """Pinyin initials or full pinyin on big on-screen keys; results change with every key.

    A key press only rebuilds the prompt and the results (`update`), not the keyboard.
    """

    MAX_ROWS = 20  # more than this is a sign to type another letter

    def build(self, body: BoxLayout) -> None:
        t = self.theme
        body.add_widget(self.header("搜索事项", lambda: self.navigate("browse")))
        self.results = BoxLayout(orientation="vertical", spacing=t.gap * 1.5)
        self.update()
        body.add_widget(self.results)
        body.add_widget(Keyboard(t, self.key))

    def update(self) -> None:
        t, session = self.theme, self.session
        typed, results = session.search_text, list(session.search_results)
        self.results.clear_widgets()
        muted = t.palette.muted_hex
        if typed:
            prompt = f"[b]{typed}[/b]    [size={int(t.font_body)}][color={muted}]找到 {len(results)} 项[/color][/size]"
        else:
            prompt = f"[color={muted}]请用拼音输入，例如 hkdj 查找“户口登记”[/color]"
        self.results.add_widget(Text(t, prompt, size=t.font_title if typed else t.font_body, markup=True))
        if typed and not results:
            self.results.add_widget(Text(t, "没有找到相关事项，请换个说法，或按“按部门”查找。", colour=t.palette.muted))
            self.results.add_widget(Widget())
        else:
            self.results.add_widget(item_list(t, item_rows(results[: self.MAX_ROWS], session.choose_item)))

    def key(self, key: str) -> None:
        session = self.session
        session.search(session.search_text[:-1] if key == "\b" else (session.search_text + key if key else ""))


class GuideScreen(Page):
    """办事指南: the complete materials list (一次性告知) first and large, the facts beside it,
    and a 样例 badge when the guide is a demo sample rather than an official one."""

    def build(self, body: BoxLayout) -> None:
        t, session, terminal = self.theme, self.session, self.settings.terminal
        item = session.item
        assert item is not None  # the session only reaches GUIDE with an item
        guide = item.guide
        body.add_widget(self.header("办事指南", session.back))
        body.add_widget(Text(t, item.title, size=t.font_title, bold=True))
        if guide is not None and guide.sample:
            row = BoxLayout(size_hint_y=None, height=t.font_body * 2, spacing=t.gap)
            row.add_widget(Badge(t, "样例"))
            row.add_widget(Text(t, "本指南为演示样例，办理前请以窗口和官方发布的办事指南为准。", colour=t.palette.muted))
            body.add_widget(row)

        main = column(t, padding=(0, 0, t.mm(4), 0))
        if guide is None:
            main.add_widget(Text(t, "本事项暂无办事指南，请到窗口或拨打咨询电话了解。", colour=t.palette.muted))
        else:
            main.add_widget(Text(t, f"申请材料（一次性告知，共 {len(guide.materials)} 项）", size=t.font_button,
                                 bold=True))
            for n, m in enumerate(guide.materials, 1):
                need = "必须提交" if m.required else "如有请提交"
                note = f"\n[size={int(t.font_small)}][color={t.palette.muted_hex}]{m.note}[/color][/size]" if m.note else ""
                main.add_widget(Text(t, f"{n}. [b]{m.name}[/b]（{m.form} {m.count} 份，{need}）{note}", markup=True))
            for title, text in (("受理条件", guide.conditions), ("办理流程", "\n".join(f"{n}. {step}" for n, step in
                                                                              enumerate(guide.process, 1))),
                                ("办理结果", guide.result)):
                if text:
                    main.add_widget(Text(t, title, size=t.font_button, bold=True))
                    main.add_widget(Text(t, text))

        facts = [("事项类型", item.item_type), ("实施部门", item.department)]
        if guide is not None:
            on_the_spot = "当场办结"
            facts += [("办件类型", guide.case_kind.value),
                      ("法定时限", f"{guide.legal_days}个工作日" if guide.legal_days else on_the_spot),
                      ("承诺时限", f"{guide.promised_days}个工作日" if guide.promised_days else on_the_spot),
                      ("收费标准", guide.fees or "不收费")]
        facts += [("咨询电话", (guide and guide.consult_phone) or terminal.consult_phone),
                  ("投诉电话", (guide and guide.complaint_phone) or terminal.complaint_phone)]
        side = column(t, padding=t.mm(3))
        for label, value in facts:
            side.add_widget(Text(t, f"[color={t.palette.muted_hex}]{label}[/color]  {value}", markup=True))
        side_view = scrolling(t, side)
        side_view.size_hint_x = 0.38
        fill(side_view, t.palette.surface, radius=t.mm(2), border=t.palette.line)

        split = BoxLayout(spacing=t.gap * 2)
        split.add_widget(scrolling(t, main))
        split.add_widget(side_view)
        body.add_widget(split)
        if guide is not None:
            body.add_widget(BigButton(t, "开始办理", session.begin_identify, primary=True))


STEP_NAMES = {
    State.IDENTIFY: "读取身份证", State.FORM: "填写信息", State.MATERIALS: "扫描材料", State.REVIEW: "核对与签名",
    State.SUBMIT: "提交", State.RECEIPT: "打印回执", State.RATING: "我要评价", State.PROGRESS: "进度查询",
    State.COMPLAINT: "我要投诉", State.HELP: "帮办代办",
}


class PlaceholderScreen(Page):
    """A step this version does not offer yet: says so plainly and offers the way back."""

    def build(self, body: BoxLayout) -> None:
        t, session = self.theme, self.session
        name = STEP_NAMES.get(session.state, session.state.value)
        body.add_widget(self.header(name, session.back if session.state not in (State.SUBMIT, State.RECEIPT,
                                                                                   State.RATING) else None))
        body.add_widget(Text(t, f"“{name}”功能正在建设中。", size=t.font_title, halign="center"))
        body.add_widget(Text(t, "请到服务窗口办理，或拨打咨询电话 " + self.settings.terminal.consult_phone + "。",
                             halign="center", colour=t.palette.muted))
        body.add_widget(Widget())
