"""Laying a receipt document out in printer terms: fixed-width lines, QR codes and feeds.

Receipt printers use a monospaced 12x24-dot font for ASCII and 24x24 for Chinese, so a line of
80 mm paper (576 dots) holds 48 half-width columns and 58 mm paper (384 dots) holds 32. Both
the PNG renderer and the ESC/POS renderer consume these lines, so the picture on screen wraps
exactly where the paper does.
"""

from __future__ import annotations

from dataclasses import dataclass

from terminal.receipts import Align, QrCode, ReceiptDocument, Row, Rule, SmallPrint, Text, Title

CELL_DOTS = 12      # width of one half-width column
GLYPH_DOTS = 24     # height of a glyph at normal size
LINE_DOTS = 32      # glyph plus line spacing
PAPER_DOTS = {80: 576, 58: 384}
QR_MODULE_DOTS = {576: 6, 384: 5}
QR_MARGIN_DOTS = 16
NUMBER_UNITS = set("年月日时分秒页项个")
NO_LINE_START = set("，。、；：？！）》】”’…")  # ASCII stays with its word (URLs, case numbers)


@dataclass(frozen=True)
class PrintText:
    """One printed line; `scale` 2 is double width and height."""

    text: str
    align: Align = "left"
    scale: int = 1
    bold: bool = False


@dataclass(frozen=True)
class PrintQr:
    data: str
    module_dots: int


@dataclass(frozen=True)
class PrintFeed:
    dots: int


PrintLine = PrintText | PrintQr | PrintFeed


def char_columns(ch: str) -> int:
    """Half-width columns a character takes on the printer.

    ASCII prints in the 12-dot font; everything else is a multi-byte GB18030 character that the
    printer draws from its 24-dot Chinese font, including quotes and dashes that Unicode calls
    ambiguous.
    """
    return 1 if ch.isascii() else 2


def text_columns(text: str) -> int:
    return sum(char_columns(ch) for ch in text)


def _tokens(text: str) -> list[str]:
    """Latin words and numbers stay whole (case numbers, URLs), a number keeps its unit (2026年, 3页);
    every other character is its own token."""
    tokens: list[str] = []
    for ch in text:
        last = tokens[-1][-1] if tokens else ""
        joins_word = ch.isascii() and not ch.isspace() and last.isascii() and last != "" and not last.isspace()
        if joins_word or (ch in NUMBER_UNITS and last.isdigit()):
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


def wrap(text: str, columns: int) -> list[str]:
    """Greedy wrap to `columns`; closing punctuation never starts a line; over-long words are split."""
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        while text_columns(token) > columns:  # split a word wider than the paper
            cut = 0
            while text_columns(token[:cut + 1]) <= columns - text_columns(current):
                cut += 1
            if cut == 0:
                lines.append(current)
                current = ""
                continue
            lines.append(current + token[:cut])
            current, token = "", token[cut:]
        if token[0] in NO_LINE_START and not current.strip() and lines:  # broke at a space just before it
            current = lines.pop()
        if text_columns(current + token) <= columns:
            current += token
            continue
        if token[0] in NO_LINE_START and len(current) > 1:  # carry characters down so no line opens with it
            while token[0] in NO_LINE_START and len(current) > 1 and text_columns(current[-1] + token) <= columns:
                current, token = current[:-1], current[-1] + token
            lines.append(current)
            current = token
        elif token.isspace():
            lines.append(current)
            current = ""
        else:
            lines.append(current.rstrip())
            current = token
    lines.append(current)
    return [line for line in lines if line] or [""]


def _row(row: Row, columns: int) -> list[PrintLine]:
    key = f"{row.key}："
    indent = text_columns(key)
    parts = wrap(row.value, columns - indent)
    return [PrintText((key if i == 0 else " " * indent) + part, bold=row.bold) for i, part in enumerate(parts)]


def layout(document: ReceiptDocument, width_dots: int) -> list[PrintLine]:
    """The printed lines of `document` on paper `width_dots` wide."""
    columns = width_dots // CELL_DOTS
    lines: list[PrintLine] = []
    for block in document.blocks:
        if isinstance(block, Title):
            lines += [PrintText(part, "center", 2, True) for part in wrap(block.text, columns // 2)]
            lines.append(PrintFeed(8))
        elif isinstance(block, (Text, SmallPrint)):
            align = block.align if isinstance(block, Text) else "left"
            bold = block.bold if isinstance(block, Text) else False
            lines += [PrintText(part, align, 1, bold) for part in wrap(block.text, columns)]
        elif isinstance(block, Row):
            lines += _row(block, columns)
        elif isinstance(block, Rule):
            lines.append(PrintText("-" * columns))
        elif isinstance(block, QrCode):
            lines += [PrintFeed(QR_MARGIN_DOTS), PrintQr(block.data, QR_MODULE_DOTS.get(width_dots, 5)),
                      PrintFeed(QR_MARGIN_DOTS)]
            lines += [PrintText(part, "center") for part in wrap(block.caption, columns) if block.caption]
    return lines
