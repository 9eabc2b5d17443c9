"""The terminal's pull API over real HTTP, the central puller, and push racing pull for the same cases."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests

from gov_central.server import Puller
from sync import api
from sync.auth import make_token
from sync.httpserver import ServerThread
from sync.outbox import Outbox
from sync.push import Pusher
from tests.sync.conftest import Central, make_client
from tests.sync.helpers import SECRET, TERMINAL_ID, make_case, sha


@pytest.fixture
def pull_api(outbox: Outbox) -> Iterator[str]:
    server = ServerThread(api.create_app(outbox, TERMINAL_ID, SECRET)).start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def _get(url: str, token: str | None = None, **headers: str) -> requests.Response:
    token = token or make_token(SECRET, TERMINAL_ID)
    return requests.get(url, headers={"Authorization": f"Bearer {token}", **headers}, timeout=5)


def test_list_fetch_ranges_and_ack(outbox: Outbox, pull_api: str) -> None:
    cases = [make_case(n) for n in range(3)]
    for case in cases:
        outbox.submit(case)
    first = _get(f"{pull_api}/v1/outbox?limit=2").json()
    assert [r["record_id"] for r in first["records"]] == [c.case_no for c in cases[:2]]
    rest = _get(f"{pull_api}/v1/outbox?after={first['next_cursor']}").json()
    assert [r["record_id"] for r in rest["records"]] == [cases[2].case_no]

    rid = cases[0].case_no
    manifest = _get(f"{pull_api}/v1/outbox/{rid}/manifest")
    assert sha(manifest.content) == first["records"][0]["manifest_sha256"]
    page = cases[0].materials[0].pages[0].jpeg
    whole = _get(f"{pull_api}/v1/outbox/{rid}/attachments/m01-p01.jpg")
    assert whole.content == page and whole.headers["etag"] == f'"{sha(page)}"'
    part = _get(f"{pull_api}/v1/outbox/{rid}/attachments/m01-p01.jpg", Range="bytes=100-199")
    assert part.status_code == 206 and part.content == page[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(page)}"
    assert _get(f"{pull_api}/v1/outbox/{rid}/attachments/m01-p01.jpg", Range="bytes=-10").content == page[-10:]
    assert _get(f"{pull_api}/v1/outbox/{rid}/attachments/m01-p01.jpg",
                Range=f"bytes={len(page)}-").status_code == 416

    headers = {"Authorization": f"Bearer {make_token(SECRET, TERMINAL_ID)}"}
    wrong = requests.post(f"{pull_api}/v1/outbox/{rid}/ack", json={"receipt": "R", "manifest_sha256": "0" * 64},
                          headers=headers, timeout=5)
    assert wrong.status_code == 409 and outbox.record(rid).state == "queued"
    ack = {"receipt": "PLT-PULLED", "manifest_sha256": sha(manifest.content)}
    assert requests.post(f"{pull_api}/v1/outbox/{rid}/ack", json=ack, headers=headers, timeout=5).json() == \
        {"record_id": rid, "state": "delivered", "already_acknowledged": False}
    assert requests.post(f"{pull_api}/v1/outbox/{rid}/ack", json=ack, headers=headers,
                         timeout=5).json()["already_acknowledged"] is True
    assert outbox.record(rid).state == "purged" and outbox.record(rid).delivered_via == "pull"
    assert _get(f"{pull_api}/v1/outbox/{rid}/manifest").status_code == 404
    assert requests.post(f"{pull_api}/v1/outbox/NOPE/ack", json=ack, headers=headers, timeout=5).status_code == 404
    assert outbox.stats().last_pull is not None


@pytest.mark.parametrize("token", [
    None, "garbage", make_token(b"wrong-secret-wrong-secret-wrong!", TERMINAL_ID), make_token(SECRET, TERMINAL_ID, -1),
    make_token(SECRET, "T0002"),
])
def test_pull_api_refuses_bad_credentials(outbox: Outbox, pull_api: str, token: str | None) -> None:
    outbox.submit(make_case(1))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = requests.get(f"{pull_api}/v1/outbox", headers=headers, timeout=5)
    assert answer.status_code == 401 and make_case(1).case_no not in answer.text


def test_central_pulls_and_acknowledges_and_survives_a_lost_ack(outbox: Outbox, pull_api: str,
                                                                 central: Central) -> None:
    cases = [make_case(n, pages=2) for n in range(4)]
    for case in cases:
        outbox.submit(case)
    puller = Puller(central.store, pull_api, TERMINAL_ID, SECRET)
    # The platform stores the first record, but its acknowledgement is lost on the way.
    rid = cases[0].case_no
    central.store.put_manifest(rid, TERMINAL_ID, outbox.manifest(rid), "pull")
    assert puller.pull_once() == [c.case_no for c in cases]
    assert all(outbox.record(c.case_no).state == "purged" for c in cases)
    assert set(central.store.completed()) == {c.case_no for c in cases}
    assert central.store.verify() == [] and central.store.conflict_count() == 0
    assert puller.pull_once() == []


def test_push_and_pull_racing_deliver_each_case_once(outbox: Outbox, pull_api: str, central: Central) -> None:
    cases = [make_case(n, pages=2, page_bytes=50_000) for n in range(12)]
    for case in cases:
        outbox.submit(case)
    pusher = Pusher(outbox, make_client(central.url), retry_base=0.01)
    puller = Puller(central.store, pull_api, TERMINAL_ID, SECRET)
    go = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(job) -> None:
        go.wait()
        try:
            for _ in range(3):
                job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(pusher.round,)), threading.Thread(target=run, args=(puller.pull_once,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    completed = central.store.completed()
    assert set(completed) == {c.case_no for c in cases} and central.store.conflict_count() == 0
    for case in cases:
        info = outbox.record(case.case_no)
        assert info.state == "purged" and completed[case.case_no] == info.manifest_sha256
        receipt = central.store._row("SELECT receipt FROM records WHERE record_id = ?", (case.case_no,))["receipt"]
        assert info.receipt == receipt
    assert central.store.verify() == [] and outbox.verify().ok
    assert not list(outbox.files.glob("*"))
