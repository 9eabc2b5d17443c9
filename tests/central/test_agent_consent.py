"""A case applied for by an agent (代办人), to be posted, under versioned consent texts: pushed by a real
outbox to the real central server, which stores every field and shows both identities masked (full
only to the reviewer role, audited), the delivery and the consent versions."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

from sync.outbox import Outbox
from sync.push import Pusher
from terminal.identity import Identity
from tests.central.conftest import Service, login
from tests.central.test_console import PASSWORD, _operators
from tests.sync.conftest import make_client
from tests.sync.helpers import make_case

AGENT = Identity(card_type="resident", name="代办样例", sex="男", nation="汉", birth=date(1985, 5, 5),
                 address="河南省济源市虚构路九号代办小区", id_number="419001198505050036",
                 authority="济源市公安局虚构分局", valid_from=date(2020, 1, 1), valid_to=None)
ADDRESS = "河南省济源市虚构路十号测试小区三号楼"


def test_agent_delivery_and_consent_versions_reach_the_console(service: Service, tmp_path: Path) -> None:
    _operators(service)
    case = dataclasses.replace(make_case(7, pages=1), agent=AGENT, consent_version="N-7", declaration_version="D-3",
                               delivery="post", delivery_address=ADDRESS)
    box = Outbox(tmp_path / "terminal", min_free_mb=10)
    try:
        box.submit(case)
        assert Pusher(box, make_client(service.url), retry_base=0.01).round().ok
    finally:
        box.close()
    row = service.store.db.one("SELECT manifest FROM records WHERE record_id = ?", (case.case_no,))
    assert row is not None
    body = json.loads(bytes(row["manifest"]))["case"]
    assert body["agent"]["id_number"] == AGENT.id_number and body["applicant"]["id_number"] == case.applicant.id_number
    assert body["consent"] == {"notice_version": "N-7", "declaration_version": "D-3"}
    assert body["delivery"] == {"method": "post", "address": ADDRESS}

    admin, _ = login(service.url, "测试管理员", PASSWORD)
    page = admin.get(f"{service.url}/console/cases/{case.case_no}", timeout=10).text
    assert 'id="agent-name">代*样*<' in page and AGENT.masked_id() in page
    assert AGENT.id_number not in page and ADDRESS not in page and "邮寄" in page
    assert 'id="consent-version">N-7<' in page and 'id="declaration-version">D-3<' in page
    listing = admin.get(f"{service.url}/console/cases", timeout=10).text
    assert case.case_no in listing and AGENT.id_number not in listing and AGENT.name not in listing
    reviewer, _ = login(service.url, "测试审核", PASSWORD)
    full = reviewer.get(f"{service.url}/console/cases/{case.case_no}?full=1", timeout=10).text
    assert AGENT.id_number in full and ADDRESS in full


def test_a_case_without_agent_or_versions_still_shows(service: Service, tmp_path: Path) -> None:
    """No agent, empty consent versions, window pickup: the page says 窗口领取 and —."""
    _operators(service)
    case = make_case(8, pages=1)
    box = Outbox(tmp_path / "terminal", min_free_mb=10)
    try:
        box.submit(case)
        assert Pusher(box, make_client(service.url), retry_base=0.01).round().ok
    finally:
        box.close()
    admin, _ = login(service.url, "测试管理员", PASSWORD)
    page = admin.get(f"{service.url}/console/cases/{case.case_no}", timeout=10).text
    assert "agent-name" not in page and "窗口领取" in page and 'id="consent-version">—<' in page
