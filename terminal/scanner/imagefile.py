"""Reading a page photo from a file without letting one bad file cost gigabytes or stop a batch.

A PNG of a few hundred kilobytes can declare 20000 x 20000 pixels (4.8 GB once decoded), and a
JPEG cut short still decodes, grey at the bottom, as if it were a good page. So the size is read
from the header before anything is decoded and refused above a pixel cap, JPEG and PNG files must
end where their format says they end, and any decoder failure becomes one typed refusal for that
file (the caller reports it and goes on with the next page).
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from terminal.errors import TerminalError

log = logging.getLogger(__name__)

# The largest still the camera settings allow (capture_width x capture_height maxima): 50 MP,
# about 150 MB once decoded. Anything larger is not a page photo from this terminal.
MAX_PIXELS = 8192 * 6144
MAX_FILE_BYTES = 64 * 2**20

_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length field


class ImageRefused(TerminalError, ValueError):
    """A picture that is not a complete, reasonably sized image (a ValueError too: callers of the
    pipeline already treat that as "this page cannot be used")."""

    advice_zh = "这张图片无法使用（文件损坏、不完整或尺寸过大），请重新拍摄或换一张图片。"


def jpeg_complete(data: bytes) -> bool:
    """True when the JPEG's segments and entropy-coded data run through to its end-of-image marker.

    Walks the marker segments (skipping APPn blocks, so an EXIF thumbnail's own end marker does
    not count) and, after each start-of-scan, the scan data up to the next real marker.
    """
    if not data.startswith(b"\xff\xd8"):
        return False
    i, n = 2, len(data)
    while i + 1 < n:
        if data[i] != 0xFF:
            return False
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0xD9:
            return True
        if marker in _STANDALONE_MARKERS:
            i += 2
            continue
        if i + 4 > n:
            return False
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
        if marker != 0xDA:
            continue
        while True:  # entropy-coded data: FF 00 is a stuffed byte, FF D0-D7 a restart marker
            i = data.find(b"\xff", i)
            if i < 0 or i + 1 >= n:
                return False
            follower = data[i + 1]
            if follower == 0x00 or 0xD0 <= follower <= 0xD7 or follower == 0xFF:
                i += 1 if follower == 0xFF else 2
                continue
            break
    return False


def _header_size(path: Path) -> tuple[str, int, int]:
    """(format, width, height) from the file's header alone; nothing is decoded."""
    try:
        with Image.open(path) as probe:
            return probe.format or "?", probe.width, probe.height
    except Image.DecompressionBombError:
        raise ImageRefused(f"{path.name}: declares more than {MAX_PIXELS} pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRefused(f"{path.name}: not an image file this terminal can read") from None


def read_image(path: Path, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The image in `path` as BGR pixels; raises ImageRefused (and decodes nothing) when it is too
    large, incomplete or unreadable."""
    fmt, width, height = _header_size(path)
    if width * height > max_pixels:
        raise ImageRefused(f"{path.name}: {width}x{height} pixels is more than the {max_pixels} allowed")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise ImageRefused(f"{path.name}: cannot be read ({e.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ImageRefused(f"{path.name}: larger than {MAX_FILE_BYTES // 2**20} MB")
    if fmt == "JPEG" and not jpeg_complete(data):
        raise ImageRefused(f"{path.name}: the JPEG is cut short (no end-of-image marker)")
    if fmt == "PNG" and not data.endswith(_PNG_END):
        raise ImageRefused(f"{path.name}: the PNG is cut short (no IEND chunk at the end)")
    try:
        frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as e:
        raise ImageRefused(f"{path.name}: the decoder failed ({(e.err or 'cv2.error').strip()})") from None
    if frame is None or frame.size == 0:
        raise ImageRefused(f"{path.name}: cannot be decoded as an image")
    log.info("image read format=%s width=%d height=%d", fmt, width, height)
    return frame
