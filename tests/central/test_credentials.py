"""Per-terminal credentials: enrolment with a one-time code, a token of A refused for B, rotation, revocation."""

from __future__ import annotations

from pathlib import Path

import requests

from gov_central.credentials import Registry
from sync.auth import make_token
from sync.manifest import from_case
from sync.outbox import Outbox
from sync.push import Pusher
from tests.central.conftest import Service
from tests.central.test_wire import _heartbeat
from tests.sync.conftest import make_client
from tests.sync.helpers import SECRET, make_case


def _enrol(service: Service, terminal_id: str) -> bytes:
    code = Registry(service.store.db).make_code(terminal_id, "测试运维")
    answer = requests.post(f"{service.url}/v1/enrol", json={"terminal_id": terminal_id, "code": code}, timeout=10)
    assert answer.status_code == 200, answer.text
    again = requests.post(f"{service.url}/v1/enrol", json={"terminal_id": terminal_id, "code": code}, timeout=10)
    assert again.status_code == 403  # one time only
    return str(answer.json()["secret"]).encode()


def _auth(terminal_id: str, secret: bytes) -> dict[str, str]:
    return {"Authorization": "Bearer " + make_token(secret, terminal_id)}


def test_enrolled_terminal_pushes_with_its_own_secret_and_not_the_shared_one(service: Service, tmp_path: Path) -> None:
    secret = _enrol(service, "T0001")
    demo = requests.post(f"{service.url}/v1/heartbeat", json=_heartbeat("T0001"), headers=_auth("T0001", SECRET),
                         timeout=10)
    assert demo.status_code == 401  # the shared demo secret no longer signs for an enrolled terminal
    box = Outbox(tmp_path / "terminal", min_free_mb=10)
    try:
        box.submit(make_case(1, pages=1))
        assert Pusher(box, make_client(service.url, secret=secret), retry_base=0.01).round().ok
    finally:
        box.close()
    assert list(service.store.completed()) == [make_case(1).case_no]


def test_code_is_for_one_terminal_only(service: Service) -> None:
    code = Registry(service.store.db).make_code("T0001", "测试运维")
    answer = requests.post(f"{service.url}/v1/enrol", json={"terminal_id": "T0002", "code": code}, timeout=10)
    assert answer.status_code == 403


def test_token_of_a_is_refused_for_b_records_and_heartbeats(service: Service) -> None:
    secret_a, secret_b = _enrol(service, "TA001"), _enrol(service, "TB001")
    case_b = from_case(make_case(2, pages=1, terminal_id="TB001"))
    url = f"{service.url}/v1/records/{case_b.record_id}"
    put = requests.put(url, data=case_b.manifest, timeout=10,
                       headers={**_auth("TB001", secret_b), "Idempotency-Key": case_b.record_id})
    assert put.status_code == 201
    name = case_b.attachments[0].name
    size = len(case_b.attachments[0].data)
    chunk_headers = {"Content-Range": f"bytes 0-{size - 1}/{size}", "Content-Type": "application/octet-stream"}
    # A signs with its own valid secret but claims B's records: unknown to A.
    stolen = requests.put(f"{url}/attachments/{name}", data=case_b.attachments[0].data, timeout=10,
                          headers={**_auth("TA001", secret_a), **chunk_headers})
    assert stolen.status_code == 404
    assert requests.post(f"{url}/complete", headers=_auth("TA001", secret_a), timeout=10).status_code == 404
    same_id = requests.put(url, data=case_b.manifest, timeout=10,
                           headers={**_auth("TA001", secret_a), "Idempotency-Key": case_b.record_id})
    assert same_id.status_code == 409
    # A's secret cannot sign a token naming B.
    forged = requests.post(f"{service.url}/v1/heartbeat", json=_heartbeat("TB001"), timeout=10,
                           headers=_auth("TB001", secret_a))
    assert forged.status_code == 401
    # A's own token with B's heartbeat body.
    claimed = requests.post(f"{service.url}/v1/heartbeat", json=_heartbeat("TB001"), timeout=10,
                            headers=_auth("TA001", secret_a))
    assert claimed.status_code == 401
    assert service.store.db.all("SELECT terminal_id FROM heartbeats") == []
    # B itself goes on.
    assert requests.put(f"{url}/attachments/{name}", data=case_b.attachments[0].data, timeout=10,
                        headers={**_auth("TB001", secret_b), **chunk_headers}).status_code == 200


def test_rotation_keeps_the_old_secret_briefly_and_revocation_refuses_at_once(service: Service) -> None:
    old = _enrol(service, "T0009")
    rotated = requests.post(f"{service.url}/v1/enrol/rotate", headers=_auth("T0009", old), timeout=10)
    assert rotated.status_code == 200
    new = str(rotated.json()["secret"]).encode()
    for secret in (new, old):
        sent = requests.post(f"{service.url}/v1/heartbeat", json=_heartbeat("T0009"), headers=_auth("T0009", secret),
                             timeout=10)
        assert sent.status_code == 204
    service.registry.revoke("T0009", "测试运维")
    refused = requests.post(f"{service.url}/v1/heartbeat", json=_heartbeat("T0009"), headers=_auth("T0009", new),
                            timeout=10)
    assert refused.status_code == 401
