"""Building blocks in the one style: filled backgrounds, big buttons, wrapped text, lists, the keyboard."""

from __future__ import annotations

from typing import Callable, Iterable

from kivy.event import EventDispatcher
from kivy.graphics import Color, Line, Rectangle, RoundedRectangle
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.recycleboxlayout import RecycleBoxLayout
from kivy.uix.recycleview import RecycleView
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from ui.theme import MIN_TARGET_MM, RGBA, Theme


def fill(widget: Widget, colour: RGBA, *, radius: float = 0, border: RGBA | None = None) -> list[Color]:
    """Paint a background (and optional outline) that follows the widget's size; returns the Color
    instructions, background first (a recycled list row recolours them when it shows another row)."""
    with widget.canvas.before:
        colours = [Color(*colour)]
        shape = RoundedRectangle(radius=[radius]) if radius else Rectangle()
        if border is not None:
            colours.append(Color(*border))
            outline = Line(width=1.5)

    def follow(*_: object) -> None:
        shape.pos, shape.size = widget.pos, widget.size
        if border is not None:
            outline.rounded_rectangle = (*widget.pos, *widget.size, radius or 1)

    widget.bind(pos=follow, size=follow)
    follow()
    return colours


class Style(EventDispatcher):
    """The theme in force as a Kivy property: elderly mode or high contrast set it, and screens
    built once follow it through bindings in their own tree instead of being rebuilt."""

    theme = ObjectProperty(None)

    def __init__(self, theme: Theme, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.theme = theme


class Animated:
    """A widget that moves by itself (a Clock event or an Animation holds it while it runs): its
    screen calls `stop` when it drops the widget, or the running animation keeps the old screen alive."""

    def stop(self) -> None:
        raise NotImplementedError


class Text(Label):
    """A label that wraps to its width and grows to its text height (for lists and guides)."""

    def __init__(self, theme: Theme, text: str, *, size: float | None = None, colour: RGBA | None = None,
                 bold: bool = False, halign: str = "left", **kwargs: object) -> None:
        super().__init__(text=text, font_name=theme.font_name, font_size=size or theme.font_body,
                         color=colour or theme.palette.text, bold=bold, halign=halign, valign="middle",
                         size_hint_y=None, **kwargs)
        self.bind(width=lambda *_: setattr(self, "text_size", (self.width, None)),
                  texture_size=lambda *_: setattr(self, "height", self.texture_size[1] + theme.mm(1)))


class BigButton(ButtonBehavior, Label):
    """A touch target of at least 15 mm, filled with the primary or the secondary colour.

    A Label with button behaviour rather than a Kivy Button: Button's own style draws a bitmap
    border we would hide anyway, and costs time on every screen change.
    """

    def __init__(self, theme: Theme, text: str, on_press: Callable[[], None], *, primary: bool = False,
                 subtitle: str = "", size: float | None = None, halign: str = "center", **kwargs: object) -> None:
        p = theme.palette
        font = size or theme.font_button
        label = text if not subtitle else f"{text}\n[size={int(theme.font_small)}]{subtitle}[/size]"
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", theme.target)
        super().__init__(text=label, markup=True, font_name=theme.font_name, font_size=font, halign=halign,
                         valign="middle", color=p.on_primary if primary else p.on_secondary, **kwargs)
        self.colours = fill(self, p.primary if primary else p.secondary, radius=theme.mm(2),
                               border=None if primary else p.line)
        self.bind(size=lambda *_: setattr(self, "text_size", (self.width - theme.mm(4), None)))
        self.bind(on_release=lambda *_: on_press())


class Badge(Label):
    """A small filled tag such as 样例 (this guide is a sample written for the demo)."""

    def __init__(self, theme: Theme, text: str, **kwargs: object) -> None:
        super().__init__(text=text, font_name=theme.font_name, font_size=theme.font_body, bold=True,
                         color=theme.palette.on_badge, size_hint=(None, None), **kwargs)
        self.bind(texture_size=lambda *_: setattr(self, "size", (self.texture_size[0] + theme.mm(5),
                                                                  self.texture_size[1] + theme.mm(2))))
        fill(self, theme.palette.badge, radius=theme.mm(1.5))


def column(theme: Theme, **kwargs: object) -> BoxLayout:
    """A vertical stack whose height is the sum of its children (put it in a ScrollView)."""
    box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=theme.gap, **kwargs)
    box.bind(minimum_height=box.setter("height"))
    return box


def scrolling(theme: Theme, content: Widget) -> ScrollView:
    view = ScrollView(do_scroll_x=False, bar_width=theme.mm(3), scroll_type=["bars", "content"])
    view.add_widget(content)
    return view


