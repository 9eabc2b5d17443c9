"""The one visual style: colours, text sizes and touch-target sizes, in millimetres on the real screen.

Sizes are given in mm and converted with `display.dpi`, so a button is as large under a finger on a
1280x800 panel as on a 1920x1080 one. Elderly mode (长辈模式) multiplies text by
`display.elderly_font_scale` (at least 1.5) and targets likewise; high contrast swaps the palette
for white/yellow on black (contrast at least 7:1). No Kivy import: tests check the numbers directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from terminal.config import DisplaySettings

RGBA = tuple[float, float, float, float]
MIN_TARGET_MM = 15.0  # smallest touch target allowed anywhere (issue 7)


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
    dpi: int
    scale: float        # 1.0, or the elderly factor
    font_name: str      # registered Kivy font name of the CJK font

    def mm(self, millimetres: float) -> float:
        """Pixels for a length on the physical screen."""
        return millimetres / 25.4 * self.dpi

    def _text(self, mm: float) -> float:
        return round(self.mm(mm) * self.scale)

    @property
    def font_small(self) -> float:
        return self._text(3.6)

    @property
    def font_body(self) -> float:
        return self._text(4.4)

    @property
    def font_button(self) -> float:
        return self._text(5.6)

    @property
    def font_title(self) -> float:
        return self._text(7.2)

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


def make_theme(display: DisplaySettings, font_name: str, *, elderly: bool) -> Theme:
    """Elderly mode (长辈模式) always takes the high-contrast palette (at least 7:1) with its larger sizes."""
    palette = HIGH_CONTRAST if display.high_contrast or elderly else NORMAL
    return Theme(palette=palette, dpi=display.dpi, scale=display.elderly_font_scale if elderly else 1.0,
                 font_name=font_name)
