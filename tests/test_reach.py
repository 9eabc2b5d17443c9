"""Issue 14 items 3, 6, 7 below the screen: office hours and who is on duty, the call-back request
(session, outbox record, manifest), complaint categories and reply times, and the slips' words."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from sync.outbox import Outbox
from terminal import config as config_module
from terminal.casenumber import CaseNumbers
from terminal.cases import CallbackRequest
from terminal.config import Config
from terminal.errors import ConfigError
from terminal.office import OfficeHours, parse_periods
from terminal.session import FormInvalid, Session, State, TransitionError
from terminal.slips import callback_slip, help_slip, item_slip
from tests.objwalk import leaks
from tests.test_session import BARE_ITEM, CATALOG, ITEM, PHONE, Store

CONFIG = config_module.from_dict({})
HOURS = OfficeHours(("08:30-12:00", "14:30-17:30"))


# -- office hours ---------------------------------------------------------------------------

@pytest.mark.parametrize(("moment", "on_duty", "next_open"), [
    (datetime(2026, 12, 7, 9, 0), True, None),                                     # Monday morning
    (datetime(2026, 12, 7, 12, 30), False, datetime(2026, 12, 7, 14, 30)),         # lunch
    (datetime(2026, 12, 8, 1, 0), False, datetime(2026, 12, 8, 8, 30)),            # Tuesday, 01:00
    (datetime(2026, 12, 11, 18, 0), False, datetime(2026, 12, 14, 8, 30)),         # Friday evening: Monday
    (datetime(2025, 9, 30, 20, 0), False, datetime(2025, 10, 9, 8, 30)),           # National Day 2025 (10-01..08)
])
def test_on_duty_follows_the_hours_and_the_working_day_calendar(moment: datetime, on_duty: bool,
                                                                 next_open: datetime | None) -> None:
    duty = HOURS.at(moment)
    assert duty.now is on_duty and duty.next_open == next_open


def test_what_the_screen_says_about_duty() -> None:
    assert HOURS.at(datetime(2026, 12, 8, 1, 0)).sentence(date(2026, 12, 8)) == "现在不是办公时间，工作人员今天08:30上班。"
    assert HOURS.at(datetime(2026, 12, 7, 20, 0)).sentence(date(2026, 12, 7)) == "现在不是办公时间，工作人员明天08:30上班。"
    friday = HOURS.at(datetime(2026, 12, 11, 18, 0)).sentence(date(2026, 12, 11))
    assert friday == "现在不是办公时间，工作人员12月14日（周一）08:30上班。"
    assert "在岗（今天12:00前）" in HOURS.at(datetime(2026, 12, 7, 9, 0)).sentence(date(2026, 12, 7))
    assert HOURS.describe() == "工作日 08:30-12:00、14:30-17:30（法定节假日除外）"
    assert OfficeHours(()).at(datetime(2026, 12, 7, 9, 0)).sentence(date(2026, 12, 7)).startswith("服务中心的办公时间")


@pytest.mark.parametrize("bad", [["8:30-12:00"], ["12:00-08:30"], ["08:00-12:00", "11:00-17:00"], ["0830-1200"]])
def test_bad_hours_are_refused_at_start(bad: list[str]) -> None:
    with pytest.raises(ConfigError, match=r"center\.office_hours"):
        config_module.from_dict({"center": {"office_hours": bad}})
    with pytest.raises(ConfigError):
        parse_periods(bad)


def test_complaint_reply_times_come_from_the_configuration() -> None:
    assert CONFIG.complaints.categories == ("办不成事", "等候时间", "设备故障", "服务态度", "其他")
    assert CONFIG.complaints.reply_for("服务态度") == "当日或次日"  # Yanshi's rule for 一般投诉
    own = config_module.from_dict({"complaints": {"reply_times": ["办不成事=当日"]}})
    assert own.complaints.reply_for("办不成事") == "当日" and own.complaints.reply_for("其他") == "当日或次日"
    with pytest.raises(ConfigError, match=r"complaints\.reply_times"):
        config_module.from_dict({"complaints": {"reply_times": ["不存在=当日"]}})


# -- the session ----------------------------------------------------------------------------

@pytest.fixture
def session(tmp_path: Path) -> tuple[Session, list[CallbackRequest]]:
    sent: list[CallbackRequest] = []

    class Sink(Store):
        def add_callback(self, request: CallbackRequest) -> None:
            sent.append(request)

    sink = Sink()
    made = Session(CONFIG, CATALOG, sink, CaseNumbers(tmp_path, "T0001"), ratings=sink, complaints=sink,
                   callbacks=sink, now=lambda: datetime(2026, 12, 8, 1, 0))
    return made, sent


def test_an_item_without_a_guide_leads_to_a_callback_request(session: tuple[Session, list[CallbackRequest]]) -> None:
    s, sent = session
    s.browse_guides()
    s.choose_item(BARE_ITEM)
    with pytest.raises(TransitionError):
        s.begin_identify()  # not here: the page offers the call-back instead
    s.request_callback()
    with pytest.raises(FormInvalid) as refused:
        s.submit_callback("", "")
    assert set(refused.value.errors) == {"phone", "preferred"}
    request = s.submit_callback(PHONE, "上午")
    assert sent == [request] and s.callback == request
    assert (request.reason, request.item_id, request.department, request.preferred) == ("no_guide", "T-2", "民政", "上午")
    s.finish()
    assert s.state == State.HOME and not s.has_personal_data()
    assert leaks(s, [PHONE], stop=[s.catalog, s._sink]) == []


def test_help_leads_to_a_callback_and_back(session: tuple[Session, list[CallbackRequest]]) -> None:
    s, sent = session
    s.start_application()
    s.choose_item(ITEM)
    assert sent == []
    s.request_help()
    s.request_callback()
    assert s.callback_reason == "help"
    s.back()
    assert s.state == State.HELP
    s.request_callback()
    assert s.submit_callback(PHONE, "任何时间").item_id == ITEM.id  # staff know what the person was doing


def test_a_complaint_needs_a_category_chosen(session: tuple[Session, list[CallbackRequest]]) -> None:
    s, _ = session
    s.start_complaint()
    with pytest.raises(FormInvalid) as refused:
        s.submit_complaint("", "等候时间太长")
    assert refused.value.errors == {"category": "请先选择问题类别"}
    assert s.submit_complaint("等候时间", "等候时间太长").category == "等候时间"


# -- the outbox record ----------------------------------------------------------------------

def test_a_callback_is_an_outbox_record_of_its_own_kind(tmp_path: Path) -> None:
    request = CallbackRequest("T0001-261208-0001", "T0001", PHONE, "上午", "help", created_at=datetime(2026, 12, 8, 1))
    box = Outbox(tmp_path / "outbox", min_free_mb=10)
    try:
        box.add_callback(request)
        box.add_callback(request)  # the same again: one record (its number is its idempotency key)
        records = [r for r in box.records() if r.kind == "callback"]
        assert [r.record_id for r in records] == [request.request_no]
        manifest = json.loads(box.manifest(request.request_no))
    finally:
        box.close()
    assert manifest["kind"] == "callback" and manifest["attachments"] == []
    assert manifest["callback"] == {"request_no": request.request_no, "terminal_id": "T0001", "phone": PHONE,
                                    "preferred": "上午", "reason": "help", "item_id": "", "item_name": "",
                                    "department": "", "created_at": "2026-12-08T01:00:00"}


# -- the slips ------------------------------------------------------------------------------

def _text(config: Config, *, request: CallbackRequest | None = None, now: datetime = datetime(2026, 12, 8, 1)) -> str:
    if request is not None:
        return callback_slip(config, request).plain_text()
    return help_slip(config, "扫描材料", "户口迁入登记", now).plain_text()


def test_the_help_slip_promises_nothing_the_wipe_erased() -> None:
    night = _text(CONFIG)
    assert "继续办理" not in night and "重新办理" in night and "现在不是办公时间" in night and "自动清除" in night
    assert "户口迁入登记" in night and "扫描材料" in night and CONFIG.center.address in night
    day = _text(CONFIG, now=datetime(2026, 12, 8, 9, 0))
    assert "请把本单交给服务窗口" in day


def test_the_callback_slip_says_when_staff_call_and_masks_the_phone() -> None:
    request = CallbackRequest("T0001-261208-0002", "T0001", PHONE, "下午", "no_guide", "jiyuan-130", "残疾人证新办证",
                              "市残疾人联合会", datetime(2026, 12, 11, 22, 0))
    text = _text(CONFIG, request=request)
    assert PHONE not in text and "138****8000" in text
    assert "12月14日（周一）08:30上班后" in text and "残疾人证新办证" in text and "下午" in text


def test_the_directions_slip_names_department_place_hours_and_phone() -> None:
    text = item_slip(CONFIG, BARE_ITEM, datetime(2026, 12, 8, 1)).plain_text()
    for words in ("办理指引单", "测试无指南事项", "民政", CONFIG.center.address, "08:30-12:00", CONFIG.terminal.consult_phone):
        assert words in text


def test_progress_of_a_complaint_without_the_platform_names_the_platforms_reference(tmp_path: Path) -> None:
    from sync.downlink import progress
    from terminal.cases import Complaint

    complaint = Complaint("T0001-261208-0003", "T0001", "办不成事", "材料要求说得不清楚")
    box = Outbox(tmp_path / "outbox", min_free_mb=10)
    try:
        box.add_complaint(complaint)
        waiting = progress(complaint.complaint_no, box)
        assert "送到政务服务平台后会有平台受理号" in waiting.status_zh
        box.mark_delivered(complaint.complaint_no, "PLT-0123456789ABCDEF", "push")
        delivered = progress(complaint.complaint_no, box)
    finally:
        box.close()
    assert delivered.status == "received" and "平台受理号 PLT-0123456789ABCDEF" in delivered.status_zh
