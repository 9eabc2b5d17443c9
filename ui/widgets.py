"""Building blocks in the one style: filled backgrounds, big buttons, wrapped text, lists, the keyboard."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from kivy.event import EventDispatcher
from kivy.graphics import Color, Rectangle, SmoothLine, SmoothRoundedRectangle
from kivy.properties import ObjectProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
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
    instructions, background first (a screen built once recolours them for another theme)."""
    with widget.canvas.before:
        colours = [Color(*colour)]
        shape = SmoothRoundedRectangle(radius=[radius]) if radius else Rectangle()
        if border is not None:
            colours.append(Color(*border))
            outline = SmoothLine(width=1.5)

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


Size = float | str | tuple[str, float] | None  # pixels, a theme role ("small", "body", "button", "title"), or (role, times)
Tone = RGBA | str | None    # a colour, or a palette name: "text", "muted", "badge", "primary"...


def font_size(theme: Theme, size: Size, default: str = "body") -> float:
    role = default if size is None else size
    if isinstance(role, tuple):
        return float(getattr(theme, f"font_{role[0]}")) * role[1]
    return getattr(theme, f"font_{role}") if isinstance(role, str) else role


def tone(theme: Theme, colour: Tone, default: str = "text") -> RGBA:
    name = default if colour is None else colour
    return getattr(theme.palette, name) if isinstance(name, str) else name


class Text(Label):
    """A label that wraps to its width and grows to its text height (for lists and guides).

    Given a role and a palette name instead of pixels and a colour, `restyle` follows a new theme
    (a screen built once restyles its labels when elderly mode changes instead of rebuilding)."""

    def __init__(self, theme: Theme, text: str, *, size: Size = None, colour: Tone = None,
                 bold: bool = False, halign: str = "left", line: bool = False, **kwargs: object) -> None:
        self.size_role, self.tone = size, colour
        if not line:
            kwargs.setdefault("size_hint_y", None)
        super().__init__(text=text, font_name=theme.font_name, font_size=font_size(theme, size),
                         color=tone(theme, colour), bold=bold, halign=halign, valign="middle", **kwargs)
        self.gap = theme.mm(1)
        if line:  # one line in the space given, shortened to fit (a title bar)
            self.fbind("size", self._box)
        else:
            self.fbind("width", self._wrap)
            self.fbind("texture_size", self._grow)

    def _box(self, *_: object) -> None:
        self.text_size = self.size

    def _wrap(self, *_: object) -> None:
        self.text_size = (self.width, None)

    def _grow(self, *_: object) -> None:
        self.height = self.texture_size[1] + self.gap

    def restyle(self, theme: Theme) -> None:
        self.font_size, self.color = font_size(theme, self.size_role), tone(theme, self.tone)


def snug_width(theme: Theme, text: str) -> float:
    """A one-line button's width for `text` at the button size: a title bar keeps its room for the title
    (elderly mode: 返回, 再听一遍 and 回到首页 beside a title that would otherwise stand one character a line)."""
    return len(text) * theme.font_button + theme.mm(8)


class BigButton(ButtonBehavior, Label):
    """A touch target of at least 15 mm, filled with the primary or the secondary colour.

    A Label with button behaviour rather than a Kivy Button: Button's own style draws a bitmap
    border we would hide anyway, and costs time on every screen change. `show` changes its words
    or its colour in place; `restyle` follows a new theme.
    """

    def __init__(self, theme: Theme, text: str, on_press: Callable[[], None], *, primary: bool = False,
                 subtitle: str = "", size: Size = None, halign: str = "center", **kwargs: object) -> None:
        self.title, self.subtitle, self.primary, self.theme = text, subtitle, primary, theme
        self.size_role: Size = "button" if size is None else size
        self.follows_target = "height" not in kwargs  # a key of a keyboard keeps its own height
        self.action = on_press
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", theme.target)
        super().__init__(markup=True, halign=halign, valign="middle", **kwargs)
        self.background, self.outline = fill(self, theme.palette.secondary, radius=theme.mm(2),
                                             border=theme.palette.line)
        self.inset = theme.mm(4)
        self.fbind("size", self._wrap)
        self.fbind("texture_size", self._grow)
        self.restyle(theme)

    def _wrap(self, *_: object) -> None:
        self.text_size = (self.width - self.inset, None)

    def _grow(self, *_: object) -> None:
        """A button of the usual height unless its words need more (never words outside the button)."""
        if self.follows_target and self.size_hint_y is None:
            self.height = max(self.theme.target, self.texture_size[1] + self.inset / 2)

    def on_release(self) -> None:
        self.action()

    def show(self, text: str | None = None, subtitle: str | None = None, primary: bool | None = None) -> None:
        """New words or another colour, in place."""
        self.title = self.title if text is None else text
        self.subtitle = self.subtitle if subtitle is None else subtitle
        self.primary = self.primary if primary is None else primary
        self.restyle(self.theme)

    def restyle(self, theme: Theme) -> None:
        p, self.theme = theme.palette, theme
        self.text = self.title if not self.subtitle else \
            f"{self.title}\n[size={int(theme.font_small)}]{self.subtitle}[/size]"
        self.font_name, self.font_size = theme.font_name, font_size(theme, self.size_role)
        self.color = p.on_primary if self.primary else p.on_secondary
        self.background.rgba = p.primary if self.primary else p.secondary
        self.outline.rgba = (*p.line[:3], 0 if self.primary else 1)
        if self.follows_target:
            self._grow()


