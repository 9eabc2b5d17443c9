"""Case states through the real console and progress API, and 补交材料 from the outbox to the case."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import get_args

import requests

from gov_central.server import CaseStateCode
from sync.auth import make_token
from sync.downlink import progress
from sync.outbox import Outbox
from sync.push import Pusher
from terminal.cases import Material, Page, Supplement
from terminal.casestates import CaseState
from terminal.workdays import add_working_days
from tests.central.conftest import Service, login
from tests.central.test_console import PASSWORD, _operators
from tests.sync.conftest import make_client
from tests.sync.helpers import SECRET, fake_jpeg, make_case

MISSING = ("居民户口簿", "近期一寸免冠照片")


def _answer(service: Service, case_no: str) -> dict:
    headers = {"Authorization": "Bearer " + make_token(SECRET, "T0001")}
    answer: dict = requests.get(f"{service.url}/v1/progress/{case_no}", headers=headers, timeout=10).json()
    return answer


def supplement(case_no: str, number: int = 1, names: tuple[str, ...] = MISSING[:1]) -> Supplement:
    pages = tuple(Material(f"m{i}", name, (Page(fake_jpeg(f"s{number}-{i}", 5000), 1654, 2339),))
                  for i, name in enumerate(names, 1))
    return Supplement(f"T0001-20270102-{number:05d}", case_no, "T0001", "JY-001", "户口登记", pages,
                      datetime(2027, 1, 2, 21, 30))


def test_the_contract_and_the_state_machine_name_the_same_states() -> None:
    assert set(get_args(CaseStateCode)) == {state.value for state in CaseState}


def test_staff_move_a_case_through_its_states_and_the_terminal_reads_each(service: Service, tmp_path: Path) -> None:
    _operators(service)
    case = dataclasses.replace(make_case(7, pages=1), missing=MISSING, promised_days=5)
    box = Outbox(tmp_path / "terminal", min_free_mb=10)
    box.submit(case)
    assert Pusher(box, make_client(service.url), retry_base=0.01).round().ok
    box.close()
    answer = _answer(service, case.case_no)
    assert answer["state"] == "received" and answer["missing"] == list(MISSING)
    assert answer["platform_ref"].startswith("PLT-") and answer["promised_date"] is None
    session, csrf = login(service.url, "测试审核", PASSWORD)
    state_url = f"{service.url}/console/cases/{case.case_no}/state"
    done_first = session.post(state_url, data={"csrf": csrf, "state": "done"}, timeout=10)
    assert done_first.status_code == 409 and "不能从“已收件”改为“已办结”" in done_first.text
    session.post(state_url, data={"csrf": csrf, "state": "correction", "reason": "缺居民户口簿"}, timeout=10)
    client = make_client(service.url)
    told = progress(case.case_no, None, client)
    assert told.decision is not None and told.decision.state is CaseState.CORRECTION
    assert told.decision.reasons == "缺居民户口簿" and told.open_for_supplement and told.item_id == "JY-001"

    session.post(state_url, data={"csrf": csrf, "state": "accepted"}, timeout=10)
    accepted = progress(case.case_no, None, client)
    assert accepted.decision is not None and accepted.decision.state is CaseState.ACCEPTED
    today = accepted.decision.decided_at.astimezone().date()
    assert accepted.decision.promised_date == add_working_days(today, 5, estimate=True)
    assert accepted.decision.promised_days == 5 and accepted.decision.platform_ref == answer["platform_ref"]
    assert not accepted.open_for_supplement  # accepted: nothing more to hand in here
    for code in ("done", "delivered"):
        assert session.post(state_url, data={"csrf": csrf, "state": code}, timeout=10).status_code == 200
    final = _answer(service, case.case_no)
    assert final["state"] == "delivered" and final["promised_date"] == accepted.decision.promised_date.isoformat()
    assert session.post(state_url, data={"csrf": csrf, "state": "returned", "reason": "x"}, timeout=10).status_code == 409
    client.close()


def test_a_supplement_reaches_its_case_once_and_the_missing_list_shrinks(service: Service, tmp_path: Path) -> None:
    _operators(service)
    case = dataclasses.replace(make_case(8, pages=1), missing=MISSING, promised_days=5)
    extra = supplement(case.case_no)
    box = Outbox(tmp_path / "terminal", min_free_mb=10)
    box.submit(case)
    box.add_supplement(extra)
    box.add_supplement(extra)  # a double tap: the same record, stored once
    assert len(box.records()) == 2
    assert Pusher(box, make_client(service.url), retry_base=0.01).round().ok
    assert [r.state for r in box.records()] == ["purged", "purged"]  # scans deleted once acknowledged
    box.close()
    # The receipt was lost and the terminal sends the same supplement again: the same record, no second copy.
    manifest = bytes(service.store.manifest(extra.supplement_no))
    again = make_client(service.url).request("PUT", f"/v1/records/{extra.supplement_no}", body=manifest,
                                             idempotency_key=extra.supplement_no)
    assert again.status_code == 200 and again.json()["state"] == "complete"
    assert len(service.store.supplements(case.case_no)) == 1
    assert _answer(service, case.case_no)["missing"] == [MISSING[1]]
    session, _csrf = login(service.url, "测试审核", PASSWORD)
    page = session.get(f"{service.url}/console/cases/{case.case_no}", timeout=10).text
    assert extra.supplement_no in page and "居民户口簿 1 页" in page and MISSING[1] in page
