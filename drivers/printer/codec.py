"""ESC/POS bytes for receipt printers: commands we send and the real-time status bytes we read.

Pure functions, no I/O. Status parsing is strict on purpose: every DLE EOT answer has fixed
bits (bit 1 and bit 4 set, bit 0 and bit 7 clear); a byte that breaks them, or no byte at all,
is "unknown". A printer we cannot hear is never reported as having paper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

ESC, GS, FS, DLE, EOT, LF = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04", b"\n"

INIT = ESC + b"@"
CHINESE_ON = FS + b"&"          # double-byte (GB18030 on Chinese printers) from here on
CHINESE_OFF = FS + b"."
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
QR_EC_LEVELS = {"L": 48, "M": 49, "Q": 50, "H": 51}

# DLE EOT n: 1 printer status, 2 offline cause, 3 error cause, 4 paper roll sensor.
STATUS_QUERIES = (1, 2, 3, 4)
ROUTINE_QUERIES = (1, 2, 4)
_FIXED_MASK, _FIXED_VALUE = 0b1001_0011, 0b0001_0010

Paper = Literal["ok", "near_end", "out", "unknown"]


def status_query(n: int) -> bytes:
    if n not in STATUS_QUERIES:
        raise ValueError(f"DLE EOT {n} is not a status query")
    return DLE + EOT + bytes([n])


def text_gb18030(text: str) -> bytes:
    """Chinese-mode text. Characters GB18030 cannot hold become '?', never an exception mid-receipt."""
    return text.encode("gb18030", errors="replace")


def line_spacing(dots: int) -> bytes:
    return ESC + b"3" + bytes([max(0, min(255, dots))])


def size(scale: int) -> bytes:
    """GS ! n: 1 normal, 2 double width and height (up to 8)."""
    factor = max(1, min(8, scale)) - 1
    return GS + b"!" + bytes([factor << 4 | factor])


def bold(on: bool) -> bytes:
    return ESC + b"E" + (b"\x01" if on else b"\x00")


def feed_dots(dots: int) -> bytes:
    """ESC J n: feed n motion units (dots on 203 dpi printers)."""
    out = b""
    while dots > 0:
        step = min(255, dots)
        out += ESC + b"J" + bytes([step])
        dots -= step
    return out


def feed_lines(lines: int) -> bytes:
    return ESC + b"d" + bytes([max(0, min(255, lines))])


def cut(partial: bool = True, feed: int = 3) -> bytes:
    """GS V 65/66 n: feed to the knife plus n, then cut (partial leaves a hinge, full separates)."""
    return GS + b"V" + (b"B" if partial else b"A") + bytes([max(0, min(255, feed))])


def _qr_function(fn: int, payload: bytes) -> bytes:
    length = len(payload) + 2
    return GS + b"(k" + bytes([length & 0xFF, length >> 8, 49, fn]) + payload


def qr(data: str, module_dots: int = 6, ec_level: str = "M") -> bytes:
    """GS ( k model 2 QR code: select model, module size, error correction, store data, print."""
    payload = data.encode("utf-8")
    if len(payload) > 7089:
        raise ValueError("QR payload too long")
    return (_qr_function(65, b"\x32\x00")
            + _qr_function(67, bytes([max(1, min(16, module_dots))]))
            + _qr_function(69, bytes([QR_EC_LEVELS[ec_level]]))
            + _qr_function(80, b"\x30" + payload)
            + _qr_function(81, b"\x30"))


def raster(picture: Image.Image, band_rows: int = 255) -> bytes:
    """GS v 0 raster image, 1 bit per dot (black = 1), in bands so a small printer buffer copes."""
    mono = picture.convert("L").point(lambda v: 255 if v < 128 else 0, mode="1")
    width_bytes = (mono.width + 7) // 8
    out = b""
    for top in range(0, mono.height, band_rows):
        band = mono.crop((0, top, width_bytes * 8, min(mono.height, top + band_rows)))
        data = band.tobytes()  # mode "1" packs 8 dots per byte, most significant bit first
        out += (GS + b"v0\x00" + bytes([width_bytes & 0xFF, width_bytes >> 8, band.height & 0xFF,
                                         band.height >> 8]) + data)
    return out


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself; None / "unknown" where it said nothing usable."""

    online: bool | None = None
    cover_open: bool | None = None
    paper: Paper = "unknown"
    error: bool | None = None
    raw: dict[int, int | None] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.online is not None and self.paper != "unknown"

    @property
    def ready(self) -> bool:
        """Only a printer that answered and reported nothing wrong gets a job."""
        return (self.online is True and self.cover_open is False and self.error is False
                and self.paper in ("ok", "near_end"))

    def problems(self) -> list[str]:
        """Short English tags for logs and diagnostics (no personal data can be in here)."""
        tags = []
        if self.online is None or self.paper == "unknown":
            tags.append("no_status")
        if self.online is False:
            tags.append("offline")
        if self.cover_open:
            tags.append("cover_open")
        if self.paper in ("out", "near_end"):
            tags.append(f"paper_{self.paper}")
        if self.error:
            tags.append("error")
        return tags

    def to_json(self) -> dict[str, object]:
        return {"online": self.online, "cover_open": self.cover_open, "paper": self.paper, "error": self.error,
                "raw": {f"dle_eot_{n}": (None if v is None else f"0x{v:02x}") for n, v in sorted(self.raw.items())}}


def valid_status_byte(value: int | None) -> bool:
    return value is not None and 0 <= value <= 255 and value & _FIXED_MASK == _FIXED_VALUE


def _bit(value: int | None, bit: int) -> bool | None:
    return bool(value & (1 << bit)) if valid_status_byte(value) else None  # type: ignore[operator]  # valid_status_byte narrows None away


def parse_status(answers: dict[int, int | None]) -> PrinterStatus:
    """Combine the answers to DLE EOT 1, 2, 3 and 4 (missing or malformed answers count as unknown).

    n=1 bit 3: offline.  n=2 bit 2: cover open, bit 5: stopped by paper end, bit 6: error.
    n=3 bits 2, 3, 5, 6: mechanical, cutter, unrecoverable, auto-recoverable error (optional:
    asked only when n=2 reports an error, as cheap printers may not answer it).
    n=4 bits 2-3: paper near end, bits 5-6: paper end.
    """
    offline = _bit(answers.get(1), 3)
    cover_open = _bit(answers.get(2), 2)
    stopped_paper_end = _bit(answers.get(2), 5)
    offline_error = _bit(answers.get(2), 6)
    error_byte = answers.get(3)
    error_cause = (bool(error_byte & 0b0110_1100) if valid_status_byte(error_byte) else None)  # type: ignore[operator]  # valid_status_byte narrows None away
    paper_byte = answers.get(4)
    paper: Paper = "unknown"
    if valid_status_byte(paper_byte):
        if paper_byte & 0b0110_0000 or stopped_paper_end:  # type: ignore[operator]  # checked by valid_status_byte above
            paper = "out"
        elif paper_byte & 0b0000_1100:  # type: ignore[operator]  # checked by valid_status_byte above
            paper = "near_end"
        else:
            paper = "ok"
    error = None if offline_error is None else offline_error or bool(error_cause)
    return PrinterStatus(
        online=None if offline is None else not offline,
        cover_open=cover_open,
        paper=paper,
        error=error,
        raw=dict(answers),
    )


def status_byte(n: int, *, offline: bool = False, cover_open: bool = False, paper: Paper = "ok",
                error: bool = False) -> int:
    """The byte a healthy printer in the given state answers to DLE EOT n (used by the simulator)."""
    value = _FIXED_VALUE
    if n == 1 and offline:
        value |= 1 << 3
    elif n == 2:
        value |= (1 << 2 if cover_open else 0) | (1 << 5 if paper == "out" else 0) | (1 << 6 if error else 0)
    elif n == 3 and error:
        value |= 1 << 5
    elif n == 4:
        value |= (0b0000_1100 if paper in ("near_end", "out") else 0) | (0b0110_0000 if paper == "out" else 0)
    return value
