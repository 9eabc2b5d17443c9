"""The whole citizen journey on the real kiosk, offscreen, with simulated touches and simulated devices.

One child process (tests/ui_journey_probe.py) runs every scenario on one app, because Kivy has
one window per process: the journey to the central server, elderly mode with each device fault
switched on at run time, the idle wipe with an object walk for identity data, and kiosk keys.
"""

from __future__ import annotations

import pytest

from tests.kivy_probe import run_probe


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_probe("tests.ui_journey_probe", tmp_path_factory.mktemp("journey"), timeout=400)


def test_journey_reaches_the_central_server_and_prints(probe: dict) -> None:
    journey = probe["journey"]
    assert journey["screens"][:12] == ["home", "browse", "search", "guide", "consent", "identify", "form",
                                       "materials", "review", "submit", "receipt", "rating"]
    assert journey["delivered"] and journey["printed"] and journey["printed_case_no"]
    assert journey["pages"] and sum(journey["pages"]) >= 2  # two materials scanned by auto-capture
    assert journey["ratings"] >= 1
    assert journey["progress"] == "平台已收件，等待部门受理"  # the central server's answer, through the screen
    assert journey["case_no"] in journey["by_card"]  # progress by ID card finds the same case


def test_form_and_review_show_the_card_masked(probe: dict) -> None:
    journey = probe["journey"]
    assert {"form", "review"} <= set(journey["screens_read"])
    assert journey["unmasked_on"] == []  # no full name, ID number or address on any screen of the journey


def test_every_touch_target_is_at_least_15_mm(probe: dict) -> None:
    for scenario in ("journey", "elderly"):
        small = {screen: mm for screen, mm in probe[scenario]["targets_mm"].items() if mm < 15.0 - 0.1}
        assert not small, f"{scenario}: targets under 15 mm on {small}"


def test_elderly_mode_is_larger_slower_and_spoken(probe: dict) -> None:
    elderly = probe["elderly"]
    assert elderly["font_scale"] >= 1.5
    assert elderly["home_read_again"]  # 再听一遍 on home too (beside its first line: it has no title bar)
    normal_idle, elderly_idle = elderly["idle_limits"]
    assert elderly_idle > normal_idle
    if elderly["speech_available"]:
        assert any("请把身份证放在读卡区，不要移动" in said for said in elderly["spoken"])  # each screen read aloud
        assert all(not any(ch.isdigit() for ch in prompt) for prompt in elderly["spoken"])  # nothing personal


def test_form_validation_speaks_in_words(probe: dict) -> None:
    elderly = probe["elderly"]
    assert elderly["phone_missing_words"] and elderly["bad_phone_words"]
    assert elderly["unsigned_words"]


def test_item_fields_are_asked_and_checked_in_words(probe: dict) -> None:
    """变更姓名 asks the new name: 下一步 without it says so in words, on the form."""
    assert probe["elderly"]["reason_missing_words"]


def test_card_reader_lost_shows_words_and_ways_forward(probe: dict) -> None:
    elderly = probe["elderly"]
    assert set(elderly["reader_fault_actions"]) == {"再试一次", "呼叫工作人员帮助", "到服务窗口办理（回到首页）"}
    assert elderly["help_screen"] == "help" and elderly["help_phone_shown"]


def test_no_card_and_failed_read_show_words_and_retry(probe: dict) -> None:
    idle = probe["idle"]
    assert set(idle["no_card_actions"]) == {"再试一次", "呼叫工作人员帮助"}
    assert any("没有读出身份证" in t for t in idle["read_failed_words"])


def test_camera_gone_lets_the_case_go_on_with_missing_materials(probe: dict) -> None:
    assert probe["elderly"]["missing_on_case"] >= 1


def test_full_disk_keeps_the_person_on_review_with_a_way_forward(probe: dict) -> None:
    state, words, retry = probe["elderly"]["disk_full"]
    assert state == "review" and words and retry == ["再试一次"]
    assert probe["elderly"]["missing_on_case"] >= 1  # and after a retry the case went in


def test_a_slow_outbox_never_blocks_the_screen_and_a_double_tap_makes_one_case(probe: dict) -> None:
    slow = probe["elderly"]["slow_write"]
    assert slow["waiting_words"] and slow["frames"] >= 10  # drawn and ticking while the write hangs
    assert slow["state_while_writing"] == "review"  # far past the idle limit, nothing wiped mid-write
    assert slow["new_cases"] == 1
    assert slow["crash_state"] == "review"  # an unexpected write error is a retry, not a hung screen
    first, retry = slow["case_numbers"]
    assert first == retry  # the retry keeps the case number: none lost, none reused


