"""The wire contract on both back ends: what a terminal's real push client sends is stored, receipted, answered."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import requests

from sync.auth import make_token
from sync.manifest import from_case
from sync.outbox import Outbox
from sync.push import Pusher
from tests.central.conftest import Service
from tests.sync.conftest import make_client
from tests.sync.helpers import SECRET, make_case


def _heartbeat(terminal_id: str, printer: str = "ok", alarms: list[str] | None = None) -> dict[str, object]:
    return {"terminal_id": terminal_id, "sent_at": "2027-01-01T09:00:00+08:00", "version": "1.0.0", "uptime_s": 60,
            "load_1m": 0.1, "disk_free_mb": 5000, "devices": {"printer": printer, "idcard": "ok"},
            "outbox": {"counts": {"queued": 2}, "oldest_queued_age_s": 30.0, "alarms": alarms or []}}


def _auth(terminal_id: str, secret: bytes = SECRET) -> dict[str, str]:
    return {"Authorization": "Bearer " + make_token(secret, terminal_id)}


def test_push_client_delivers_cases_with_files_intact(service: Service, tmp_path: Path) -> None:
    box = Outbox(tmp_path / "terminal", min_free_mb=10)
    try:
        for n in range(3):
            box.submit(make_case(n, pages=2, page_bytes=300_000))
        assert Pusher(box, make_client(service.url), retry_base=0.01).round().ok
    finally:
        box.close()
    assert sorted(service.store.completed()) == [make_case(n).case_no for n in range(3)]
    assert service.store.verify() == []
    stored = service.store.attachment(make_case(1).case_no, "m01-p01.jpg")
    expected = from_case(make_case(1, pages=2, page_bytes=300_000)).attachments[0].data
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(expected).hexdigest()
    assert not list(service.store.files.rglob("*.part"))


def test_same_manifest_again_is_idempotent_and_different_bytes_conflict(service: Service) -> None:
    out = from_case(make_case(7, pages=0))
    url = f"{service.url}/v1/records/{out.record_id}"
    headers = {**_auth("T0001"), "Idempotency-Key": out.record_id, "Content-Type": "application/json"}
    assert requests.put(url, data=out.manifest, headers=headers, timeout=10).status_code == 201
    assert requests.put(url, data=out.manifest, headers=headers, timeout=10).status_code == 200
    other = from_case(dataclasses.replace(make_case(7, pages=0), phone="13900139000")).manifest
    assert requests.put(url, data=other, headers=headers, timeout=10).status_code == 409
    assert service.store.conflict_count() == 1


def test_progress_and_heartbeat(service: Service, tmp_path: Path) -> None:
    box = Outbox(tmp_path / "terminal", min_free_mb=10)
    try:
        box.submit(make_case(1, pages=1))
        assert Pusher(box, make_client(service.url), retry_base=0.01).round().ok
    finally:
        box.close()
    answer = requests.get(f"{service.url}/v1/progress/{make_case(1).case_no}", headers=_auth("T0001"), timeout=10)
    assert answer.json()["status"] == "received"
    assert requests.get(f"{service.url}/v1/progress/NOPE-1", headers=_auth("T0001"), timeout=10).status_code == 404
    sent = requests.post(f"{service.url}/v1/heartbeat", json=_heartbeat("T0001"), headers=_auth("T0001"), timeout=10)
    assert sent.status_code == 204
    extra = {**_heartbeat("T0001"), "applicant": "测试样例"}
    assert requests.post(f"{service.url}/v1/heartbeat", json=extra, headers=_auth("T0001"), timeout=10).status_code == 422


def test_limits_apply_before_the_body_is_read(service: Service) -> None:
    """No token: 401 from the headers alone; an oversized body: 413; the console's forms are capped too."""
    big = b"x" * (2 * 1024 * 1024)
    refused = requests.put(f"{service.url}/v1/records/T0001-20270101-00001", data=big, timeout=10,
                           headers={"Idempotency-Key": "T0001-20270101-00001"})
    assert refused.status_code == 401
    too_big = requests.put(f"{service.url}/v1/records/T0001-20270101-00001", data=big, timeout=10,
                           headers={**_auth("T0001"), "Idempotency-Key": "T0001-20270101-00001"})
    assert too_big.status_code == 413
    form = requests.post(f"{service.url}/console/login", data={"name": "x" * 100_000, "password": "y"}, timeout=10)
    assert form.status_code == 413
    nan = requests.post(f"{service.url}/v1/heartbeat", data=b'{"load_1m": NaN}', timeout=10,
                        headers={**_auth("T0001"), "Content-Type": "application/json"})
    assert nan.status_code == 400


def test_a_store_from_before_migrations_is_adopted_in_place(tmp_path: Path) -> None:
    """The reference server's central.sqlite (tables made without yoyo) opens with its records kept."""
    import sqlite3

    from gov_central.server import CentralStore

    old = sqlite3.connect(tmp_path / "central.sqlite")
    old.executescript(
        "CREATE TABLE records (record_id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, kind TEXT NOT NULL,"
        " manifest BLOB NOT NULL, manifest_sha256 TEXT NOT NULL, created_at TEXT NOT NULL, receipt TEXT,"
        " completed_at TEXT, via TEXT NOT NULL, resends INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE attachments (record_id TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL,"
        " size INTEGER NOT NULL, received INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (record_id, name));"
        "CREATE TABLE conflicts (id INTEGER PRIMARY KEY, record_id TEXT NOT NULL, at TEXT NOT NULL);"
        "CREATE TABLE heartbeats (terminal_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, body TEXT NOT NULL);"
        "INSERT INTO records VALUES ('T0001-20270101-00001', 'T0001', 'case', x'7b7d', 'abc', '2027', 'PLT-1',"
        " '2027', 'push', 0);")
    old.close()
    store = CentralStore(tmp_path / "central.sqlite")
    try:
        assert store.completed() == {"T0001-20270101-00001": "abc"}
        assert store.progress("T0001-20270101-00001") is not None
        assert store.progress("T0001-20270101-00001")["status"] == "received"  # type: ignore[index]  # checked just above
    finally:
        store.close()


def test_purge_removes_old_records_with_their_files_and_decisions(service: Service, tmp_path: Path) -> None:
    box = Outbox(tmp_path / "terminal", min_free_mb=10)
    try:
        for n in (1, 2):
            box.submit(make_case(n, pages=1))
        assert Pusher(box, make_client(service.url), retry_base=0.01).round().ok
    finally:
        box.close()
    old, new = make_case(1).case_no, make_case(2).case_no
    store = service.store
    store.db.execute("UPDATE records SET completed_at = '2020-01-01T00:00:00+00:00' WHERE record_id = ?", (old,))
    store.db.execute("INSERT INTO case_states (case_no, state, reason, operator, updated_at)"
                     " VALUES (?, 'done', '', '测试审核', '2020-01-02')", (old,))
    assert store.purge(365) == 1
    assert list(store.completed()) == [new]
    assert store.progress(old) is None and not (store.files / old).exists()
    assert store.db.all("SELECT case_no FROM case_states") == []
    assert store.verify() == [] and (store.files / new).is_dir()
