"""Widgets for the applying steps, in the one style: number pad, signature pad, pictures, camera view."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from kivy.graphics import Color, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.input.motionevent import MotionEvent
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget
from PIL import Image, ImageDraw

from ui.theme import MIN_TARGET_MM, RGBA, Theme
from ui.widgets import BigButton, fill

DELETE, CLEAR = "\b", ""


class NumberPad(GridLayout):
    """Digits in the telephone layout with 删除 and 清空; every key at least a full touch target."""

    KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "删除", "0", "清空")

    def __init__(self, theme: Theme, on_key: Callable[[str], None], **kwargs: object) -> None:
        super().__init__(cols=3, spacing=theme.gap, size_hint_y=None, **kwargs)
        for key in self.KEYS:
            value = {"删除": DELETE, "清空": CLEAR}.get(key, key)
            self.add_widget(BigButton(theme, key, partial(on_key, value), primary=key == "删除",
                                      size="title" if key.isdigit() else "small", size_hint_y=1))
        self.restyle(theme)

    def restyle(self, theme: Theme) -> None:
        """Keys of 15 mm, 18 mm in elderly mode (at 22 mm the pad would push the field it fills
        off a 10" panel); the keys restyle themselves."""
        self.spacing = theme.gap
        self.height = 4 * theme.mm(MIN_TARGET_MM * (1.2 if theme.scale > 1 else 1)) + 3 * theme.gap


def typed(text: str, key: str, limit: int) -> str:
    """The text after one number-pad key."""
    if key == DELETE:
        return text[:-1]
    if key == CLEAR:
        return ""
    return (text + key)[:limit]


def rgb_texture(rgb: np.ndarray) -> Texture:
    """A texture from RGB pixels stored bottom row first."""
    h, w = rgb.shape[:2]
    texture = Texture.create(size=(w, h), colorfmt="rgb")
    texture.blit_buffer(np.ascontiguousarray(rgb).tobytes(), colorfmt="rgb", bufferfmt="ubyte")
    return texture


def pil_rgb(picture: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(picture.convert("RGB"))[::-1])


class Picture(Widget):
    """A picture scaled to fit, centred, on the surface colour, with an optional outline polygon.

    The camera preview shows 15-30 frames a second for minutes: each frame goes into the same
    texture and the same two canvas instructions (no new GL buffers per frame).
    """

    def __init__(self, theme: Theme, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.theme = theme
        self.texture: Texture | None = None
        self.qr_payload = ""  # the text of the QR code shown, if one is (the layout checker decodes it)
        self.outline: tuple[tuple[float, float], ...] = ()
        self.outline_colour: RGBA = theme.palette.primary
        self.colours = fill(self, theme.palette.surface, radius=theme.mm(2), border=theme.palette.line)
        with self.canvas:
            Color(1, 1, 1, 1)
            self._image = Rectangle(size=(0, 0))
            self._line_colour = Color(*self.outline_colour)
            self._line = Line(points=[], close=True, width=max(2.0, theme.mm(0.8)))
        self.bind(pos=self._draw, size=self._draw)

    def restyle(self, theme: Theme) -> None:
        self.theme = theme
        self.colours[0].rgba, self.colours[1].rgba = theme.palette.surface, theme.palette.line

    def show(self, rgb: np.ndarray | None, outline: Sequence[tuple[float, float]] = (),
             colour: RGBA | None = None) -> None:
        """Show pixels (or nothing); `outline` in the pixels' coordinates, y up."""
        if rgb is None:
            self.texture = None
        elif self.texture is not None and self.texture.size == (rgb.shape[1], rgb.shape[0]):
            self.texture.blit_buffer(np.ascontiguousarray(rgb).tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        else:
            self.texture = rgb_texture(rgb)
        self.outline = tuple(outline)
        self.outline_colour = colour or self.theme.palette.primary
        self._draw()

    def _draw(self, *_: object) -> None:
        if self.texture is None:
            self._image.texture, self._image.size, self._line.points = None, (0, 0), []
            return
        tw, th = self.texture.size
        scale = min(self.width / tw, self.height / th)
        w, h = tw * scale, th * scale
        x, y = self.x + (self.width - w) / 2, self.y + (self.height - h) / 2
        self._image.texture, self._image.pos, self._image.size = self.texture, (x, y), (w, h)
        self._line_colour.rgba = self.outline_colour
        self._line.points = [v for px, py in self.outline for v in (x + px * scale, y + py * scale)]


class SignaturePad(Widget):
    """Sign with a finger; strokes are kept as points and drawn to a PNG only when submitting."""

    def __init__(self, theme: Theme, on_change: Callable[[], None] = lambda: None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.theme = theme
        self.on_change = on_change
        self.strokes: list[list[float]] = []  # relative x, y pairs in 0..1
        self.border = fill(self, (1, 1, 1, 1), radius=theme.mm(2), border=theme.palette.line)[1]
        self.bind(pos=self._draw, size=self._draw)

    def restyle(self, theme: Theme) -> None:
        self.theme, self.border.rgba = theme, theme.palette.line
        self._draw()

    @property
    def signed(self) -> bool:
        return any(len(stroke) >= 4 for stroke in self.strokes)

    def clear(self, notify: bool = True) -> None:
        """Blank (重新签名; or a new person: `notify=False`, nobody touched the pad)."""
        self.strokes = []
        self._draw()
        if notify:
            self.on_change()

    def _relative(self, touch: MotionEvent) -> list[float]:
        return [(touch.x - self.x) / max(1, self.width), (touch.y - self.y) / max(1, self.height)]

    def on_touch_down(self, touch: MotionEvent) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        self.strokes.append(self._relative(touch))
        self._draw()
        return True

    def on_touch_move(self, touch: MotionEvent) -> bool:
        if touch.grab_current is not self:
            return False
        self.strokes[-1].extend(self._relative(touch))
        self._draw()
        return True

    def on_touch_up(self, touch: MotionEvent) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        self.on_change()
        return True

    def _draw(self, *_: object) -> None:
        self.canvas.clear()
        with self.canvas:
            Color(0, 0, 0, 1)
            for stroke in self.strokes:
                points = [self.x + v * self.width if i % 2 == 0 else self.y + v * self.height
                          for i, v in enumerate(stroke)]
                if len(points) >= 4:
                    Line(points=points, width=max(1.5, self.theme.mm(0.6)))

    def png(self, width: int = 600, height: int = 200) -> bytes:
        """The signature, black on white, as the PNG the case keeps."""
        picture = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(picture)
        for stroke in self.strokes:
            points = [(stroke[i] * width, (1 - stroke[i + 1]) * height) for i in range(0, len(stroke) - 1, 2)]
            if len(points) >= 2:
                draw.line(points, fill=0, width=4, joint="curve")
        out = io.BytesIO()
        picture.save(out, "PNG", optimize=True)
        return out.getvalue()


class ButtonRow(BoxLayout):
    """Big buttons side by side, as tall as the tallest (taller in elderly mode)."""

    def __init__(self, theme: Theme, buttons: Sequence[BigButton]) -> None:
        super().__init__(size_hint_y=None)
        for button in buttons:
            self.add_widget(button)
        self.restyle(theme)

    def restyle(self, theme: Theme) -> None:
        """(Before its buttons restyle: a button that follows the theme will be `theme.target` tall.)"""
        self.spacing = theme.gap * 2
        self.height = max(theme.target if b.follows_target else b.height for b in self.children)
