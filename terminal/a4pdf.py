"""A4 documents as PDF bytes: the receipts' document model laid out on A4, and copies at true size.

Receipts, notices and slips are `ReceiptDocument`s (title, text, rows, rules, QR codes, small
print); here they are laid out on A4 pages with the CJK font embedded (a TTC font takes its
first face), so a printer without Chinese fonts prints them right. Copies place each scanned
page at its physical size (an ID card's two sides at 85.6 x 54 mm each on one sheet). Everything
is built in memory: a copy never touches the disk.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from terminal.receipts import Block, QrCode, ReceiptDocument, Row, Rule, SmallPrint, Text, Title

PAGE_W, PAGE_H = A4  # points
MARGIN = 20 * mm
BODY_PT, TITLE_PT, SMALL_PT = 12.0, 20.0, 9.5
LEADING = 1.45
KEY_COLUMN = 32 * mm
QR_SIZE = 32 * mm
FONT_NAME = "TerminalCJK"


@dataclass
class PdfDocument:
    """A rendered PDF and its page count (what the printer will be asked to print)."""

    data: bytes = field(repr=False)
    pages: int
    kind: str


def register_font(font_path: Path) -> str:
    """Register the CJK font once per process; a .ttc gives its first face (subfontIndex 0)."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path), subfontIndex=0))
    return FONT_NAME


