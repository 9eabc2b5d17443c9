"""The drivers and services write the documented events the diagnostics screen and report show."""

from __future__ import annotations

import base64
import hashlib
import json
import queue
import threading
import time
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from drivers.camera import camera_for
from drivers.camera.driver import CameraWorker
from drivers.idcard import IdCardSettings, ReaderEvent
from drivers.idcard.driver import IdCardReader
from drivers.idcard.simulator import SamSimulator
from sync import api
from sync.auth import make_token
from sync.downlink import CatalogRefused, accept_catalog, sign_catalog
from sync.httpserver import ServerThread
from sync.outbox import Outbox
from sync.push import Pusher
from sync.service import SyncService
from terminal.assembly.wiring import camera_settings
from terminal.devices import parse_address
from terminal.errors import StorageFull
from terminal.events import EVENTS, Event
from terminal.session import Session, State
from tests.sync.conftest import free_port, make_client, outbox, start_central  # noqa: F401 (fixture)
from tests.sync.helpers import SECRET, TERMINAL_ID, make_case
from tests.sync.test_downlink import _catalog_bytes
from tests.technician.test_checks import quick
from tests.test_session import IDENTITY, PHONE, clock, make, reach, session, store  # noqa: F401 (fixtures)


def events_after(before: list[Event], name: str) -> list[Event]:
    seen = {id(e) for e in before}
    return [e for e in EVENTS.recent(500) if id(e) not in seen and e.event.name == name]


def test_id_reader_unplugged_and_back_is_in_the_event_log(tmp_path: Path) -> None:
    reports: queue.Queue[ReaderEvent] = queue.Queue()
    with SamSimulator(card=None, link=tmp_path / "idcard") as simulator:
        settings = IdCardSettings(parse_address(simulator.path), poll_interval=0.02, timeout=0.5)
        with IdCardReader(settings, EVENTS, on_event=reports.put) as reader:
            before = EVENTS.recent(500)
            reader.start()
            deadline = time.monotonic() + 10
            while not simulator.requests and time.monotonic() < deadline:  # polling has begun
                time.sleep(0.01)
            simulator.unplug()
            assert reports.get(timeout=10).kind == "reader-lost"
            simulator.replug()
            assert reports.get(timeout=10).kind == "reader-back"
    lost, back = events_after(before, "DEVICE_LOST"), events_after(before, "DEVICE_BACK")
    assert [e.fields["device"] for e in lost] == ["idcard"] and lost[0].fields["reason"] == "DeviceMissing"
    assert [e.fields["device"] for e in back] == ["idcard"]


def test_a_visit_records_start_submission_and_wipe_without_the_person(session: Session) -> None:
    before = EVENTS.recent(500)
    session.cancel()  # a tap on 首页 at home is not a visit
    assert not events_after(before, "SESSION_WIPED")
    case = reach(session, State.SUBMIT).case
    assert case is not None
    session.cancel()
    [started] = events_after(before, "SESSION_STARTED")
    [submitted] = events_after(before, "CASE_SUBMITTED")
    [wiped] = events_after(before, "SESSION_WIPED")
    assert started.fields == {"action": "start an application"}
    assert submitted.fields["case_no"] == case.case_no and wiped.fields == {"reason": "cancel"}
    written = json.dumps([e.to_json() for e in EVENTS.recent(500) if id(e) not in {id(b) for b in before}],
                         ensure_ascii=False)
    for value in (IDENTITY.name, IDENTITY.id_number, IDENTITY.address, PHONE):
        assert value not in written


