"""Finding a CJK font: receipts, printer simulators and screens all need one that has Chinese.

A Latin-only font draws Chinese as empty boxes, which nobody notices until a citizen holds the
receipt; so a missing font is a typed error at start, not a silent fallback.
"""

from __future__ import annotations

import functools
from pathlib import Path

from terminal.errors import ConfigError

# Looked for in this order when the configuration names no font (Debian/Raspberry Pi OS paths).
CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


class FontMissing(ConfigError):
    """No font with Chinese glyphs could be found."""

    advice_zh = "终端缺少中文字体，请联系技术人员安装字体（fonts-wqy-microhei）。"


@functools.lru_cache(maxsize=8)
def find_cjk_font(configured: str = "") -> Path:
    """The configured font file if given (it must exist), else the first installed candidate."""
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise FontMissing(f"display.font {configured!r} does not exist")
        return path
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing("no CJK font found; install fonts-wqy-microhei or set display.font; looked in "
                      + ", ".join(CANDIDATES))
