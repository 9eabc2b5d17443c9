"""The one visual style: colours, text sizes and touch-target sizes, in millimetres on the real screen.

Sizes are given in mm and converted with the panel's real density (terminal/panel.py: EDID, else
`display.diagonal_inches`, else `display.dpi`), so a button is as large under a finger on a 10"
1280x800 panel as on a 21.5" 1920x1080 one. Text sizes are glyph heights: the ink height of 国 in
the font in use (about 0.87 of the font size in WenQuanYi), at least 4 mm, 6 mm in elderly mode
(长辈模式), which multiplies text by `display.elderly_font_scale` (at least 1.5) and targets likewise;
high contrast swaps the palette for white/yellow on black (contrast at least 7:1). A portrait panel
(taller than wide) sets `portrait`: screens arrange themselves for it in `restyle`, never rebuilt.
No Kivy import: tests check the numbers directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from terminal.config import DisplaySettings
from terminal.panel import pixels_per_inch

RGBA = tuple[float, float, float, float]
MIN_TARGET_MM = 15.0  # smallest touch target allowed anywhere (issue 7)
GLYPH = "国"  # text height is the ink height of this character (docs/configuration.md)


@cache
def glyph_ratio(font_file: str) -> float:
    """Ink height of 国 per pixel of font size in this font: 0.87 in WenQuanYi Micro Hei."""
    from PIL import ImageFont

    font = ImageFont.truetype(font_file, 1000)
    _left, top, _right, bottom = font.getbbox(GLYPH)
    return (bottom - top) / 1000


def hex_colour(value: str) -> RGBA:
    value = value.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255, 1.0)


def contrast_ratio(fg: RGBA, bg: RGBA) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""

    def luminance(c: RGBA) -> float:
        channels = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c[:3]]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class Palette:
    background: RGBA
    surface: RGBA       # cards, list rows
    text: RGBA
    muted: RGBA         # secondary lines (still at least 4.5:1 on surface)
    primary: RGBA       # main buttons
    on_primary: RGBA
    secondary: RGBA     # other buttons
    on_secondary: RGBA
    badge: RGBA         # the 样例 (sample) badge
    on_badge: RGBA
    line: RGBA

    @property
    def muted_hex(self) -> str:
        """The muted colour for Kivy markup ([color=...])."""
        return "#" + "".join(f"{round(c * 255):02x}" for c in self.muted[:3])


NORMAL = Palette(
    background=hex_colour("#EEF3F9"), surface=hex_colour("#FFFFFF"), text=hex_colour("#1A1A1A"),
    muted=hex_colour("#4A5563"), primary=hex_colour("#0B4F9C"), on_primary=hex_colour("#FFFFFF"),
    secondary=hex_colour("#FFFFFF"), on_secondary=hex_colour("#0B3F7C"), badge=hex_colour("#B3261E"),
    on_badge=hex_colour("#FFFFFF"), line=hex_colour("#C5D3E4"),
)
HIGH_CONTRAST = Palette(
    background=hex_colour("#000000"), surface=hex_colour("#000000"), text=hex_colour("#FFFFFF"),
    muted=hex_colour("#FFFF66"), primary=hex_colour("#FFD600"), on_primary=hex_colour("#000000"),
    secondary=hex_colour("#000000"), on_secondary=hex_colour("#FFFFFF"), badge=hex_colour("#FFFFFF"),
    on_badge=hex_colour("#000000"), line=hex_colour("#FFFFFF"),
)


@dataclass(frozen=True)
class Theme:
    """Everything a screen needs to draw itself; pixel sizes already computed for this screen."""

    palette: Palette
    dpi: float
    scale: float        # 1.0, or the elderly factor
    font_name: str      # registered Kivy font name of the CJK font
    glyph: float = 0.87  # ink height of 国 per pixel of font size (`glyph_ratio`)
    portrait: bool = False  # the panel is taller than wide: screens stack what sits side by side

    def mm(self, millimetres: float) -> float:
        """Pixels for a length on the physical screen."""
        return millimetres / 25.4 * self.dpi

    def _text(self, glyph_mm: float) -> float:
        """The font size whose characters stand `glyph_mm` tall (times the elderly factor), never less."""
        return math.ceil(self.mm(glyph_mm) * self.scale / self.glyph)

    @property
    def font_small(self) -> float:
        return self._text(4.0)

    @property
    def font_body(self) -> float:
        return self._text(4.4)

    @property
    def font_button(self) -> float:
        return self._text(5.0)

    @property
    def font_title(self) -> float:
        return self._text(6.0)

    @property
    def target(self) -> float:
        """Height of a touch target: 15 mm (rounded up: never a pixel short), larger in elderly mode."""
        return math.ceil(self.mm(MIN_TARGET_MM) * self.scale)

    @property
    def gap(self) -> float:
        return round(self.mm(2.5))

    @property
    def list_rows(self) -> int:
        """Items per page of a list: fewer in elderly mode."""
        return 6 if self.scale > 1 else 10


def make_theme(display: DisplaySettings, font_name: str, *, elderly: bool, pixels: tuple[int, int] | None = None,
               font_file: str = "") -> Theme:
    """Elderly mode (长辈模式) always takes the high-contrast palette (at least 7:1) with its larger sizes.

    `pixels` is the window's size (the configured one when not given); `font_file` the font whose
    glyphs the text heights are measured on."""
    palette = HIGH_CONTRAST if display.high_contrast or elderly else NORMAL
    width, height = pixels or (display.width, display.height)
    return Theme(palette=palette, dpi=pixels_per_inch(display, width, height),
                 scale=display.elderly_font_scale if elderly else 1.0, font_name=font_name,
                 glyph=glyph_ratio(font_file) if font_file else 0.87, portrait=height > width)