def test_catalog_updates_accepted_and_refused_are_recorded(tmp_path: Path) -> None:
    signer, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    keys = (base64.b64encode(signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii"),)
    catalog = _catalog_bytes("2099.1")
    before = EVENTS.recent(500)
    with pytest.raises(CatalogRefused):
        accept_catalog(sign_catalog(stranger, "jiyuan", 7, catalog), "jiyuan", keys, tmp_path)
    assert accept_catalog(sign_catalog(signer, "jiyuan", 7, catalog), "jiyuan", keys, tmp_path)
    [refused] = events_after(before, "CATALOG_REFUSED")
    [updated] = events_after(before, "CATALOG_UPDATED")
    assert refused.fields["region"] == "jiyuan" and "signature" in refused.fields["reason"]
    assert updated.fields == {"region": "jiyuan", "version": 7}


def test_push_failure_delivery_and_pull_acknowledgement_are_recorded(outbox: Outbox, tmp_path: Path) -> None:
    before = EVENTS.recent(500)
    port = free_port()
    pushed, pulled = make_case(1), make_case(2)
    outbox.submit(pushed)
    assert not Pusher(outbox, make_client(f"http://127.0.0.1:{port}"), retry_base=0.01).round(limit=1).ok
    [failed] = events_after(before, "PUSH_FAILED")
    assert failed.fields["record"] == pushed.case_no and "ConnectionError" in failed.fields["problem"]
    central = start_central(tmp_path / "c.sqlite", port=port)
    try:
        assert Pusher(outbox, make_client(central.url), retry_base=0.01).round(limit=1).delivered == [pushed.case_no]
    finally:
        central.server.stop()
    outbox.submit(pulled)
    server = ServerThread(api.create_app(outbox, TERMINAL_ID, SECRET)).start()
    try:
        headers = {"Authorization": f"Bearer {make_token(SECRET, TERMINAL_ID)}"}
        url = f"http://127.0.0.1:{server.port}/v1/outbox/{pulled.case_no}"
        manifest = requests.get(f"{url}/manifest", headers=headers, timeout=5).content
        ack = {"receipt": "PLT-PULLED", "manifest_sha256": hashlib.sha256(manifest).hexdigest()}
        for _ in range(2):  # a repeated acknowledgement is not a second delivery
            assert requests.post(f"{url}/ack", json=ack, headers=headers, timeout=5).status_code == 200
    finally:
        server.stop()
    delivered = [(e.fields["record"], e.fields["via"]) for e in events_after(before, "CASE_DELIVERED")]
    assert delivered == [(pushed.case_no, "push"), (pulled.case_no, "pull")]
    assert [e.fields["record"] for e in events_after(before, "PULL_ACKNOWLEDGED")] == [pulled.case_no]


def test_camera_unplugged_and_back_is_in_the_event_log(tmp_path: Path) -> None:
    address = parse_address("sim?fault=unplug&unplug_after=5&replug_after=0.3&fps=100", "camera")
    connected: queue.Queue[object] = queue.Queue()
    before = EVENTS.recent(500)
    worker = CameraWorker(camera_for(camera_settings(quick(tmp_path), address)), EVENTS, on_frame=lambda _frame: None,
                          on_connected=connected.put, reopen_interval=0.05)
    with worker:
        connected.get(timeout=10)
        connected.get(timeout=10)  # connected again after the unplug
    assert [e.fields["device"] for e in events_after(before, "DEVICE_LOST")] == ["camera"]
    assert [e.fields["device"] for e in events_after(before, "DEVICE_BACK")] == ["camera"]


def test_a_case_refused_for_disk_space_is_recorded(tmp_path: Path) -> None:
    before = EVENTS.recent(500)
    box = Outbox(tmp_path, min_free_mb=10 ** 9)  # more than any disk has free
    try:
        with pytest.raises(StorageFull):
            box.submit(make_case(1))
    finally:
        box.close()
    [low] = events_after(before, "DISK_LOW")
    assert low.fields["min_free_mb"] == 10 ** 9 and low.fields["free_mb"] >= 0


def test_sync_service_records_a_case_past_its_retention(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    box = Outbox(tmp_path / "data", retention_days=30, clock=lambda: now[0])
    box.submit(make_case(1))
    now[0] += 31 * 86400  # the network has been down for a month
    stop = threading.Event()
    before = EVENTS.recent(500)
    try:
        SyncService(quick(tmp_path), box, stop=stop).run(on_tick=stop.set)  # one round of the loop
    finally:
        box.close()
    [alarm] = events_after(before, "RETENTION_ALARM")
    assert alarm.fields["level"] == "fault" and alarm.fields["retention_days"] == 30
