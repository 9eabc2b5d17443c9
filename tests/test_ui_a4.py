"""The A4 screens on the real kiosk with a real ippeveprinter: tests/a4_ui_probe.py runs them in a child
process (one Kivy window per process) and these read its report."""

from __future__ import annotations

import pytest

from terminal.config import from_dict, with_simulated_devices
from tests.a4printer.conftest import need
from tests.kivy_probe import run_probe


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    need("ippeveprinter", "dbus-daemon", "pdftotext", "pdfinfo")
    return run_probe("tests.a4_ui_probe", tmp_path_factory.mktemp("a4ui"), timeout=400)


def test_the_guide_prints_its_one_time_notice(probe: dict) -> None:
    assert probe["notice_message"] == "已打印1页，请从打印机出纸口取走。"
    assert "一次性告知单" in probe["notice_text"] and "申请材料（共4项）" in probe["notice_text"]


def test_the_sample_form_the_platform_sent_with_the_catalog_prints_from_the_guide(probe: dict) -> None:
    assert probe["catalog_installed"]  # through the sync's real catalog and forms download (sync.forms)
    assert probe["form_message"] == "已打印1页，请从打印机出纸口取走。"
    assert "变更姓名申请表（填写范本）" in probe["form_text"] and "测试新名" in probe["form_text"]


def test_a_jammed_job_says_so_with_a_way_forward_and_is_not_counted(probe: dict) -> None:
    assert probe["jam_message"] == "打印机卡纸，没有打印完，不计入打印页数。请到窗口请工作人员处理后再打印。"


def test_home_offers_copying_only_with_an_a4_printer(probe: dict) -> None:
    assert probe["home_has_copy"]
    assert with_simulated_devices(from_dict({})).devices.a4printer.address is None  # --simulate adds none


def test_a_copy_is_previewed_counted_printed_and_then_refused_over_the_daily_limit(probe: dict) -> None:
    assert probe["copy_count_text"].startswith("已拍 2 页，打印 2 张A4纸；今日还可复印 2 页")
    assert probe["copy_message"] == "已打印2页，请从打印机出纸口取走。"
    assert probe["copy_printed"] == 1 and probe["copy_pdf_pages"] == ["2"]
    assert probe["left_after"] == 0 and probe["over_limit_problem"].startswith("今天的免费复印页数已用完")


def test_nothing_of_a_copy_is_kept_after_printing(probe: dict) -> None:
    assert probe["pages_after_print"] == 0
    assert probe["copy_leaks"] == 0  # no byte of the captured pages reachable from the app once home
    files = probe["data_files"]
    assert "copy-pages.json" in files  # the terminal's day count only
    forms = "catalog/forms/"  # (the platform's signed 填写范本, no citizen's data)
    assert not [f for f in files if f.endswith((".jpg", ".jpeg", ".pdf", ".png")) and not f.startswith(forms)]


def test_a_certificate_is_printed_for_the_card_holder_and_not_kept(probe: dict) -> None:
    assert probe["certificate_message"] == "已打印1页，请从打印机出纸口取走。"
    assert "城乡居民基本医疗保险参保证明" in probe["certificate_text"]
    assert "**********" in probe["certificate_text"]  # the holder's number, masked
    assert probe["pdf_in_memory"] == 0  # no PDF (certificate, copy, notice) left reachable from the app


def test_the_receipt_and_the_progress_slip_print_on_a4(probe: dict) -> None:
    assert probe["receipt_message"].startswith("已打印") and "收件回执" in probe["receipt_text"]
    assert "**********" in probe["receipt_text"]  # masked on A4 as on the slip
    assert probe["progress_message"] == "已打印1页，请从打印机出纸口取走。" and "办理进度" in probe["progress_text"]
