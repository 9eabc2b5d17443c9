"""JPEG pages under a size budget, and a multi-page PDF per material.

The budget is per page because the uplink may be slow and the platform caps attachments. The
search keeps the largest quality that fits (binary search over quality), and only when even the
lowest acceptable quality is too big does it shrink the page, because a smaller sharp page reads
better than a blocky full-size one.

The PDF is written here rather than by a library: it only wraps the JPEG bytes as they are
(DCTDecode), so pages are not re-compressed and their size is exactly what was budgeted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from terminal.safewrite import write_atomic

log = logging.getLogger(__name__)

MIN_QUALITY = 40
MAX_QUALITY = 92


@dataclass(frozen=True)
class EncodedPage:
    data: bytes
    quality: int
    scale: float  # 1.0 unless the page had to be shrunk to fit
    width: int
    height: int


def _jpeg(image: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def encode_jpeg(image: np.ndarray, budget_bytes: int, *, min_quality: int = MIN_QUALITY,
                max_quality: int = MAX_QUALITY) -> EncodedPage:
    """The best-quality JPEG of `image` no larger than `budget_bytes` (shrinking only if it must)."""
    if budget_bytes <= 0:
        raise ValueError("the size budget must be positive")
    scale = 1.0
    current = image
    while True:
        data = _jpeg(current, max_quality)
        if len(data) <= budget_bytes:
            return EncodedPage(data, max_quality, scale, current.shape[1], current.shape[0])
        floor = _jpeg(current, min_quality)
        if len(floor) <= budget_bytes:
            low, high, best = min_quality, max_quality, (min_quality, floor)
            while high - low > 1:  # invariant: low fits, high does not
                mid = (low + high) // 2
                candidate = _jpeg(current, mid)
                if len(candidate) <= budget_bytes:
                    low, best = mid, (mid, candidate)
                else:
                    high = mid
            return EncodedPage(best[1], best[0], scale, current.shape[1], current.shape[0])
        if min(current.shape[:2]) <= 16:
            raise ValueError(f"cannot fit the page into {budget_bytes} bytes")
        shrink = max(0.5, min(0.95, float(np.sqrt(budget_bytes / len(floor))) * 0.95))
        scale *= shrink
        size = (max(8, round(image.shape[1] * scale)), max(8, round(image.shape[0] * scale)))
        current = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        log.info("page shrunk to fit budget scale=%.2f budget=%d", scale, budget_bytes)


def jpeg_size(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour components) from a JPEG's start-of-frame marker."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            raise ValueError("not a JPEG stream")
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big"), data[i + 9]
        i += 2 + length
    raise ValueError("JPEG without a frame header")


def pdf_from_jpegs(pages: Sequence[bytes], dpi: int = 200) -> bytes:
    """A PDF with one page per JPEG, each page sized so the image prints at `dpi`."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    objects: list[bytes] = []
    kids = []
    for i, jpeg in enumerate(pages):
        width, height, components = jpeg_size(jpeg)
        colour_space = "/DeviceGray" if components == 1 else "/DeviceRGB"
        page_obj, image_obj, content_obj = 3 + 3 * i, 4 + 3 * i, 5 + 3 * i
        kids.append(f"{page_obj} 0 R")
        w_pt, h_pt = width * 72 / dpi, height * 72 / dpi
        draw = f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w_pt:.2f} {h_pt:.2f}] "
            f"/Resources << /XObject << /Im0 {image_obj} 0 R >> >> /Contents {content_obj} 0 R >>".encode())
        objects.append(
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace {colour_space} "
            f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(jpeg)} >>\nstream\n".encode() + jpeg + b"\nendstream")
        objects.append(f"<< /Length {len(draw)} >>\nstream\n".encode() + draw + b"\nendstream")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode(), *objects]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_pdf(path: Path, pages: Sequence[bytes], dpi: int = 200) -> Path:
    """Write the material's pages as one PDF: after a crash or power cut, the old file or the whole new one."""
    write_atomic(path, pdf_from_jpegs(pages, dpi))
    return path
