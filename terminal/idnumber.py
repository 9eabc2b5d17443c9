"""Checks on citizen ID numbers (GB 11643): check digit, birth date, region code.

The reader hands us whatever the card chip holds; a number that fails these checks means a
damaged or forged card, or a bug in decoding, and the terminal must not prefill forms with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# ISO 7064 MOD 11-2 weights for the first 17 digits and the check characters by remainder.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"

# First two digits of a GB/T 2260 region code: provinces, plus 71 (Taiwan), 81 (Hong Kong),
# 82 (Macao) and 83 (Taiwan residents' residence permits), as used in residence permit numbers.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})

_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def check_digit(first17: str) -> str:
    """The 18th character of an ID number whose first 17 digits are `first17`."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdNumberCheck:
    """Result of checking one number; `problems` are short English codes, empty when valid."""

    problems: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def check_id_number(number: str, birth: date | None = None) -> IdNumberCheck:
    """Check an 18-character GB 11643 number; with `birth`, also that it matches the card's birth field."""
    if not _SHAPE.match(number):
        return IdNumberCheck(("format",))
    problems: list[str] = []
    if number[:2] not in PROVINCE_CODES or (number[2:6] == "0000" and number[:2] not in ("71", "81", "82", "83")):
        problems.append("region")
    try:
        encoded_birth: date | None = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        encoded_birth = None
        problems.append("birth_date")
    if encoded_birth is not None and birth is not None and encoded_birth != birth:
        problems.append("birth_mismatch")
    if check_digit(number[:17]) != number[17]:
        problems.append("check_digit")
    return IdNumberCheck(tuple(problems))


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """A number with a correct check digit: for fabricated test cards and simulators only."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


_FOREIGNER_SHAPE = re.compile(r"^[A-Z]{3}[0-9]{12}$")


def check_card_number(card_type: str, number: str, birth: date | None = None) -> IdNumberCheck:
    """Check the number on any supported card: GB 11643 for resident IDs and residence permits.

    The 15-character number of the foreigner's permanent residence card (2004/2017 layout) is
    checked for shape only (3 letters, 12 digits): its check rule is not public.
    """
    if card_type == "foreigner":
        return IdNumberCheck(() if _FOREIGNER_SHAPE.match(number) else ("format",))
    return check_id_number(number, birth)