class Badge(Label):
    """A small filled tag such as 样例 (this guide is a sample written for the demo)."""

    def __init__(self, theme: Theme, text: str, **kwargs: object) -> None:
        super().__init__(text=text, font_name=theme.font_name, font_size=theme.font_body, bold=True,
                         color=theme.palette.on_badge, size_hint=(None, None), **kwargs)
        self.margins = (theme.mm(5), theme.mm(2))
        self.fbind("texture_size", self._fit)
        self.background = fill(self, theme.palette.badge, radius=theme.mm(1.5))[0]

    def _fit(self, *_: object) -> None:
        self.size = (self.texture_size[0] + self.margins[0], self.texture_size[1] + self.margins[1])

    def restyle(self, theme: Theme) -> None:
        self.font_size, self.color, self.background.rgba = theme.font_body, theme.palette.on_badge, theme.palette.badge


class Panel(BoxLayout):
    """A box painted in palette colours named by role (a card, a fault): follows a new theme in place."""

    def __init__(self, theme: Theme, *, background: str = "surface", border: str = "line", radius_mm: float = 2,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.roles = (background, border)
        self.colours = fill(self, tone(theme, background), radius=theme.mm(radius_mm), border=tone(theme, border))
        self.painted, self.theme = True, theme

    def paint(self, on: bool) -> None:
        """Show the background and outline, or leave the box clear."""
        self.painted = on
        self.restyle(self.theme)

    def restyle(self, theme: Theme) -> None:
        self.theme = theme
        for colour, role in zip(self.colours, self.roles, strict=True):
            colour.rgba = tone(theme, role) if self.painted else (0, 0, 0, 0)


class Split(BoxLayout):
    """Parts side by side on a landscape panel, one above the other on a portrait one (the first on
    the left, or on top): each part's `size_hint_x` when it was added is its share either way.
    Follows the theme in place (a screen built once is rearranged, not rebuilt)."""

    def __init__(self, *, rest: float = 0, **kwargs: object) -> None:
        """`rest`: in portrait, room left empty under the parts (their share against it), so that a
        pad stays next to the field it fills instead of at the foot of a tall panel."""
        super().__init__(**kwargs)
        self.shares: dict[Widget, tuple[float | None, float | None]] = {}
        self.portrait = False
        self.rest = Widget(size_hint_y=rest) if rest else None

    def add_widget(self, widget: Widget, *args: object, **kwargs: object) -> None:
        self.shares.setdefault(widget, (widget.size_hint_x, widget.size_hint_y))
        self._place(widget)
        super().add_widget(widget, *args, **kwargs)

    def _place(self, widget: Widget) -> None:
        across, down = self.shares[widget]
        widget.size_hint = (1, across if down is not None else None) if self.portrait else (across, down)

    def restyle(self, theme: Theme) -> None:
        self.portrait = theme.portrait
        self.orientation = "vertical" if theme.portrait else "horizontal"
        for widget in self.shares:
            self._place(widget)
        if self.rest is not None and theme.portrait and self.rest.parent is None:
            super().add_widget(self.rest, index=0)
        elif self.rest is not None and not theme.portrait and self.rest.parent is self:
            self.remove_widget(self.rest)


def column(theme: Theme, **kwargs: object) -> BoxLayout:
    """A vertical stack whose height is the sum of its children (put it in a ScrollView)."""
    box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=theme.gap, **kwargs)
    box.bind(minimum_height=box.setter("height"))
    return box


