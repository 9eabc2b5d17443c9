"""Receipt documents: content, masking, working days, wrapping and the PNG rendering."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, datetime

import pytest
import zxingcpp
from hypothesis import given, strategies as st

from drivers.printer.samples import SAMPLE_ID_NUMBER, SAMPLE_NAME, sample_case
from terminal.cases import Case, CaseKind
from terminal.config import Config, from_dict
from terminal.fonts import FontMissing, find_cjk_font
from terminal.receipt_layout import NO_LINE_START, PrintText, layout, text_columns, wrap
from terminal.receipt_png import render_png
from terminal.receipts import (
    acceptance_receipt,
    correction_notice,
    progress_slip,
    progress_url,
    technician_test_page,
    working_days_between,
)


def test_acceptance_receipt_carries_what_the_citizen_needs(case: Case, config: Config) -> None:
    text = acceptance_receipt(case, config).plain_text()
    for expected in (config.terminal.center_name, config.terminal.id, case.case_no, case.item_name,
                     "测*样*", "4190**********" + SAMPLE_ID_NUMBER[-4:], "居民身份证（2页）", "承诺件",
                     "5个工作日内（2026年11月27日前办结）", "2026-11-20 14:35", progress_url(case.case_no, config),
                     config.terminal.consult_phone, config.terminal.complaint_phone, "近期一寸免冠彩色照片"):
        assert expected in text
    assert SAMPLE_ID_NUMBER not in text and SAMPLE_NAME not in text


def test_correction_notice_lists_everything_missing_at_once(config: Config) -> None:
    case = sample_case(missing=("近期一寸免冠彩色照片", "银行卡复印件", "委托书"))
    text = correction_notice(case, config).plain_text()
    assert "共3项" in text and all(f"{i}. {m}" in text for i, m in enumerate(case.missing, 1))
    assert SAMPLE_ID_NUMBER not in text and SAMPLE_NAME not in text


def test_name_mask_style_follows_the_configuration(case: Case) -> None:
    config = from_dict({"privacy": {"name_mask": "first"}})
    assert "申请人：测***" in acceptance_receipt(case, config).plain_text()


def test_immediate_case_says_done_on_the_spot(config: Config) -> None:
    case = dataclasses.replace(sample_case(CaseKind.IMMEDIATE), promised_date=None)
    assert "即办件（当场办结）" in acceptance_receipt(case, config).plain_text()


def test_working_days_skip_weekends_holidays_and_honour_configured_changes() -> None:
    calendar = from_dict({}).calendar
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27), calendar) == 5  # Fri -> next Fri
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 9), calendar) == 1  # National Day week; 9th works
    extra = from_dict({"calendar": {"extra_holidays": ["2026-11-23"]}}).calendar
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27), extra) == 4


def test_progress_slip_and_test_page(config: Config) -> None:
    slip = progress_slip(config, "T0001-20261120-0007", "城乡居民基本养老保险参保登记", "审核中",
                         datetime(2026, 11, 21, 9, 0), datetime(2026, 11, 22, 10, 0))
    assert "当前状态：审核中" in slip.plain_text()
    page = technician_test_page(config, datetime(2026, 11, 22, 10, 0), {"纸张": "ok"})
    assert "纸张：ok" in page.plain_text() and page.kind == "test_page"


@given(st.lists(st.sampled_from([*list("政务服务便民，。（）ab1 2-/“”：年页"), "https://x.cn/p?c=T1"]), max_size=60)
       .map("".join), st.sampled_from([32, 48, 16, 24]))
def test_wrap_never_overflows_and_keeps_every_character(text: str, columns: int) -> None:
    lines = wrap(text, columns)
    assert all(text_columns(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for previous, line in itertools.pairwise(lines):  # closing punctuation opens a line only after a run of it
        if line[0] in NO_LINE_START:
            assert all(ch in NO_LINE_START for ch in previous[1:])


@pytest.mark.parametrize("width", [576, 384])
def test_layout_fits_the_paper(case: Case, config: Config, width: int) -> None:
    for line in layout(correction_notice(case, config), width):
        if isinstance(line, PrintText):
            assert text_columns(line.text) * line.scale * 12 <= width


@pytest.mark.parametrize("width", [576, 384])
def test_png_receipt_has_a_readable_qr_code(case: Case, config: Config, width: int) -> None:
    picture = render_png(acceptance_receipt(case, config), width, margin_dots=16)
    assert picture.width == width + 32
    assert [r.text for r in zxingcpp.read_barcodes(picture)] == [progress_url(case.case_no, config)]


def test_missing_font_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(FontMissing) as caught:
        find_cjk_font("/nonexistent/font.ttc")
    assert "字体" in caught.value.advice_zh
    assert find_cjk_font().is_file()