def wrap(text: str, width: float, size: float, font: str = FONT_NAME) -> list[str]:
    """Break `text` into lines no wider than `width` points; Chinese breaks anywhere, words stay whole
    when they fit on a line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            candidate = line + char
            if pdfmetrics.stringWidth(candidate, font, size) <= width or not line:
                line = candidate
                continue
            head, space, tail = line.rpartition(" ")
            if space and char != " " and head and pdfmetrics.stringWidth(tail + char, font, size) < width:
                lines.append(head)
                line = tail + char
            else:
                lines.append(line)
                line = char.lstrip()
        lines.append(line)
    return lines


class _Layout:
    """A cursor down A4 pages; starts a new page when a block does not fit."""

    def __init__(self, canvas: Canvas, font: str) -> None:
        self.canvas = canvas
        self.font = font
        self.y = PAGE_H - MARGIN
        self.pages = 1

    def need(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.canvas.showPage()
            self.pages += 1
            self.y = PAGE_H - MARGIN

    def lines(self, lines: Sequence[str], size: float, x: float, *, align: str = "left", bold: bool = False,
              width: float = PAGE_W - 2 * MARGIN) -> None:
        for line in lines:
            self.need(size * LEADING)
            self.y -= size * LEADING
            text = self.canvas.beginText()
            text.setFont(self.font, size)
            text.setTextRenderMode(2 if bold else 0)  # fill+stroke: a bold look from a font with one weight
            self.canvas.setLineWidth(0.35 if bold else 0)
            left = x
            if align != "left":
                spare = width - pdfmetrics.stringWidth(line, self.font, size)
                left = x + (spare / 2 if align == "center" else spare)
            text.setTextOrigin(left, self.y + size * (LEADING - 1) / 2)
            text.textLine(line)
            self.canvas.drawText(text)

    def block(self, block: Block) -> None:
        width = PAGE_W - 2 * MARGIN
        if isinstance(block, Title):
            self.lines(wrap(block.text, width, TITLE_PT, self.font), TITLE_PT, MARGIN, align="center", bold=True)
            self.y -= 2 * mm
        elif isinstance(block, Text):
            self.lines(wrap(block.text, width, BODY_PT, self.font), BODY_PT, MARGIN, align=block.align,
                       bold=block.bold)
        elif isinstance(block, Row):
            values = wrap(block.value, width - KEY_COLUMN, BODY_PT, self.font)
            self.need(BODY_PT * LEADING * len(values))
            top = self.y
            self.lines([f"{block.key}："], BODY_PT, MARGIN, bold=True)
            self.y = top
            self.lines(values, BODY_PT, MARGIN + KEY_COLUMN, bold=block.bold, width=width - KEY_COLUMN)
        elif isinstance(block, Rule):
            self.need(4 * mm)
            self.y -= 2 * mm
            self.canvas.setLineWidth(0.6)
            self.canvas.line(MARGIN, self.y, PAGE_W - MARGIN, self.y)
            self.y -= 2 * mm
        elif isinstance(block, QrCode):
            self.need(QR_SIZE + 4 * mm)
            widget = QrCodeWidget(block.data, barLevel="M")
            x0, y0, x1, y1 = widget.getBounds()
            drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0])
            drawing.add(widget)
            self.y -= QR_SIZE + 2 * mm
            renderPDF.draw(drawing, self.canvas, MARGIN, self.y)
            caption_top = self.y + QR_SIZE / 2 + BODY_PT
            saved, self.y = self.y, caption_top
            self.lines(wrap(block.caption, width - QR_SIZE - 6 * mm, BODY_PT, self.font), BODY_PT,
                       MARGIN + QR_SIZE + 6 * mm, width=width - QR_SIZE - 6 * mm)
            self.y = saved - 2 * mm
        elif isinstance(block, SmallPrint):
            self.lines(wrap(block.text, width, SMALL_PT, self.font), SMALL_PT, MARGIN)


def _canvas(buffer: io.BytesIO, title: str, font: str = "Helvetica") -> Canvas:
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)  # type: ignore[arg-type]  # stub says float
    canvas.setTitle(title)
    canvas.setAuthor("24小时自助服务终端")
    canvas.setCreator("gov-terminal")
    return canvas


def document_pdf(document: ReceiptDocument, font_path: Path) -> PdfDocument:
    """`document` on A4 pages with the font embedded (only the glyphs used)."""
    return documents_pdf([document], font_path)


def documents_pdf(documents: Sequence[ReceiptDocument], font_path: Path) -> PdfDocument:
    """Several documents in one PDF, each starting on a new page (one job: they come out together)."""
    font = register_font(font_path)
    buffer = io.BytesIO()
    title = next((b.text for b in documents[0].blocks if isinstance(b, Title)), documents[0].kind)
    canvas = _canvas(buffer, title, font)
    layout = _Layout(canvas, font)
    for n, document in enumerate(documents):
        if n:
            canvas.showPage()
            layout.pages, layout.y = layout.pages + 1, PAGE_H - MARGIN
        for block in document.blocks:
            layout.block(block)
    canvas.showPage()
    canvas.save()
    return PdfDocument(buffer.getvalue(), layout.pages, "+".join(d.kind for d in documents))


@dataclass(frozen=True)
class CopyImage:
    """One scanned page to copy: its JPEG and its physical size (millimetres, as the image is turned)."""

    jpeg: bytes = field(repr=False)
    width_mm: float
    height_mm: float


COPY_GAP = 12 * mm


def copy_pdf(images: Sequence[CopyImage], kind: str = "copy") -> PdfDocument:
    """Images at true size, as many to a sheet as fit one above the other, centred (ID card: both sides
    on one page); a page larger than the printable area is still placed at true size, centred."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer, "复印件")
    pages, y, on_page = 1, PAGE_H - MARGIN, 0
    for image in images:
        w, h = image.width_mm * mm, image.height_mm * mm
        if on_page and y - h < MARGIN:
            canvas.showPage()
            pages, y, on_page = pages + 1, PAGE_H - MARGIN, 0
        if h > PAGE_H - 2 * MARGIN:  # a full sheet: centred on the page
            top = (PAGE_H + h) / 2
        else:
            top = y
        canvas.drawImage(ImageReader(io.BytesIO(image.jpeg)), (PAGE_W - w) / 2, top - h, width=w, height=h)
        y = top - h - COPY_GAP
        on_page += 1
    canvas.showPage()
    canvas.save()
    return PdfDocument(buffer.getvalue(), pages, kind)
