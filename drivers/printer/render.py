"""Receipt documents to ESC/POS: printer-font text (GB18030 after FS &) or one raster picture.

Text mode is small on the wire and sharp; raster mode is for printers without a Chinese font
(`devices.printer.chinese_mode = "raster"`) and prints exactly the PNG the screen shows.
"""

from __future__ import annotations

from pathlib import Path

from drivers.printer import codec
from drivers.printer.model import ChineseMode
from terminal.receipt_layout import LINE_DOTS, PrintFeed, PrintQr, PrintText, layout
from terminal.receipt_png import render_png
from terminal.receipts import ReceiptDocument

DOTS_PER_MM = 8           # 203 dpi print heads
QR_TYPICAL_MODULES = 37   # version 5: a progress URL with a case number
CUT_FEED_MM = 15          # feed from the print head to the knife


def to_escpos(document: ReceiptDocument, width_dots: int, chinese_mode: ChineseMode = "gb18030",
              font_path: Path | None = None) -> bytes:
    """The whole job: initialise, print, feed past the knife and cut."""
    if chinese_mode == "raster":
        body = codec.raster(render_png(document, width_dots, font_path))
        return codec.INIT + body + codec.cut()
    out = [codec.INIT, codec.CHINESE_ON, codec.line_spacing(LINE_DOTS)]
    for line in layout(document, width_dots):
        if isinstance(line, PrintText):
            out += [codec.ALIGN[line.align], codec.size(line.scale), codec.bold(line.bold),
                    codec.text_gb18030(line.text), codec.LF]
        elif isinstance(line, PrintQr):
            out += [codec.ALIGN["center"], codec.qr(line.data, line.module_dots), codec.LF]
        elif isinstance(line, PrintFeed):
            out.append(codec.feed_dots(line.dots))
    out += [codec.ALIGN["left"], codec.size(1), codec.bold(False), codec.feed_dots(LINE_DOTS), codec.cut()]
    return b"".join(out)


def slip_length_mm(document: ReceiptDocument, width_dots: int) -> float:
    """About how much paper the slip takes (8 dots a millimetre), to know how long printing lasts."""
    dots = LINE_DOTS  # the final feed
    for line in layout(document, width_dots):
        if isinstance(line, PrintText):
            dots += LINE_DOTS * line.scale
        elif isinstance(line, PrintQr):
            dots += QR_TYPICAL_MODULES * line.module_dots + LINE_DOTS
        elif isinstance(line, PrintFeed):
            dots += line.dots
    return dots / DOTS_PER_MM + CUT_FEED_MM