class Paged(BoxLayout):
    """A scrolling view with 上一页/下一页 whenever its content is taller than the view: what does
    not fit is turned to, never cut, and a person who does not know to swipe sees how. The buttons
    stand under the view; `beside` puts them at its right on a landscape panel, for a list that has
    width to spare and little height (search results over the keyboard).

    Wraps any ScrollView (a RecycleView list too); `scroll_y` is the view's."""

    def __init__(self, theme: Theme, view: ScrollView, *, beside: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.view, self.content, self.beside, self.theme = view, view.children[0], beside, theme
        self.add_widget(view)
        self.pager = BoxLayout()
        self.pager.add_widget(BigButton(theme, "上一页", partial(self.turn, 1), size_hint_y=1))
        self.pager.add_widget(BigButton(theme, "下一页", partial(self.turn, -1), size_hint_y=1, primary=True))
        for widget in (view, self.content):
            widget.fbind("height", self._follow)
        self.fbind("size", self._follow)
        self.restyle(theme)

    @property
    def scroll_y(self) -> float:
        return float(self.view.scroll_y)

    @scroll_y.setter
    def scroll_y(self, value: float) -> None:
        self.view.scroll_y = value

    def _follow(self, *_: object) -> None:
        below = self.orientation == "vertical"
        if below:  # under the view: side by side if both fit, else one above the other
            button = 3 * self.theme.font_button + self.theme.mm(6)
            stacked = self.width < 2 * button + self.theme.gap
            self.pager.orientation = "vertical" if stacked else "horizontal"
            self.pager.height = self.theme.mm(MIN_TARGET_MM) * (2 if stacked else 1) + (self.theme.gap if stacked else 0)
        else:  # beside the view: one above the other while both stay 15 mm tall, else side by side
            button = 3 * self.theme.font_button + self.theme.mm(6)
            low = self.height < 2 * self.theme.mm(MIN_TARGET_MM) + self.theme.gap
            self.pager.orientation = "horizontal" if low else "vertical"
            self.pager.width = 2 * button + self.theme.gap if low else button
        shown = self.pager.parent is self
        # (the whole height when the buttons are under the view: it does not change when they come or go)
        overflows = self.content.height > (self.height if below else self.view.height) + 1
        # nothing to scroll: touches go straight to the buttons (a scroll view holds each touch a moment
        # to tell a tap from a swipe)
        self.view.do_scroll_y = overflows
        if overflows and not shown:
            self.add_widget(self.pager)
        elif not overflows and shown:
            self.remove_widget(self.pager)

    def turn(self, direction: int) -> None:
        """Scroll by nine tenths of the view (one line stays in sight for the eye to follow)."""
        hidden = self.content.height - self.view.height
        if hidden > 0:
            self.view.scroll_y = min(1.0, max(0.0, self.view.scroll_y + direction * 0.9 * self.view.height / hidden))

    def restyle(self, theme: Theme) -> None:
        beside, self.theme = self.beside and not theme.portrait, theme
        self.orientation, self.spacing = "horizontal" if beside else "vertical", theme.gap
        self.pager.orientation, self.pager.spacing = "vertical" if beside else "horizontal", theme.gap
        self.pager.size_hint = (None, 1) if beside else (1, None)
        self.pager.width, self.pager.height = 3 * theme.font_button + theme.mm(6), theme.mm(MIN_TARGET_MM)
        for button in self.pager.children:
            button.restyle(theme)
            button.size_hint_y = 1
        self._follow()


class SteadyBars:
    """Kivy's ScrollView binds its bar colour once more on every scroll update but unbinds it once
    per half second (`update_from_scroll` / `_bind_inactive_bar_color`): each page turn and each reset
    to the top left one more binding behind, about 24 per application, for the life of the process.
    Here there is never more than one."""

    def update_from_scroll(self, *largs: object) -> None:
        self.funbind("bar_color", self._change_bar_color)  # type: ignore[attr-defined]  # (a ScrollView's)
        super().update_from_scroll(*largs)  # type: ignore[misc]  # (a ScrollView's)


class PageView(SteadyBars, ScrollView):
    """The ScrollView of `scrolling` (see SteadyBars)."""


def scrolling(theme: Theme, content: Widget) -> Paged:
    """`content` (as tall as it needs) in a view that scrolls, with 上一页/下一页 when it must."""
    view = PageView(do_scroll_x=False, bar_width=theme.mm(3), scroll_type=["bars", "content"])
    view.add_widget(content)
    return Paged(theme, view)


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
            self.shape = SmoothRoundedRectangle()
            self.outline_colour = Color()
            self.outline = SmoothLine(width=1.5)
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


class ItemRecycleView(SteadyBars, RecycleView):
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
        self.box.default_size = (None, max(theme.target, theme.font_body * 3.8))  # two lines of title, one of detail
        self.box.spacing = theme.gap
        self.refresh_from_data()


def rows_data(theme: Theme, rows: Iterable[tuple[str, str, Callable[[], None]]], selected: str = "") -> list[dict]:
    """An ItemRecycleView's data for (title, second line, action) rows, each a full-width touch target."""
    small = int(theme.font_small)
    return [{"text": f"{title}\n[size={small}]{detail}[/size]" if detail else title, "action": action,
             "selected": title == selected} for title, detail, action in rows]


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
                row.add_widget(BigButton(theme, letter, partial(on_key, letter), height=key_height))
            if letters == self.ROWS[-1]:
                row.add_widget(BigButton(theme, "删除", lambda: on_key("\b"), primary=True, height=key_height,
                                         size_hint_x=2))
                row.add_widget(BigButton(theme, "清空", lambda: on_key(""), height=key_height, size_hint_x=2))
            self.add_widget(row)
        self.height = 3 * key_height + 2 * self.spacing[1]
