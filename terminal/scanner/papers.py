"""The paper sizes a page is snapped to, without OpenCV: copying (terminal.copying) sizes its sheets by
them in the kiosk process, which loads OpenCV only once a camera opens."""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Paper:
    name: str
    width_mm: float  # the short side for sheets, the long side for cards (as held: landscape)
    height_mm: float

    @property
    def aspect(self) -> float:
        """Long side over short side."""
        return max(self.width_mm, self.height_mm) / min(self.width_mm, self.height_mm)


PAPERS = {
    "A4": Paper("A4", 210.0, 297.0),
    "A5": Paper("A5", 148.0, 210.0),
    "card": Paper("card", 85.6, 54.0),  # ISO/IEC 7810 ID-1: the resident ID card, bank cards
}