class ItemRow(RecycleDataViewBehavior, ButtonBehavior, Label):
    """One row of an `item_list`: a button that a RecycleView reuses for whichever row scrolls into view.

    A class, not a factory: Kivy caches views per `viewclass` in module-level dicts, so a lambda
    as `viewclass` kept every list (and the screen around it) alive for the life of the process.
    The theme comes from the list at each refresh. Drawn as an unselected BigButton (outlined);
    the selected row (the group shown) as a primary one: filled, no outline, on_primary text.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=True, halign="left", valign="middle", **kwargs)
        self.action: Callable[[], None] | None = None
        self.inset = 0.0
        with self.canvas.before:
            self.background = Color()
            self.shape = RoundedRectangle()
            self.outline_colour = Color()
            self.outline = Line(width=1.5)
        self.fbind("pos", self._follow)
        self.fbind("size", self._follow)

    def _follow(self, *_: object) -> None:
        radius = self.shape.radius[0][0] if self.shape.radius else 1
        self.shape.pos, self.shape.size = self.pos, self.size
        self.outline.rounded_rectangle = (*self.pos, *self.size, radius or 1)
        self.text_size = (max(0.0, self.width - self.inset), None)

    def refresh_view_attrs(self, rv: RecycleView, index: int, data: dict) -> None:
        """Show row `data` (text, action, selected) in this recycled widget."""
        theme: Theme = rv.theme
        p, selected = theme.palette, data["selected"]
        self.font_name, self.font_size, self.inset = theme.font_name, theme.font_body, theme.mm(4)
        self.shape.radius = [theme.mm(2)]
        self.text, self.action = data["text"], data["action"]
        self.color = p.on_primary if selected else p.on_secondary
        self.background.rgba = p.primary if selected else p.secondary
        self.outline_colour.rgba = (*p.line[:3], 0 if selected else 1)
        self._follow()

    def on_release(self) -> None:
        if self.action is not None:
            self.action()


class ItemRecycleView(RecycleView):
    """Only the rows in sight exist as widgets (a department can list dozens of items, a search hundreds)."""

    def __init__(self, theme: Theme, **kwargs: object) -> None:
        self.theme = theme
        super().__init__(do_scroll_x=False, bar_width=theme.mm(3), scroll_type=["bars", "content"], **kwargs)
        self.box = RecycleBoxLayout(orientation="vertical", size_hint_y=None, spacing=theme.gap,
                                    padding=(0, 0, theme.mm(4), 0), default_size_hint=(1, None))
        self.box.fbind("minimum_height", self.box.setter("height"))
        self.add_widget(self.box)
        self.viewclass = ItemRow
        self.restyle(theme)

    def restyle(self, theme: Theme) -> None:
        """Another theme (elderly mode): row height, spacing and every visible row again."""
        self.theme = theme
        self.box.default_size = (None, max(theme.target, theme.font_body * 3.4))
        self.box.spacing = theme.gap
        self.refresh_from_data()


def item_list(theme: Theme, rows: Iterable[tuple[str, str, Callable[[], None]]], selected: str = "") -> ScrollView:
    """A scrolling list of (title, second line, action) rows, each a full-width touch target."""
    view = ItemRecycleView(theme)
    small = int(theme.font_small)
    view.data = [{"text": f"{title}\n[size={small}]{detail}[/size]" if detail else title, "action": action,
                  "selected": title == selected} for title, detail, action in rows]
    return view


class Keyboard(GridLayout):
    """On-screen letters for pinyin (initials or full), with delete and clear; no system keyboard."""

    ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")

    def __init__(self, theme: Theme, on_key: Callable[[str], None], **kwargs: object) -> None:
        super().__init__(cols=1, spacing=theme.gap / 2, size_hint_y=None, **kwargs)
        # 15 mm keys in both modes: elderly keys (bigger letters) at 22 mm would leave no room for results
        key_height = theme.mm(MIN_TARGET_MM)
        for letters in self.ROWS:
            row = BoxLayout(spacing=theme.gap / 2, size_hint_y=None, height=key_height)
            for letter in letters:
                row.add_widget(BigButton(theme, letter, lambda letter=letter: on_key(letter), height=key_height))
            if letters == self.ROWS[-1]:
                row.add_widget(BigButton(theme, "删除", lambda: on_key("\b"), primary=True, height=key_height,
                                         size_hint_x=2))
                row.add_widget(BigButton(theme, "清空", lambda: on_key(""), height=key_height, size_hint_x=2))
            self.add_widget(row)
        self.height = 3 * key_height + 2 * self.spacing[1]
