"""The operator console over HTTP: login, lockout, CSRF, roles, fleet alarms, case decisions seen by the terminal."""

from __future__ import annotations

from pathlib import Path

import requests

from gov_central.operators import Operators
from sync.auth import make_token
from sync.outbox import Outbox
from sync.push import Pusher
from tests.central.conftest import Service, login
from tests.central.test_wire import _heartbeat
from tests.sync.conftest import make_client
from tests.sync.helpers import SECRET, id_number, make_case

PASSWORD = "测试密码-0123456789"


def _operators(service: Service) -> None:
    people = Operators(service.store.db)
    for name, role in (("测试管理员", "管理员"), ("测试审核", "业务审核"), ("测试运维", "运维")):
        people.add(name, role, PASSWORD)


def _push_case(service: Service, tmp_path: Path, n: int = 1) -> str:
    box = Outbox(tmp_path / f"terminal{n}", min_free_mb=10)
    try:
        box.submit(make_case(n, pages=1))
        assert Pusher(box, make_client(service.url), retry_base=0.01).round().ok
    finally:
        box.close()
    return make_case(n).case_no


def test_login_lockout_after_five_failures(service: Service) -> None:
    _operators(service)
    for _ in range(5):
        page = requests.post(f"{service.url}/console/login", data={"name": "测试运维", "password": "wrong"}, timeout=10)
        assert "logout" not in page.text
    locked = requests.post(f"{service.url}/console/login", data={"name": "测试运维", "password": PASSWORD}, timeout=10)
    assert "锁定" in locked.text and 'id="logout"' not in locked.text


