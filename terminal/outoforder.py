"""The out-of-order screen, drawn straight into the Linux framebuffer.

When the kiosk has failed to start again and again (and the reboots allowed per day are used
up), `systemd/recover.sh` runs `python -m terminal.outoforder`: a citizen then reads "暂停服务"
and where to go instead of a black screen or a console full of text. It needs only Pillow and
/dev/fb0 (the KMS driver's framebuffer emulation), no Kivy, no GPU.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy
from PIL import Image, ImageDraw, ImageFont

from terminal import config
from terminal.errors import TerminalError

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
TITLE = "暂停服务"


def _lines(phone: str) -> tuple[tuple[str, float], ...]:
    """Text and its size relative to the title."""
    call = f"或拨打咨询电话 {phone}" if phone else "或拨打咨询电话"
    return ((TITLE, 1.0), (f"本机暂时无法使用，请到服务窗口办理{call}。", 0.38),
            ("Out of order. Please use the service window.", 0.3))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def render(width: int, height: int, phone: str = "") -> Image.Image:
    """The screen at the display's size: large dark text on a plain light background."""
    image = Image.new("RGB", (width, height), (250, 247, 240))
    draw = ImageDraw.Draw(image)
    big = max(24, height // 7)
    y = height // 4
    for text, scale in _lines(phone):
        font = _font(int(big * scale))
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        if right - left > width * 0.92:  # shrink lines that would not fit a narrow screen
            font = _font(int(big * scale * width * 0.92 / (right - left)))
            left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        draw.text(((width - (right - left)) // 2 - left, y - top), text, font=font, fill=(150, 20, 20) if scale == 1.0
                  else (30, 30, 30))
        y += int((bottom - top) * 1.8)
    return image


def framebuffer_geometry(sysfs: Path) -> tuple[int, int, int, int]:
    """(width, height, bits per pixel, bytes per line) of a framebuffer from its sysfs folder."""
    width, height = (int(v) for v in (sysfs / "virtual_size").read_text().strip().split(","))
    bpp = int((sysfs / "bits_per_pixel").read_text())
    stride_file = sysfs / "stride"
    stride = int(stride_file.read_text()) if stride_file.exists() else width * bpp // 8
    return width, height, bpp, stride


def to_raw(image: Image.Image, bpp: int, stride: int) -> bytes:
    """Pixels in the framebuffer's layout: 32 bpp is BGRX, 16 bpp is RGB565 little-endian."""
    width, height = image.size
    if bpp == 32:
        row_bytes, data = width * 4, image.convert("RGBX").tobytes("raw", "BGRX")
    elif bpp == 16:
        rgb = numpy.asarray(image.convert("RGB"), dtype=numpy.uint16)
        packed = (rgb[..., 0] >> 3) << 11 | (rgb[..., 1] >> 2) << 5 | rgb[..., 2] >> 3
        row_bytes, data = width * 2, packed.astype("<u2").tobytes()
    else:
        raise ValueError(f"unsupported framebuffer depth {bpp} bpp")
    if stride == row_bytes:
        return data
    pad = b"\0" * (stride - row_bytes)
    return b"".join(data[y * row_bytes:(y + 1) * row_bytes] + pad for y in range(height))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terminal.outoforder", description=__doc__.splitlines()[0])
    parser.add_argument("--fb", default="/dev/fb0", help="framebuffer device to draw on")
    parser.add_argument("--sysfs", help="its sysfs folder (default /sys/class/graphics/<name>)")
    parser.add_argument("--png", metavar="PATH", help="write a PNG instead (size from --size)")
    parser.add_argument("--size", default="1280x800", help="WIDTHxHEIGHT for --png")
    args = parser.parse_args(argv)
    try:
        phone = config.load().terminal.consult_phone  # TERMINAL_CONFIG, as the kiosk had it
    except TerminalError:
        phone = ""
    if args.png:
        width, height = (int(v) for v in args.size.lower().split("x"))
        render(width, height, phone).save(args.png, optimize=True)
        return 0
    sysfs = Path(args.sysfs or f"/sys/class/graphics/{Path(args.fb).name}")
    try:
        width, height, bpp, stride = framebuffer_geometry(sysfs)
        raw = to_raw(render(width, height, phone), bpp, stride)
        with open(args.fb, "r+b", buffering=0) as fb:
            fb.write(raw)
    except (OSError, ValueError) as e:
        print(f"outoforder: cannot draw on {args.fb}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
