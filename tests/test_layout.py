"""The layout checker (ui/layoutcheck.py) on every journey screen, at the three panels the kiosk is
designed for, in normal, high-contrast and elderly mode: nothing cut, nothing too small to read or
touch, no word broken, every QR code readable.

One child process per panel (Kivy has one window per process) runs the demo's journey and checks each
screen as it is shown; high contrast is the same screen restyled in place. Panel density and the
EDID parser are checked here directly.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from terminal.config import DisplaySettings
from terminal.panel import EDID_HEADER, connected_panel_cm, edid_size_cm, pixels_per_inch
from tests.kivy_probe import run_probe
from ui.linebreak import wrap

PANELS = ("1280x800", "1920x1080", "1080x1920")
JOURNEY = ("home", "browse", "search", "guide", "identify", "identify-no-card", "form", "materials", "review",
           "submit", "receipt-printing", "receipt", "rating", "rating-done", "rating-reasons", "progress",
           "complaint", "complaint-typing", "complaint-done", "help", "no-guide", "copy-card", "certificate-card", "idle")


@pytest.fixture(scope="module", params=PANELS)
def panel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_probe("tests.layout_probe", tmp_path_factory.mktemp(request.param), 900, request.param)


def test_every_journey_screen_is_checked_in_every_theme(panel: dict) -> None:
    checked = set(panel["screens"])
    for screen in JOURNEY:
        assert {screen, f"{screen}-high-contrast", f"{screen}-elderly"} <= checked, screen
    assert panel["ok"]


def test_every_screen_holds_its_layout(panel: dict) -> None:
    findings = panel["findings"]
    assert not findings, f"{len(findings)} layout findings:\n" + "\n".join(findings)


def edid(width_cm: int, height_cm: int) -> bytes:
    block = bytearray(128)
    block[:8] = EDID_HEADER
    block[21], block[22] = width_cm, height_cm
    return bytes(block)


def connector(drm: Path, name: str, status: str, data: bytes) -> None:
    folder = drm / name
    folder.mkdir(parents=True)
    (folder / "status").write_text(status + "\n")
    (folder / "edid").write_bytes(data)


def test_edid_gives_the_image_size_in_cm() -> None:
    assert edid_size_cm(edid(48, 27)) == (48, 27)
    assert edid_size_cm(edid(0, 0)) is None  # a projector: no fixed size
    assert edid_size_cm(b"\x00" * 128) is None  # not an EDID
    assert edid_size_cm(edid(48, 27)[:100]) is None


def test_the_first_connected_panel_with_a_size_is_used(tmp_path: Path) -> None:
    connector(tmp_path, "card0-HDMI-A-1", "disconnected", edid(60, 34))
    connector(tmp_path, "card0-HDMI-A-2", "connected", b"")  # nothing read yet
    connector(tmp_path, "card1-DSI-1", "connected", edid(22, 14))
    assert connected_panel_cm(tmp_path) == (22, 14)


def test_density_from_edid_then_diagonal_then_dpi(tmp_path: Path) -> None:
    connector(tmp_path, "card0-HDMI-A-1", "connected", edid(48, 27))
    display = DisplaySettings(diagonal_inches=32.0, dpi=160)
    assert pixels_per_inch(display, 1080, 1920, tmp_path) == pytest.approx(1920 / (48 / 2.54))  # portrait
    assert pixels_per_inch(DisplaySettings(diagonal_inches=21.5, edid=False), 1920, 1080, tmp_path) \
        == pytest.approx(102.46, abs=0.01)
    assert pixels_per_inch(DisplaySettings(dpi=160), 1280, 800, tmp_path / "none") == 160


@given(st.binary(min_size=0, max_size=256))
def test_edid_parser_takes_any_bytes(data: bytes) -> None:
    size = edid_size_cm(data)
    assert size is None or (data[:8] == EDID_HEADER and size == (data[21], data[22]) and 0 not in size)


def test_lines_break_between_words_and_never_before_a_comma() -> None:
    text = "人像面朝上，平放在下方的读卡区，听到提示音后稍等片刻。非常满意"
    for width in (40, 55, 70, 95):
        lines = wrap(text, width, lambda s: 10.0 * len(s)).split("\n")
        assert "".join(lines) == text
        assert all(len(line) * 10 <= width or len(line) == 1 for line in lines), lines
        assert not any(line[0] in "，。" for line in lines)
        assert not any(a.endswith(("读", "读卡")) and b.startswith(("卡区", "区")) for a, b in pairwise(lines))
        assert not any(a.endswith(("非常满", "非常")) and b.startswith(("意", "满意")) for a, b in pairwise(lines))


def test_markup_tags_take_no_room_and_sizes_scale_the_words() -> None:
    wrapped = wrap("办事指南\n[size=20]材料清单，一次告知[/size]", 60, lambda s: 10.0 * len(s), font_size=10)
    assert wrapped.startswith("办事指南\n[size=20]") and wrapped.count("\n") >= 3  # at twice the size: 3 a line