def test_pages_need_a_session_and_forms_need_the_csrf_token(service: Service) -> None:
    _operators(service)
    anonymous = requests.get(f"{service.url}/console/fleet", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/console/login"
    session, csrf = login(service.url, "测试运维", PASSWORD)
    assert session.get(f"{service.url}/console/fleet", timeout=10).status_code == 200
    assert session.get(f"{service.url}/console/cases", timeout=10).status_code == 403  # 运维 sees no cases
    forged = session.post(f"{service.url}/console/terminals/code", data={"terminal_id": "T0002"}, timeout=10)
    assert forged.status_code == 403
    made = session.post(f"{service.url}/console/terminals/code", data={"terminal_id": "T0002", "csrf": csrf},
                        timeout=10)
    assert 'id="code"' in made.text


def test_alarm_is_raised_by_a_heartbeat_and_acknowledged_by_name(service: Service) -> None:
    _operators(service)
    headers = {"Authorization": "Bearer " + make_token(SECRET, "T0001")}
    assert requests.post(f"{service.url}/v1/heartbeat", json=_heartbeat("T0001", printer="fault"), headers=headers,
                         timeout=10).status_code == 204
    session, csrf = login(service.url, "测试运维", PASSWORD)
    page = session.get(f"{service.url}/console/fleet", timeout=10).text
    assert "打印机缺纸或故障" in page and 'class="ack"' in page
    alarm = service.store.db.one("SELECT id FROM alarms WHERE terminal_id = 'T0001' AND kind = 'paper'")
    assert alarm is not None
    session.post(f"{service.url}/console/alarms/{alarm['id']}/ack", data={"csrf": csrf}, timeout=10)
    assert "测试运维 已确认" in session.get(f"{service.url}/console/fleet", timeout=10).text
    # The printer is fixed: the next heartbeat clears the alarm.
    requests.post(f"{service.url}/v1/heartbeat", json=_heartbeat("T0001"), headers=headers, timeout=10)
    assert "打印机缺纸或故障" not in session.get(f"{service.url}/console/fleet", timeout=10).text


def test_case_decision_reaches_the_terminals_progress_query(service: Service, tmp_path: Path) -> None:
    _operators(service)
    case_no = _push_case(service, tmp_path)
    session, csrf = login(service.url, "测试审核", PASSWORD)
    listing = session.get(f"{service.url}/console/cases", params={"item": "户口", "state": "received"}, timeout=10)
    assert case_no in listing.text
    detail = session.get(f"{service.url}/console/cases/{case_no}", timeout=10).text
    assert id_number(1) not in detail and "测试样例" not in detail  # masked
    no_reason = session.post(f"{service.url}/console/cases/{case_no}/state",
                             data={"csrf": csrf, "state": "returned", "reason": ""}, timeout=10)
    assert no_reason.status_code == 400
    session.post(f"{service.url}/console/cases/{case_no}/state", data={"csrf": csrf, "state": "accepted"}, timeout=10)
    answer = requests.get(f"{service.url}/v1/progress/{case_no}", timeout=10,
                          headers={"Authorization": "Bearer " + make_token(SECRET, "T0001")}).json()
    assert answer["status"] == "accepted" and answer["status_zh"] == "部门已受理，正在办理"
    assert case_no in session.get(f"{service.url}/console/cases", params={"state": "accepted"}, timeout=10).text


def test_full_identity_only_for_the_reviewer_role_and_always_audited(service: Service, tmp_path: Path) -> None:
    _operators(service)
    case_no = _push_case(service, tmp_path)
    admin, _ = login(service.url, "测试管理员", PASSWORD)
    assert id_number(1) not in admin.get(f"{service.url}/console/cases/{case_no}?full=1", timeout=10).text
    reviewer, _ = login(service.url, "测试审核", PASSWORD)
    assert id_number(1) in reviewer.get(f"{service.url}/console/cases/{case_no}?full=1", timeout=10).text
    audit = service.store.db.all("SELECT operator, action, subject FROM audit WHERE action = 'identity:view'")
    assert [dict(row) for row in audit] == [{"operator": "测试审核", "action": "identity:view", "subject": case_no}]
    page = admin.get(f"{service.url}/console/audit", params={"action": "identity:view"}, timeout=10).text
    assert f"<td>测试审核</td><td>identity:view</td><td>{case_no}</td>" in page
    assert reviewer.get(f"{service.url}/console/audit", timeout=10).status_code == 403


def test_an_expired_session_is_sent_to_login_and_logout_ends_one(service: Service) -> None:
    _operators(service)
    session, csrf = login(service.url, "测试运维", PASSWORD)
    page = session.get(f"{service.url}/console/fleet", timeout=10)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Frame-Options"] == "DENY"
    service.store.db.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00'")
    expired = session.get(f"{service.url}/console/fleet", allow_redirects=False, timeout=10)
    assert expired.status_code == 303 and expired.headers["Location"] == "/console/login"
    session, csrf = login(service.url, "测试运维", PASSWORD)
    assert len(service.store.db.all("SELECT operator FROM sessions")) == 1  # the expired one is gone
    session.post(f"{service.url}/console/logout", data={"csrf": csrf}, timeout=10)
    assert service.store.db.all("SELECT operator FROM sessions") == []
    assert session.get(f"{service.url}/console/fleet", allow_redirects=False, timeout=10).status_code == 303


def test_admin_adds_an_operator_who_then_logs_in_and_resets_a_lockout(service: Service) -> None:
    _operators(service)
    admin, csrf = login(service.url, "测试管理员", PASSWORD)
    short = admin.post(f"{service.url}/console/operators", timeout=10,
                       data={"csrf": csrf, "name": "测试科员", "role": "业务审核", "password": "short"})
    assert "至少10个字符" in short.text
    admin.post(f"{service.url}/console/operators", timeout=10,
               data={"csrf": csrf, "name": "测试科员", "role": "业务审核", "password": "另一个测试密码-12345"})
    clerk, _ = login(service.url, "测试科员", "另一个测试密码-12345")
    assert clerk.get(f"{service.url}/console/operators", timeout=10).status_code == 403
    for _ in range(5):
        requests.post(f"{service.url}/console/login", data={"name": "测试科员", "password": "wrong"}, timeout=10)
    locked = service.store.db.one("SELECT locked_until FROM operators WHERE name = '测试科员'")
    assert locked is not None and locked["locked_until"]
    admin.post(f"{service.url}/console/operators", timeout=10,
               data={"csrf": csrf, "name": "测试科员", "role": "业务审核", "password": "第三个测试密码-12345"})
    login(service.url, "测试科员", "第三个测试密码-12345")  # the reset lifted the lockout
