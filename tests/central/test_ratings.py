"""好差评 and 有诉即办 in the console: counts (by department too), 整改 follow-up, CSV; complaints due, overdue,
answered, closed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from gov_central.operators import Operators
from sync.manifest import from_case, from_complaint, from_rating
from terminal.cases import Complaint, Rating, RatingRecord
from tests.central.browser import deliver
from tests.central.conftest import Service, login
from tests.sync.helpers import make_case

PASSWORD = "测试密码-0123456789"


def test_bad_rating_is_followed_up_closed_and_exported(service: Service) -> None:
    Operators(service.store.db).add("测试审核", "业务审核", PASSWORD)
    deliver(service.url, from_case(make_case(2, pages=1)))  # the badly rated case, of 公安局
    for n, level in enumerate((Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.VERY_DISSATISFIED)):
        deliver(service.url, from_rating(RatingRecord(
            f"T0001-20270101-{n:05d}", "T0001", level, reasons=("等候时间长",) if level.is_bad else (),
            rated_at=datetime(2027, 1, 2, 10, 0), item_id="JY-001", item_name="户口登记")))
    session, csrf = login(service.url, "测试审核", PASSWORD)
    page = session.get(f"{service.url}/console/ratings", timeout=10).text
    assert "<td>户口登记</td><td>1</td><td>1</td><td>0</td><td>0</td><td>1</td>" in page
    assert "<td>公安局</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td>" in page
    assert "等候时间长" in page and "T0001-20270101-00002" in page
    session.post(f"{service.url}/console/ratings/T0001-20270101-00002-R/followup", timeout=10,
                 data={"csrf": csrf, "note": "已增派窗口人员", "close": "1"})
    exported = session.get(f"{service.url}/console/ratings.csv", timeout=10)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    bad = next(row for row in rows if row[0] == "T0001-20270101-00002-R")
    assert bad[5:9] == ["5", "非常不满意", "等候时间长", "已增派窗口人员"] and bad[9].startswith("20")
    assert bad[10] == "公安局"
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # openpyxl ships no type hints

    book = load_workbook(io.BytesIO(session.get(f"{service.url}/console/ratings.xlsx", timeout=10).content))
    assert [cell.value for cell in book["好差评"][1]][:2] == ["评价编号", "办件编号"]
    assert any(row[0].value == "T0001-20270101-00002-R" and row[8].value == "已增派窗口人员"
               for row in book["好差评"].iter_rows(min_row=2))
    unknown = session.post(f"{service.url}/console/ratings/T0001-20270101-00009-R/followup", timeout=10,
                           data={"csrf": csrf, "note": "x"})
    assert unknown.status_code == 404


def test_complaint_gets_a_due_time_is_flagged_overdue_then_answered_and_closed(service: Service) -> None:
    Operators(service.store.db).add("测试审核", "业务审核", PASSWORD)
    deliver(service.url, from_complaint(Complaint("T0001-C-00001", "T0001", "服务态度", "窗口无人", phone="13800138000")))
    # It arrived two days ago: past the 24-hour reply time.
    service.store.db.execute("UPDATE records SET created_at = ? WHERE record_id = 'T0001-C-00001'",
                             ((datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="seconds"),))
    session, csrf = login(service.url, "测试审核", PASSWORD)
    page = session.get(f"{service.url}/console/complaints", timeout=10).text
    assert "已超期" in page and "13800138000" not in page and "138****8000" in page
    session.post(f"{service.url}/console/complaints/T0001-C-00001", timeout=10,
                 data={"csrf": csrf, "assigned_to": "测试科员", "reply": "已电话回复", "close": "1"})
    page = session.get(f"{service.url}/console/complaints", timeout=10).text
    assert "已超期" not in page and "已电话回复" in page and "超期 0 件" in page
