"""The one identity value the rest of the terminal uses, whatever card it came from.

Its repr never shows the full values, so an Identity that ends up in a log or a traceback
leaks nothing. Decoding from the reader's bytes lives in `drivers/idcard/`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from terminal.privacy import NameMask, mask_id_number, mask_name

CardType = Literal["resident", "foreigner", "hmt"]


@dataclass(frozen=True, repr=False)
class Identity:
    """A person as read from an ID card (or typed in at a window-assisted path)."""

    card_type: CardType
    name: str
    sex: str
    nation: str
    birth: date
    address: str
    id_number: str
    authority: str
    valid_from: date | None
    valid_to: date | None  # None means 长期 (no end date)
    name_en: str = ""
    nationality: str = ""  # ISO 3166 alpha-3 code on foreigner's permanent residence cards
    pass_number: str = ""  # HK/Macao/Taiwan residence permit: the travel permit (通行证) number
    issue_count: int = 0  # HK/Macao/Taiwan residence permit: how many times it was issued
    photo: bytes = field(default=b"", compare=False)  # opaque WLT; never written to disk

    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    def masked_name(self, style: NameMask = "alternate") -> str:
        return mask_name(self.name, style)

    def expired(self, today: date) -> bool:
        return self.valid_to is not None and self.valid_to < today

    def __repr__(self) -> str:
        return f"Identity(card_type={self.card_type!r}, name={self.masked_name()!r}, id={self.masked_id()!r})"

    __str__ = __repr__
