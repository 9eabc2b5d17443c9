"""Finding a CJK font: receipts, printer simulators and screens all need one that has Chinese.

A Latin-only font draws Chinese as empty boxes, which nobody notices until a citizen holds the
receipt; so a missing font is a typed error at start, not a silent fallback.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

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


# Common characters every screen and receipt uses; a font must draw each of them.
PROBE_CHARACTERS = "的中国人办证"
_NO_SUCH_CHARACTER = "\U0010FFFD"  # private use: no font has it, so it draws the font's "missing" glyph


def _missing_chinese(path: Path) -> str:
    """Why `path` cannot draw Chinese ("" when it can): not a font, or a font without these glyphs."""
    try:
        font = ImageFont.truetype(str(path), 32)
        missing = font.getmask(_NO_SUCH_CHARACTER)
        absent = [c for c in PROBE_CHARACTERS
                  if (mask := font.getmask(c)).size == missing.size and bytes(mask) == bytes(missing)]
    except (OSError, ValueError):  # not a font, or a damaged one FreeType cannot draw from
        return "is not a font file FreeType can open (TrueType/OpenType .ttf, .otf or .ttc)"
    return f"has no glyphs for Chinese characters ({''.join(absent)})" if absent else ""


@functools.lru_cache(maxsize=8)
def find_cjk_font(configured: str = "") -> Path:
    """The configured font file if given (it must exist and draw Chinese), else the first installed candidate."""
    if configured:
        path = Path(configured).expanduser()
        try:
            is_file = path.is_file()
        except OSError as e:  # a name too long, a folder on the way that may not be searched
            raise FontMissing(f"display.font {configured!r} cannot be looked at ({e.strerror}); correct "
                              "display.font (empty searches the system)") from None
        if not is_file:
            raise FontMissing(f"display.font {configured!r} does not exist or is not a file; install fonts-wqy-microhei or "
                              "correct display.font (empty searches the system)")
        why = _missing_chinese(path)
        if why:
            raise FontMissing(f"display.font {configured!r} {why}; set display.font to a CJK font such as "
                              f"{CANDIDATES[0]}, or leave it empty to search the system")
        return path
    for candidate in CANDIDATES:
        if Path(candidate).is_file() and not _missing_chinese(Path(candidate)):
            return Path(candidate)
    raise FontMissing("no CJK font found; install fonts-wqy-microhei or set display.font; looked in "
                      + ", ".join(CANDIDATES))
