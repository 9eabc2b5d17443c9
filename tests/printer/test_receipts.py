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
from terminal.casestates import CaseState, Decision
from terminal.config import Config, from_dict
from terminal.fonts import FontMissing, find_cjk_font
from terminal.receipt_layout import NO_LINE_START, PrintText, layout, text_columns, wrap
from terminal.receipt_png import render_png
from terminal.receipts import (
    acceptance_notice,
    correction_notice,
    next_handling,
    progress_slip,
    progress_url,
    rejection_notice,
    submission_receipt,
    technician_test_page,
)


def test_submission_receipt_carries_what_the_citizen_needs(case: Case, config: Config) -> None:
    text = submission_receipt(case, config).plain_text()
    for expected in (config.terminal.center_name, config.terminal.id, case.case_no, case.item_name,
                     "测*样*", "4190**********" + SAMPLE_ID_NUMBER[-4:], "居民身份证（已读卡核验）", "承诺件",
                     "5个工作日，自部门受理之日起计算", "2026-11-20 14:35", progress_url(case.case_no, config),
                     config.terminal.consult_phone, config.terminal.complaint_phone, "近期一寸免冠彩色照片"):
        assert expected in text
    assert SAMPLE_ID_NUMBER not in text and SAMPLE_NAME not in text


def test_submission_receipt_promises_no_date_and_claims_no_acceptance(case: Case, config: Config) -> None:
    """Nobody has accepted anything at submit: no 受理 wording (beyond saying it is not a 受理通知书),
    no date while materials are missing, and the way to hand them in."""
    document = submission_receipt(case, config)
    text = document.plain_text()
    assert document.kind == "submission" and "收件回执" in text
    assert "2026年11月27日" not in text and "前办结" not in text
    assert "受理编号" not in text and "受理时间" not in text
    assert "部门暂不能受理" in text and "补交材料" in text
    complete = dataclasses.replace(case, missing=())
    # handed in on a Friday at 14:35, within the default office hours (08:30-12:00, 14:30-17:30)
    assert "工作人员将于今天工作时间内审核材料" in submission_receipt(complete, config).plain_text()


def test_immediate_case_at_night_is_handled_the_next_working_day(config: Config) -> None:
    """By the center's configured office hours (08:30-12:00, 14:30-17:30 on working days)."""
    config = dataclasses.replace(config, center=dataclasses.replace(config.center,
                                                                     office_hours=("08:30-12:00", "14:30-17:30")))
    late = dataclasses.replace(sample_case(CaseKind.IMMEDIATE), submitted_at=datetime(2026, 12, 4, 22, 0))  # Friday
    text = submission_receipt(late, config).plain_text()
    assert "当场办结" not in text and "工作人员下一个工作日（12月7日）08:30上班后办理" in text
    assert next_handling(datetime(2026, 12, 4, 1, 0), config) == "今天08:30上班后"
    assert next_handling(datetime(2026, 12, 4, 10, 0), config) == "今天工作时间内"
    assert next_handling(datetime(2026, 12, 4, 12, 30), config) == "今天14:30上班后"  # lunch
    assert next_handling(datetime(2026, 12, 5, 10, 0), config).startswith("下一个工作日（12月7日）")  # Saturday
    unknown = dataclasses.replace(config, center=dataclasses.replace(config.center, office_hours=()))
    assert "工作人员下一个工作日（12月7日）办理" in submission_receipt(late, unknown).plain_text()


def _decision(state: CaseState, **changes: object) -> Decision:
    values: dict[str, object] = {"case_no": "T0001-20261120-0007", "state": state, "item_name": "城乡居民基本养老保险参保登记",
                                 "department": "济源市人力资源和社会保障局", "decided_at": datetime(2026, 11, 23, 9, 15),
                                 "platform_ref": "PLT-0A1B2C3D", **changes}
    return Decision(**values)  # type: ignore[arg-type]  # the values are typed per field above


def test_acceptance_notice_promises_the_date_from_the_day_of_acceptance(config: Config) -> None:
    decision = _decision(CaseState.ACCEPTED, promised_date=date(2026, 11, 30), promised_days=5)
    document = acceptance_notice(decision, config, datetime(2026, 11, 24, 10, 0))
    text = document.plain_text()
    assert document.kind == "acceptance_notice" and text.startswith("受理通知书")
    for expected in ("受理时间：2026-11-23 09:15", "5个工作日，2026年11月30日前办结", "平台编号：PLT-0A1B2C3D",
                     "予以受理", progress_url(decision.case_no, config)):
        assert expected in text


def test_rejection_notice_gives_the_written_reasons(config: Config) -> None:
    decision = _decision(CaseState.RETURNED, reasons="申请人不属于本地户籍")
    text = rejection_notice(decision, config, datetime(2026, 11, 24, 10, 0)).plain_text()
    assert "不予受理（退件）告知书" in text and "申请人不属于本地户籍" in text and "承诺办结" not in text


def test_correction_notice_lists_everything_missing_at_once(config: Config) -> None:
    case = sample_case(missing=("近期一寸免冠彩色照片", "银行卡复印件", "委托书"))
    text = correction_notice(case, config).plain_text()
    assert "共3项" in text and all(f"{i}. {m}" in text for i, m in enumerate(case.missing, 1))
    assert SAMPLE_ID_NUMBER not in text and SAMPLE_NAME not in text


def test_name_mask_style_follows_the_configuration(case: Case) -> None:
    config = from_dict({"privacy": {"name_mask": "first"}})
    assert "申请人：测***" in submission_receipt(case, config).plain_text()


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
    notices = (acceptance_notice(_decision(CaseState.ACCEPTED, promised_date=date(2026, 11, 30), promised_days=5),
                                 config, datetime(2026, 11, 24, 10, 0)),
               rejection_notice(_decision(CaseState.RETURNED, reasons="不属于本中心受理范围"), config,
                                datetime(2026, 11, 24, 10, 0)))
    for document in (submission_receipt(case, config), *notices):
        picture = render_png(document, width, margin_dots=16)
        assert picture.width == width + 32
        assert [r.text for r in zxingcpp.read_barcodes(picture)] == [progress_url(case.case_no, config)]


def test_missing_font_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(FontMissing) as caught:
        find_cjk_font("/nonexistent/font.ttc")
    assert "字体" in caught.value.advice_zh
    assert find_cjk_font().is_file()
