"""Receipts as pictures: shown on screen when the printer has no paper, and used for raster printing.

`PaperCanvas` draws like a thermal printer does (monospaced cells, one strip of paper growing
downwards); the document renderer and the printer simulator both draw on it, so what the
simulator says it printed and what the citizen sees on screen are drawn the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from terminal.config import Config
from terminal.fonts import find_cjk_font
from terminal.receipt_layout import (
    CELL_DOTS,
    GLYPH_DOTS,
    LINE_DOTS,
    PAPER_DOTS,
    PrintFeed,
    PrintQr,
    PrintText,
    char_columns,
    layout,
    text_columns,
)
from terminal.receipts import Align, ReceiptDocument

WHITE, BLACK = 255, 0


@functools.lru_cache(maxsize=8)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def qr_image(data: str, module_dots: int) -> Image.Image:
    """The QR code as a printer would print it from GS ( k: model 2, level M, no quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module_dots, border=0)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


@functools.lru_cache(maxsize=4096)
def _glyph(font_path: Path, size: int, ch: str, bold: bool, cell: int, height: int) -> Image.Image:
    """One character centred in its cell, squeezed when wider (m, W in a 12-dot cell), like a printer font.

    Cached because receipts repeat characters a lot.
    """
    font = _font(font_path, size)
    width = max(cell, int(font.getlength(ch) + 0.999) + (2 if bold else 0))
    drawn = Image.new("L", (width, height), WHITE)
    ImageDraw.Draw(drawn).text(((width - font.getlength(ch)) / 2, size // 12), ch, font=font, fill=BLACK,
                               stroke_width=1 if bold else 0, stroke_fill=BLACK)
    return drawn if width == cell else drawn.resize((cell, height), Image.Resampling.LANCZOS)


class PaperCanvas:
    """A strip of thermal paper `width_dots` wide that grows as lines are printed.

    Drawing is deferred until `picture()`: a simulator that is asked for status mid-job must not
    spend its time on glyphs. With `kept_cuts` the strip keeps only what follows the last that
    many cuts (a simulated printer runs for months).
    """

    def __init__(self, width_dots: int, font_path: Path, kept_cuts: int | None = None) -> None:
        self.width = width_dots
        self._font_path = font_path
        self._kept_cuts = kept_cuts
        self._strips: list[tuple[int, Callable[[], Image.Image]]] = []  # (height, how to draw it)
        self._cut_ends: list[int] = []  # len(_strips) after each kept cut
        self.height = 0

    def _add(self, height: int, draw: Callable[[], Image.Image]) -> None:
        self._strips.append((height, draw))
        self.height += height

    def _x(self, content_width: int, align: Align) -> int:
        free = max(0, self.width - content_width)
        return {"left": 0, "center": free // 2, "right": free}[align]

    def text(self, text: str, align: Align = "left", scale: int = 1, bold: bool = False) -> None:
        """One line in the printer's monospaced grid: each character centred in its cell."""
        def draw() -> Image.Image:
            strip = Image.new("L", (self.width, LINE_DOTS * scale), WHITE)
            x = self._x(text_columns(text) * CELL_DOTS * scale, align)
            for ch in text:
                cell = char_columns(ch) * CELL_DOTS * scale
                if not ch.isspace() and x < self.width:
                    strip.paste(_glyph(self._font_path, GLYPH_DOTS * scale, ch, bold, cell, LINE_DOTS * scale), (x, 0))
                x += cell
            return strip
        self._add(LINE_DOTS * scale, draw)

    def image(self, picture: Image.Image, align: Align = "center") -> None:
        """A raster picture (GS v 0 or a QR code), clipped to the paper width."""
        def draw() -> Image.Image:
            strip = Image.new("L", (self.width, picture.height), WHITE)
            strip.paste(picture.convert("L").crop((0, 0, min(picture.width, self.width), picture.height)),
                        (self._x(picture.width, align), 0))
            return strip
        self._add(picture.height, draw)

    def feed(self, dots: int) -> None:
        if dots > 0:
            self._add(dots, lambda: Image.new("L", (self.width, dots), WHITE))

    def cut(self) -> None:
        """Mark where the knife cut: a dashed line across the strip."""
        def draw() -> Image.Image:
            strip = Image.new("L", (self.width, 9), WHITE)
            line = ImageDraw.Draw(strip)
            for x in range(0, self.width, 12):
                line.line((x, 4, x + 6, 4), fill=160)
            return strip
        self._add(9, draw)
        self._cut_ends.append(len(self._strips))
        if self._kept_cuts is not None and len(self._cut_ends) > self._kept_cuts:
            forgotten = self._cut_ends.pop(0)
            self.height -= sum(height for height, _ in self._strips[:forgotten])
            del self._strips[:forgotten]
            self._cut_ends = [end - forgotten for end in self._cut_ends]

    def picture(self, margin_dots: int = 0) -> Image.Image:
        """Everything printed so far as one greyscale image, with an optional white margin."""
        out = Image.new("L", (self.width + 2 * margin_dots, max(1, self.height) + 2 * margin_dots), WHITE)
        y = margin_dots
        for _, draw in self._strips:
            strip = draw()
            out.paste(strip, (margin_dots, y))
            y += strip.height
        return out


def render_png(document: ReceiptDocument, width_dots: int, font_path: Path | None = None,
               margin_dots: int = 0) -> Image.Image:
    """The document as the printer would print it, `width_dots` wide (576 for 80 mm, 384 for 58 mm)."""
    canvas = PaperCanvas(width_dots, font_path or find_cjk_font())
    for line in layout(document, width_dots):
        if isinstance(line, PrintText):
            canvas.text(line.text, line.align, line.scale, line.bold)
        elif isinstance(line, PrintQr):
            canvas.image(qr_image(line.data, line.module_dots))
        elif isinstance(line, PrintFeed):
            canvas.feed(line.dots)
    canvas.feed(LINE_DOTS)
    return canvas.picture(margin_dots)


def receipt_picture(document: ReceiptDocument, config: Config, margin_dots: int = 16) -> Image.Image:
    """The slip as this terminal's printer would print it (paper width and font from the configuration),
    for the screen when there is no paper."""
    return render_png(document, PAPER_DOTS[config.devices.printer.paper_width_mm],
                      find_cjk_font(config.display.font), margin_dots)
