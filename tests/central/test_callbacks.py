"""预约回电 and 有诉即办 on the platform: a call-back request pushed from a terminal's real outbox is listed for
staff with the phone to call and marked 已回电; a complaint's progress gives the platform's own reference."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import requests

from sync.auth import make_token
from sync.downlink import progress
from sync.outbox import Outbox
from sync.push import Pusher
from terminal.cases import CallbackRequest, Complaint
from tests.central.conftest import Service, login
from tests.central.test_console import PASSWORD, _operators
from tests.sync.conftest import make_client
from tests.sync.helpers import SECRET

PHONE = "13800138000"


def _push(service: Service, folder: Path, *records: CallbackRequest | Complaint) -> None:
    box = Outbox(folder, min_free_mb=10)
    try:
        for record in records:
            if isinstance(record, CallbackRequest):
                box.add_callback(record)
            else:
                box.add_complaint(record)
        assert Pusher(box, make_client(service.url), retry_base=0.01).round().ok
    finally:
        box.close()


def test_a_callback_request_reaches_staff_with_the_phone_and_is_marked_called(service: Service,
                                                                              tmp_path: Path) -> None:
    _operators(service)
    request = CallbackRequest("T0001-261207-0001", "T0001", PHONE, "上午", "no_guide", "jiyuan-130", "残疾人证新办证",
                              "市残疾人联合会", datetime(2026, 12, 7, 1, 5))
    _push(service, tmp_path / "terminal", request)
    session, csrf = login(service.url, "测试审核", PASSWORD)
    page = session.get(f"{service.url}/console/callbacks", timeout=10).text
    assert "待回电 1 个" in page
    assert all(text in page for text in ("残疾人证新办证", "市残疾人联合会", PHONE, "上午", "终端不能办理的事项"))
    session.post(f"{service.url}/console/callbacks/{request.request_no}",
                 data={"csrf": csrf, "assigned_to": "测试员", "note": "已约周二上午到窗口", "close": "1"}, timeout=10)
    page = session.get(f"{service.url}/console/callbacks", timeout=10).text
    assert "待回电 0 个" in page and "已约周二上午到窗口" in page
    unknown = session.post(f"{service.url}/console/callbacks/T0001-261207-9999", data={"csrf": csrf}, timeout=10)
    assert unknown.status_code == 404


def test_a_complaints_progress_gives_the_platforms_reference(service: Service, tmp_path: Path) -> None:
    complaint = Complaint("T0001-261207-0002", "T0001", "办不成事", "材料要求说得不清楚", PHONE)
    _push(service, tmp_path / "terminal", complaint)
    headers = {"Authorization": "Bearer " + make_token(SECRET, "T0001")}
    answer = requests.get(f"{service.url}/v1/progress/{complaint.complaint_no}", headers=headers, timeout=10).json()
    receipt = service.store.db.one("SELECT receipt FROM records WHERE record_id = ?", (complaint.complaint_no,))
    assert receipt is not None and answer["reference"] == receipt["receipt"]
    assert answer["status"] == "received" and receipt["receipt"] in answer["status_zh"]
    # what the terminal's progress screen shows: the platform's sentence, reference included
    shown = progress(complaint.complaint_no, None, make_client(service.url))
    assert shown.source == "platform" and receipt["receipt"] in shown.status_zh