def test_printer_out_of_paper_shows_the_receipt_and_qr_on_screen(probe: dict) -> None:
    paper = probe["elderly"]["paper_out"]
    assert not paper["printed"] and paper["reason"] == "paper_out"
    assert paper["words"] and paper["case_no_on_screen"]
    height, width, _ = paper["receipt_picture"]
    assert height > width > 300  # a whole receipt, rendered off the UI thread


def test_bad_rating_asks_for_reasons(probe: dict) -> None:
    assert probe["elderly"]["reason_required_words"] and probe["elderly"]["bad_rating_thanks"]


def test_network_down_progress_answers_from_the_terminal(probe: dict) -> None:
    down = probe["elderly"]["network_down"]
    assert down["progress"] in ("政务服务平台已收件，等待部门受理。", "申请已保存在本终端，网络恢复后自动提交。")
    assert probe["elderly"]["complaint_offline"]
    assert probe["elderly"]["complaint_text"] == "等候时间太长；等待"  # a phrase, then typed in pinyin


def test_idle_wipe_leaves_no_identity_anywhere(probe: dict) -> None:
    idle = probe["idle"]
    assert idle["overlay"]
    assert idle["after"] == ["home", "home", False]
    assert idle["devices_stopped"] == [True, True]
    assert idle["hidden_screens_with_personal_text"] == []
    assert idle["visible_text_with_name"] == []
    assert idle["leaks"] == []
    assert idle["pictures_held"] == 0


def test_kiosk_keys_and_screen_saver(probe: dict) -> None:
    kiosk = probe["kiosk"]
    assert kiosk["close_refused"] and kiosk["escape_swallowed"] and kiosk["alt_f4_swallowed"]
    assert kiosk["attract"] and kiosk["blank"]
    assert kiosk["after_touch"] == [True, "home"]  # the waking touch pressed nothing


def test_screens_shown_again_and_again_leave_nothing_behind(probe: dict) -> None:
    """Each round of home, browse, search, guide and identify made ~10,000 objects that stayed
    alive for good (a list's rows, a card animation holding its old screen). The bound is the
    noise of the device threads' short-lived objects on a loaded machine (a few hundred between
    two counts), far under that leak; bench/soak.py holds the per-application figure to 50."""
    counts = probe["cycles"]
    per_round = (counts[-1] - counts[1]) / (len(counts) - 2)
    assert per_round < 500, counts


def test_journey_screens_are_built_once(probe: dict) -> None:
    """A second application, card to rating, through every journey screen: they were built at
    start-up and make no widgets when shown or when a device answers (they used to rebuild their
    whole body on every change)."""
    journey = {"consent", "identify", "form", "materials", "review", "submit", "receipt", "rating"}
    made = {screen: count for screen, count in probe["made"].items() if screen in journey}
    assert not made, made


def test_journey_text_colours_meet_contrast_minimums() -> None:
    """Every text/background pair the journey screens draw: 4.5:1 normally, 7:1 in high contrast and elderly mode."""
    from terminal import config as config_module
    from ui.theme import HIGH_CONTRAST, NORMAL, contrast_ratio, make_theme

    display = config_module.from_dict({}).display
    assert make_theme(display, "cjk", elderly=True).palette is HIGH_CONTRAST
    for palette, minimum in ((NORMAL, 4.5), (HIGH_CONTRAST, 7.0)):
        pairs = {
            "text on background": (palette.text, palette.background),
            "text on surface": (palette.text, palette.surface),
            "hints on background": (palette.muted, palette.background),
            "hints on surface": (palette.muted, palette.surface),
            "fault words on background": (palette.badge, palette.background),
            "fault words on surface": (palette.badge, palette.surface),
            "case number on background": (palette.primary, palette.background),
            "primary button": (palette.on_primary, palette.primary),
            "other buttons": (palette.on_secondary, palette.secondary),
        }
        low = {name: round(contrast_ratio(fg, bg), 2) for name, (fg, bg) in pairs.items()
               if contrast_ratio(fg, bg) < minimum}
        assert not low, f"under {minimum}:1: {low}"
