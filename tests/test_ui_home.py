"""The touch screen, rendered offscreen for real: Chinese glyphs drawn, touches reach screens, search as you type.

Kivy has one window per process, so the app runs in a child process (tests/ui_home_probe.py)
that reports what it drew and did; this keeps other tests free of Kivy.
"""

from __future__ import annotations

import pytest

from terminal import config as config_module
from tests.kivy_probe import run_probe
from ui.theme import HIGH_CONTRAST, MIN_TARGET_MM, NORMAL, contrast_ratio, make_theme


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("ui")
    report = run_probe("tests.ui_home_probe", out, timeout=120)
    report["out"] = out
    return report


def test_home_png_is_written(probe: dict) -> None:
    from PIL import Image

    home = Image.open(probe["out"] / "home.png")
    assert home.size == (1280, 800)
    assert len(home.convert("L").getcolors(256) or ()) > 20  # text and buttons, not a blank frame


def test_chinese_is_drawn_with_glyphs_not_boxes(probe: dict) -> None:
    # The same home button in Roboto (which has no Chinese) looks clearly different ...
    assert probe["button_difference"] > 0.03
    # ... because Roboto draws every Chinese character as the same box, the CJK font does not.
    assert probe["cjk_glyphs_distinct"] and not probe["roboto_glyphs_distinct"]


def test_touch_on_guide_button_reaches_browse(probe: dict) -> None:
    assert probe["after_guide_tap"] == ["browse", "item", "guide"]


def test_search_shows_results_as_you_type(probe: dict) -> None:
    assert probe["search_screen"] == "search" and probe["typed"] == "hkdj"
    counts = probe["result_counts"]
    assert all(n > 0 for n in counts) and counts[-1] <= counts[0]
    assert any(title.startswith("户口登记") for title in probe["results_on_screen"])


def test_result_opens_its_guide_with_every_material_and_home_wipes(probe: dict) -> None:
    screen, state, title = probe["after_result_tap"]
    assert (screen, state) == ("guide", "guide") and "户口" in title
    assert probe["guide_badge"] == probe["guide_sample"] is True
    total, shown = probe["guide_materials"]
    assert shown == total > 0  # 一次性告知: every material is on the guide screen
    assert probe["after_home"] == ["home", True, False]


def test_idle_countdown_continue_then_wipe(probe: dict) -> None:
    shown, text = probe["idle_overlay"]
    assert shown and "秒后将清除您的信息" in text
    assert probe["after_continue"] == [True, "guide"]
    assert probe["after_idle"] == ["home", "home", False, True]


def test_elderly_mode_enlarges_text(probe: dict) -> None:
    on, factor = probe["elderly"]
    assert on and factor >= 1.5


def test_theme_targets_and_contrast() -> None:
    display = config_module.from_dict({}).display
    normal, elderly = make_theme(display, "cjk", elderly=False), make_theme(display, "cjk", elderly=True)
    assert normal.target >= normal.mm(MIN_TARGET_MM) - 0.5
    assert elderly.font_body >= 1.5 * normal.font_body - 1 and elderly.target > normal.target
    for palette, minimum in ((NORMAL, 4.5), (HIGH_CONTRAST, 7.0)):
        pairs = [(palette.text, palette.background), (palette.text, palette.surface), (palette.muted, palette.surface),
                 (palette.on_primary, palette.primary), (palette.on_secondary, palette.secondary),
                 (palette.on_badge, palette.badge), (palette.primary, palette.background)]
        assert min(contrast_ratio(fg, bg) for fg, bg in pairs) >= minimum
