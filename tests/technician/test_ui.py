"""Technician mode in the real kiosk app, offscreen: hidden entry, PIN pad, dashboard, device tests, exits.

Kivy has one window per process, so tests/technician/ui_probe.py drives the app in a child
process and reports what happened as JSON.
"""

from __future__ import annotations

import pytest

from tests.kivy_probe import run_probe


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("tech-ui")
    report = run_probe("tests.technician.ui_probe", out, timeout=240)
    report["out"] = out
    return report


def test_a_citizens_taps_presses_and_swipes_do_not_open_it(probe: dict) -> None:
    assert probe["citizen_opened"] is False


def test_holding_the_corner_wipes_the_session_and_opens_the_pin_pad(probe: dict) -> None:
    assert probe["opened"] == "PinPad"
    assert probe["session_after_open"] == "home"
    assert probe["pin_key_mm"] >= 15.0  # every key of the pad a full touch target
    from PIL import Image

    assert len(Image.open(probe["out"] / "pinpad.png").convert("L").getcolors(256) or ()) > 10


def test_wrong_pin_is_refused_in_words_and_right_pin_opens_the_dashboard(probe: dict) -> None:
    assert probe["after_wrong_pin"] == "PinPad" and probe["wrong_pin_message"] == "密码不正确，请重新输入。"
    assert probe["after_right_pin"] == "Dashboard" and probe["dashboard_complete"]


def test_dashboard_shows_every_registered_check_with_its_state(probe: dict) -> None:
    from terminal.assembly.checks import CHECKS

    assert set(probe["states"]) == set(CHECKS)
    # Simulated devices work; with no platform configured the network is "absent", not a fault, and so is
    # the A4 printer this terminal does not have (devices.a4printer.address empty).
    assert {d: s for d, s in probe["states"].items() if s != "ok"} == {"network": "absent", "a4printer": "absent"}
    for words in ("身份证读卡器", "凭条打印机", "评价器", "触摸屏", "声音", "待发送与同步", "网络", "系统", "正常", "未连接",
                  "后自动退出维护模式"):
        assert words in probe["dashboard_text"]


def test_device_tests_print_and_read_masked(probe: dict) -> None:
    assert "测试页已打印" in probe["printer_text"]
    text = probe["idcard_text"]
    assert "测*样*" in text and "4190**********0043" in text
    assert "测试样例" not in text and "419001199001010043" not in text and "测试路" not in text


def test_camera_preview_measures_and_a_test_capture_finds_the_page(probe: dict) -> None:
    assert probe["camera_preview"]
    assert "找到页面：是" in probe["camera_text"] and "分辨率" in probe["camera_text"]
    assert not list((probe["out"] / "data").rglob("*.jpg"))  # no camera frame kept from the screen's checks


def test_keypad_key_test_lights_each_key(probe: dict) -> None:
    assert "已测 5/5" in probe["keypad_text"] and "5 号键" in probe["keypad_text"]


def test_touch_grid_takes_all_nine_crosses(probe: dict) -> None:
    assert "已点 9/9 个十字" in probe["screen_text"]


def test_sync_view_catalog_and_push_now(probe: dict) -> None:
    assert "出厂版本" in probe["catalog_text"]
    assert "没有配置政务服务平台地址" in probe["push_text"]


def test_exported_report_after_a_masked_card_read_holds_no_identity(probe: dict) -> None:
    reports = sorted((probe["out"] / "data" / "reports").glob("readiness-T0001-*.json"))
    assert len(reports) == 1 and str(reports[0]) in probe["export_text"]
    written = reports[0].read_text(encoding="utf-8") + reports[0].with_suffix(".html").read_text(encoding="utf-8")
    assert "E5005" in written  # the self-tests, including the card read test, are there ...
    from drivers.idcard.simulator import TEST_CARDS

    card = TEST_CARDS["resident"].fields  # the card the probe's technician read (masked) on the ID reader
    for value in (card["name"], card["id_number"], card["address"], card["birth"], "测*样*"):
        assert value not in written  # ... but not the card
    assert "简要报告已打印" in probe["print_text"]


def test_logout_idle_and_the_event_trail(probe: dict) -> None:
    assert probe["after_logout"] == [False, "home"]
    assert probe["idle_closed"] is True
    trail = [name for name, _ in probe["events"] if name != "SELF_TEST"]
    assert trail == ["TECH_LOGIN_FAILED", "TECH_LOGIN", "TECH_LOGOUT", "TECH_LOGIN", "TECH_LOGOUT"]
    reasons = [fields["reason"] for name, fields in probe["events"] if name == "TECH_LOGOUT"]
    assert reasons == ["logout", "idle"]
    tests = {(f["device"], f["action"]) for name, f in probe["events"] if name == "SELF_TEST"}
    assert {("printer", "check-test_page"), ("idcard", "check-read"), ("camera", "capture-test-page"),
            ("keypad", "key-test"), ("screen", "touch-grid"), ("outbox", "push-now"), ("report", "export-report"),
            ("report", "print-report")} <= tests
    assert "E5005" in probe["events_text"]
