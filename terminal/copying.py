"""复印: scanned pages to a true-size A4 copy, and the daily page limits.

A copy is built from the scanner pipeline's pages (detected, dewarped, enhanced) and lives only in
memory: the PDF is printed and dropped, nothing is written. The limits come from
`[devices.a4printer]`: pages per ID card per day and pages per terminal per day. The terminal's
count is kept in the data folder (a number and a date, nothing personal) so a restart does not
reset it; a card's count is kept in memory under a keyed hash that exists only in this process,
so no card identifier is ever written down.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from terminal.errors import TerminalError
from terminal.safewrite import write_atomic
from terminal.scanner.papers import PAPERS

if TYPE_CHECKING:  # the scanner (OpenCV) and reportlab load only where pages are scanned and printed
    from terminal.a4pdf import PdfDocument
    from terminal.cases import Page
    from terminal.scanner.pipeline import ScannedPage

MM_PER_INCH = 25.4


class CopyLimitReached(TerminalError):
    """Today's copy pages for this card or this terminal are used up."""

    advice_zh = "今天的免费复印页数已用完，请明天再来，或到窗口请工作人员帮助。"


@dataclass(frozen=True)
class PageToCopy:
    """One scanned page: its JPEG, its paper (A4, A5, card, detected, frame) and pixel size."""

    jpeg: bytes = field(repr=False)
    paper: str
    width_px: int
    height_px: int

    @classmethod
    def from_scan(cls, page: ScannedPage) -> PageToCopy:
        return cls(page.jpeg.data, page.paper, page.jpeg.width, page.jpeg.height)

    @classmethod
    def from_page(cls, page: Page) -> PageToCopy:
        """A scanned material page: the pipeline snaps A4 and ID-card shapes exactly, so its aspect names its paper."""
        return cls(page.jpeg, paper_of(page.width, page.height), page.width, page.height)


def paper_of(width_px: int, height_px: int) -> str:
    """"card" or "A4" when the page has that shape (within 1 %), else "detected" (sized by the dpi)."""
    aspect = max(width_px, height_px) / max(1, min(width_px, height_px))
    for name in ("card", "A4"):
        if abs(aspect / PAPERS[name].aspect - 1) < 0.01:
            return name
    return "detected"


def copy_sheets(pages: Sequence[PageToCopy]) -> int:
    """A4 sheets a copy takes: ID cards two to a sheet, other pages one each."""
    cards = sum(1 for p in pages if p.paper == "card")
    return (cards + 1) // 2 + len(pages) - cards


def true_size_mm(page: PageToCopy, dpi: int) -> tuple[float, float]:
    """The page's physical size as the image is turned: a known paper's size, else pixels at `dpi`."""
    paper = PAPERS.get(page.paper)
    if paper is None:
        return page.width_px / dpi * MM_PER_INCH, page.height_px / dpi * MM_PER_INCH
    short, long = sorted((paper.width_mm, paper.height_mm))
    return (long, short) if page.width_px >= page.height_px else (short, long)


def copy_document(pages: Sequence[PageToCopy], dpi: int) -> PdfDocument:
    """The copy as an A4 PDF: cards two to a sheet (front and back of an ID card on one page), sheets one each."""
    from terminal.a4pdf import CopyImage, copy_pdf

    images = [CopyImage(p.jpeg, *true_size_mm(p, dpi)) for p in pages]
    kind = "id_card_copy" if pages and all(p.paper == "card" for p in pages) else "copy"
    return copy_pdf(images, kind)


class CopyAllowance:
    """Pages left today per card and for the terminal; `charge` only after a job completed."""

    def __init__(self, per_card: int, per_terminal: int, state_file: Path | None,
                 today: Callable[[], date] = date.today) -> None:
        self.per_card = per_card
        self.per_terminal = per_terminal
        self.state_file = state_file
        self.today = today
        self._key = os.urandom(32)  # this process only: card counts cannot be linked to a card after it ends
        self._lock = threading.Lock()
        self._day = today()
        self._cards: dict[bytes, int] = {}
        self._terminal = self._read_terminal()

    def _card(self, id_number: str) -> bytes:
        return hmac.new(self._key, id_number.encode(), hashlib.sha256).digest()

    def _read_terminal(self) -> int:
        if self.state_file is None:
            return 0
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            return int(data["pages"]) if data.get("day") == self._day.isoformat() else 0
        except (OSError, ValueError, KeyError, TypeError):
            return 0  # no file yet, or a damaged one: start the day's count again

    def _roll(self) -> None:
        if self.today() != self._day:
            self._day, self._cards, self._terminal = self.today(), {}, 0

    def remaining(self, id_number: str) -> int:
        """Pages this card may still copy today."""
        with self._lock:
            self._roll()
            return max(0, min(self.per_card - self._cards.get(self._card(id_number), 0),
                              self.per_terminal - self._terminal))

    def check(self, id_number: str, pages: int) -> None:
        """Raises CopyLimitReached when `pages` more would pass a limit."""
        left = self.remaining(id_number)
        if pages > left:
            raise CopyLimitReached(f"copy of {pages} pages refused, {left} left today")

    def charge(self, id_number: str, pages: int) -> None:
        """Count pages the printer completed (never a job that did not complete)."""
        with self._lock:
            self._roll()
            card = self._card(id_number)
            self._cards[card] = self._cards.get(card, 0) + pages
            self._terminal += pages
            if self.state_file is not None:
                write_atomic(self.state_file, json.dumps({"day": self._day.isoformat(), "pages": self._terminal}).encode())
