"""The layout checker: walks the widgets on screen and says what a person could not read or touch.

Rules (docs/configuration.md, "Sizes on the panel"):
- a label whose words are cut (lines dropped, or shortened with "…"), or whose text is larger than
  its box, or a box that leaves the window;
- two touch targets overlapping, or a target smaller than 15 mm either way;
- text smaller than 4 mm (6 mm in elderly mode). Text height is the ink height of the glyph 国
  in the font in use at that font size (a Chinese character fills its square to about 90 %);
- a line broken inside a word: every break the layout makes (not a newline in the text) must fall on
  a word boundary of the jieba segmenter, with the catalog's terms and `TERMS` added as words;
- a QR code (a widget with a `qr_payload`) whose 4-module quiet zone is not on the screen, or that
  does not decode to its payload from the rendered PNG.

The checker reads widgets only; screens opt in by being on screen. A new screen needs nothing to
be checked: `check` walks whatever is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from ui.linebreak import TERMS
from ui.theme import MIN_TARGET_MM, Theme

MIN_TEXT_MM = 4.0
MIN_ELDERLY_TEXT_MM = 6.0
QUIET_MODULES = 4
MARKUP = re.compile(r"\[/?[a-z]+(=[^\]]*)?\]")
SIZE_TAG = re.compile(r"\[size=(\d+(?:\.\d+)?)\]")
CJK = re.compile(r"[\u3400-\u9fff]")

Rect = tuple[float, float, float, float]  # x, y, width, height in window pixels


@dataclass(frozen=True)
class Finding:
    screen: str
    rule: str   # cut, overflow, outside, overlap, small-target, small-text, word-break, qr
    what: str

    def __str__(self) -> str:
        return f"{self.screen}: {self.rule}: {self.what}"


@cache
def _segmenter(extra: tuple[str, ...]) -> object:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in (*TERMS, *extra):
        tokenizer.add_word(word, freq=10**6)
    return tokenizer


def word_boundaries(text: str, extra: tuple[str, ...] = ()) -> set[int]:
    """Offsets in `text` where a line may break: between two words (jieba, with `TERMS` and `extra`)."""
    tokenizer = _segmenter(extra)
    cuts, at = set(), 0
    for word in tokenizer.lcut(text, HMM=False):  # type: ignore[attr-defined]  # jieba is untyped
        at += len(word)
        cuts.add(at)
    return cuts


def plain_text(text: str, markup: bool) -> str:
    return MARKUP.sub("", text).replace("&bl;", "[").replace("&br;", "]").replace("&amp;", "&") if markup else text


def window_rect(widget: Widget) -> Rect:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, widget.width, widget.height


def intersect(a: Rect, b: Rect) -> Rect | None:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return (x1, y1, x2 - x1, y2 - y1) if x2 > x1 and y2 > y1 else None


def inside(inner: Rect, outer: Rect, slack: float = 1.0) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[0] + inner[2] <= outer[0] + outer[2] + slack and inner[1] + inner[3] <= outer[1] + outer[3] + slack)


def clip(widget: Widget) -> Rect | None:
    """The part of the widget a person can see: inside the window and every scrolling view around it."""
    from kivy.core.window import Window

    rect: Rect | None = window_rect(widget)
    parent = widget.parent
    while rect is not None and parent is not None and parent is not Window:
        if isinstance(parent, ScrollView):
            rect = intersect(rect, window_rect(parent))
        parent = parent.parent
    return None if rect is None else intersect(rect, (0, 0, Window.width, Window.height))


def scrolled(widget: Widget) -> bool:
    from kivy.core.window import Window

    parent = widget.parent
    while parent is not None and parent is not Window:
        if isinstance(parent, ScrollView):
            return True
        parent = parent.parent
    return False


def rendered_lines(label: Label) -> list[tuple[str, bool]]:
    """The lines Kivy laid out: (text, ends a paragraph)."""
    core = getattr(label, "_label", None)
    lines = getattr(core, "_cached_lines", None) or []
    return [("".join(word.text for word in line.words), bool(line.is_last_line)) for line in lines]


@dataclass
class Checker:
    """The rules for one panel and theme: pixels per millimetre, the font's glyph ratio, elderly or not."""

    theme: Theme
    dpi: float      # of the panel (terminal/panel.py), whatever the theme assumed
    glyph: float    # ink height of 国 per pixel of font size (ui.theme.glyph_ratio)
    terms: tuple[str, ...] = ()  # words a line must not break inside (the catalog's titles)

    @property
    def min_text_mm(self) -> float:
        return MIN_ELDERLY_TEXT_MM if self.theme.scale > 1 else MIN_TEXT_MM

    def mm(self, pixels: float) -> float:
        return pixels / self.dpi * 25.4

    def check(self, screen: str, root: Widget, png: Path | None = None) -> list[Finding]:
        from kivy.core.window import Window

        shown = [w for w in top_layer(root).walk() if w.get_root_window() is not None]
        findings: list[Finding] = []
        targets: list[tuple[Widget, Rect]] = []
        for widget in shown:
            seen = clip(widget)
            if seen is None or widget.width <= 1 or widget.height <= 1:
                continue
            if isinstance(widget, Label) and widget.text.strip():
                findings += self.check_label(screen, widget)
            if isinstance(widget, ScrollView) and widget.children and widget.do_scroll_y \
                    and widget.children[0].height > widget.height + 2 and not paged(widget):
                findings.append(Finding(screen, "no-paging", f"{name(widget.children[0])} scrolls without 上一页/下一页"))
            if isinstance(widget, ButtonBehavior):
                targets.append((widget, seen))
                if not scrolled(widget) or inside(window_rect(widget), seen):
                    smallest = self.mm(min(widget.width, widget.height))
                    if smallest < MIN_TARGET_MM - 0.05:
                        findings.append(Finding(screen, "small-target", f"{name(widget)} {smallest:.1f} mm"))
            if not scrolled(widget) and not inside(window_rect(widget), (0, 0, Window.width, Window.height)):
                if isinstance(widget, (Label, ButtonBehavior)):
                    findings.append(Finding(screen, "outside", f"{name(widget)} leaves the window"))
        for index, (a, ra) in enumerate(targets):
            for b, rb in targets[index + 1:]:
                common = intersect(ra, rb)
                if common is not None and common[2] > 1 and common[3] > 1 and not related(a, b):
                    findings.append(Finding(screen, "overlap", f"{name(a)} and {name(b)}"))
        if png is not None:
            findings += self.check_qr(screen, shown, png)
        return findings

    def check_label(self, screen: str, label: Label) -> list[Finding]:
        findings: list[Finding] = []
        full = plain_text(label.text, label.markup)
        lines = rendered_lines(label)
        drawn = "".join(text for text, _ in lines)
        if getattr(label._label, "is_shortened", False) or ("…" in drawn and "…" not in full):
            findings.append(Finding(screen, "cut", f"{name(label)} shortened with …"))
        elif lines and len(re.sub(r"\s", "", drawn)) < len(re.sub(r"\s", "", full)):
            findings.append(Finding(screen, "cut", f"{name(label)} shows {drawn!r}"))
        tw, th = label.texture_size
        if tw > label.width + 2 or th > label.height + 2:
            findings.append(Finding(screen, "overflow",
                                    f"{name(label)} text {tw:.0f}x{th:.0f} in a {label.width:.0f}x{label.height:.0f} box"))
        sizes = [float(label.font_size)] + ([float(s) for s in SIZE_TAG.findall(label.text)] if label.markup else [])
        glyph_mm = self.mm(min(sizes) * self.glyph)
        if glyph_mm < self.min_text_mm - 0.05:
            findings.append(Finding(screen, "small-text", f"{name(label)} {glyph_mm:.1f} mm"))
        findings += self.check_breaks(screen, label, lines)
        return findings

    def check_breaks(self, screen: str, label: Label, lines: list[tuple[str, bool]]) -> list[Finding]:
        """Every place a paragraph of the label's own text was continued on the next line must be a
        word boundary (the newlines of the text itself are not breaks the layout chose)."""
        paragraphs = [re.sub(r"\s", "", p) for p in plain_text(label.text, label.markup).split("\n")]
        pieces = [re.sub(r"\s", "", text) for text, _ in lines]
        findings: list[Finding] = []
        for paragraph in (p for p in paragraphs if p):
            at, breaks = 0, []
            while pieces and at < len(paragraph):
                piece = pieces.pop(0)
                if not piece:
                    continue
                at += len(piece)
                if at < len(paragraph):
                    breaks.append(at)
            cuts = word_boundaries(paragraph, self.terms)
            findings += [Finding(screen, "word-break", f"{name(label)} breaks {paragraph[max(0, b - 4):b]}/{paragraph[b:b + 4]}")
                         for b in breaks if CJK.match(paragraph[b - 1]) and CJK.match(paragraph[b]) and b not in cuts]
        return findings

    def check_qr(self, screen: str, shown: Iterable[Widget], png: Path) -> list[Finding]:
        codes = [w for w in shown if getattr(w, "qr_payload", "")]
        if not codes:
            return []
        import zxingcpp
        from kivy.core.window import Window
        from PIL import Image

        findings: list[Finding] = []
        with Image.open(png) as image:
            shot = image.convert("L")
        scale_x, scale_y = shot.width / Window.width, shot.height / Window.height
        for widget in codes:
            seen = clip(widget)
            x, y, w, h = window_rect(widget)
            box = (round(x * scale_x), round(shot.height - (y + h) * scale_y),
                   round((x + w) * scale_x), round(shot.height - y * scale_y))
            crop = shot.crop(box)
            found = [code for code in zxingcpp.read_barcodes(crop) if code.format == zxingcpp.BarcodeFormat.QRCode]
            if not found or found[0].text != widget.qr_payload:
                findings.append(Finding(screen, "qr", f"{name(widget)} does not decode from the screen"))
                continue
            if seen is None or not inside(window_rect(widget), seen):
                findings.append(Finding(screen, "qr", f"{name(widget)} is partly outside the screen"))
                continue
            position = found[0].position
            xs: list[float] = [p.x for p in (position.top_left, position.top_right, position.bottom_left, position.bottom_right)]
            ys: list[float] = [p.y for p in (position.top_left, position.top_right, position.bottom_left, position.bottom_right)]
            module = (max(xs) - min(xs)) / qr_modules(widget.qr_payload)
            quiet = QUIET_MODULES * module
            quiet -= module / 2  # (the corners zxing gives may sit half a module in)
            if min(xs) < quiet or min(ys) < quiet or crop.width - max(xs) < quiet or crop.height - max(ys) < quiet:
                findings.append(Finding(screen, "qr", f"{name(widget)} without its {QUIET_MODULES}-module quiet zone"))
            elif min(shot_band(crop, xs, ys, quiet)) < 160:
                findings.append(Finding(screen, "qr", f"{name(widget)} quiet zone not light"))
        return findings


def qr_modules(payload: str) -> int:
    """Modules across the QR symbol of `payload` (level M, as terminal.receipt_png draws it)."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return int(code.modules_count)


def shot_band(crop: object, xs: list[float], ys: list[float], quiet: float) -> list[int]:
    """The darkest grey of each side of the quiet zone around the symbol (255 = white)."""
    left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
    bands = [(left - quiet, top, left - 1, bottom), (right + 1, top, right + quiet, bottom),
             (left, top - quiet, right, top - 1), (left, bottom + 1, right, bottom + quiet)]
    return [crop.crop(tuple(round(v) for v in band)).getextrema()[0] for band in bands]  # type: ignore[attr-defined]  # PIL stubs: getextrema of a band


def top_layer(root: Widget) -> Widget:
    """What takes the touches: an overlay covering the whole window (还要继续吗？) hides the screen under it."""
    top = root.children[0] if root.children else root
    return top if len(root.children) > 1 and tuple(top.size) == tuple(root.size) else root


def paged(view: ScrollView) -> bool:
    """Buttons that turn the pages of this view are on the screen (ui.widgets.Paged)."""
    pager = getattr(view.parent, "pager", None)
    return pager is not None and pager.get_root_window() is not None


def related(a: Widget, b: Widget) -> bool:
    """One inside the other (a button holding a button is one target)."""
    return any(p is b for p in ancestors(a)) or any(p is a for p in ancestors(b))


def ancestors(widget: Widget) -> Iterator[Widget]:
    from kivy.core.window import Window

    parent = widget.parent
    while parent is not None and parent is not Window:
        yield parent
        parent = parent.parent


def name(widget: Widget) -> str:
    text = plain_text(getattr(widget, "text", "") or "", bool(getattr(widget, "markup", False)))
    words = text.replace("\n", " ")[:16]
    return f"{type(widget).__name__}({words!r})" if words else type(widget).__name__
