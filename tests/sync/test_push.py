"""Push against the reference central server over real HTTP on 127.0.0.1, with faults switched on."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync.auth import TokenRefused, check_token, make_token
from sync.client import Throttle
from sync.outbox import Outbox
from sync.push import Pusher
from terminal.errors import PlatformError
from tests.sync.conftest import Central, CuttingProxy, Fault, free_port, make_client, start_central
from tests.sync.helpers import SECRET, TERMINAL_ID, make_case


def _push(outbox: Outbox, url: str, **kwargs: object) -> Pusher:
    return Pusher(outbox, make_client(url), retry_base=0.01, **kwargs)  # type: ignore[arg-type]  # test options are the Pusher keywords


def _attachment_puts(central: Central) -> list[str]:
    return [rng for method, path, rng in central.seen if method == "PUT" and "/attachments/" in path]


def test_push_delivers_and_records_receipt(outbox: Outbox, central: Central) -> None:
    cases = [make_case(n, pages=3) for n in range(3)]
    for case in cases:
        outbox.submit(case)
    result = _push(outbox, central.url).round()
    assert sorted(result.delivered) == [c.case_no for c in cases] and result.ok
    for case in cases:
        info = outbox.record(case.case_no)
        assert info.state == "purged" and info.receipt.startswith("PLT-") and info.delivered_via == "push"
        assert central.store.attachment(case.case_no, "m01-p02.jpg") == case.materials[0].pages[1].jpeg
        assert json.loads(central.store.manifest(case.case_no))["case"]["applicant"]["name"] == "测试样例"
    assert central.store.verify() == [] and central.store.conflict_count() == 0
    assert outbox.stats().last_push is not None
    # Every request carried the idempotency key and a token.
    assert all(path.startswith("/v1/records/") for _, path, _ in central.seen)


def test_network_down_then_back(outbox: Outbox, tmp_path: Path) -> None:
    port = free_port()
    outbox.submit(make_case(1))
    pusher = _push(outbox, f"http://127.0.0.1:{port}")
    result = pusher.round()
    assert not result.ok and "ConnectionError" in result.failed[make_case(1).case_no]
    info = outbox.record(make_case(1).case_no)
    assert info.state == "queued" and info.attempts == 1 and outbox.stats().last_error
    central = start_central(tmp_path / "c.sqlite", port=port)
    try:
        time.sleep(0.05)  # the record's own backoff (retry_base 0.01 s)
        assert pusher.round().delivered == [make_case(1).case_no]
    finally:
        central.server.stop()


def test_server_errors_are_retried_with_backoff(outbox: Outbox, central: Central) -> None:
    outbox.submit(make_case(1))
    central.faults.append(Fault(lambda r: "/attachments/" in r.url.path, status=500, times=2))
    central.faults.append(Fault(lambda r: r.url.path.endswith("/complete"), status=503, times=1))
    assert _push(outbox, central.url).round().ok
    assert all(f.times == 0 for f in central.faults)


def test_persistent_500_leaves_record_queued(outbox: Outbox, central: Central) -> None:
    for n in range(5):
        outbox.submit(make_case(n))
    central.faults.append(Fault(lambda r: True, status=500, times=1000))
    pusher = _push(outbox, central.url)
    result = pusher.round()
    # The round stops instead of hammering a sick platform with every queued record.
    assert 1 <= len(result.failed) <= pusher.records_at_once and not result.delivered
    assert [r.state for r in outbox.records()] == ["queued"] * 5
    assert sum(r.attempts == 0 for r in outbox.records()) >= 5 - pusher.records_at_once


def test_conflict_409_is_not_retried_and_blocks_only_that_record(outbox: Outbox, central: Central) -> None:
    first, second = make_case(1), make_case(2)
    other_terminal_outbox = Outbox(outbox.root.parent.parent / "other", min_free_mb=10)
    other_terminal_outbox.submit(first.__class__(**{**first.__dict__, "phone": "13900000000"}))
    assert _push(other_terminal_outbox, central.url).round().ok
    outbox.submit(first)
    outbox.submit(second)
    result = _push(outbox, central.url).round()
    assert "409" in result.failed[first.case_no] and result.delivered == [second.case_no]
    assert outbox.record(first.case_no).state == "queued" and central.store.conflict_count() == 1


def test_413_makes_chunks_smaller(outbox: Outbox, central: Central) -> None:
    case = make_case(1, pages=1, page_bytes=200_000)
    outbox.submit(case)
    big = 64 * 1024
    central.faults.append(Fault(lambda r: int(r.headers.get("content-length") or 0) > big, status=413, times=50))
    pusher = _push(outbox, central.url, chunk_size=256 * 1024)
    assert pusher.round().ok
    assert pusher.chunk_size <= big
    assert central.store.attachment(case.case_no, "m01-p01.jpg") == case.materials[0].pages[0].jpeg


def test_timeout_is_retried(outbox: Outbox, central: Central) -> None:
    outbox.submit(make_case(1))
    central.faults.append(Fault(lambda r: r.method == "PUT" and "/attachments/" not in r.url.path, delay=3.0))
    started = time.monotonic()
    assert _push(outbox, central.url).round().ok  # client timeout is 2 s; the second try goes through
    assert 2.0 <= time.monotonic() - started < 8


def test_connection_closed_mid_upload_resumes_at_confirmed_chunk(outbox: Outbox, central: Central) -> None:
    case = make_case(1, pages=1, page_bytes=600_000)
    outbox.submit(case)
    proxy = CuttingProxy(central.server.port)
    try:
        proxy.cut_after = 400_000  # after the first 128 KiB chunks are confirmed, inside a later one
        pusher = Pusher(outbox, make_client(f"http://127.0.0.1:{proxy.port}", attempts=1), chunk_size=128 * 1024,
                        retry_base=0.01)
        result = pusher.round()
        assert not result.ok and proxy.cuts == 1
        confirmed = central.store._received(case.case_no)["m01-p01.jpg"]
        assert 0 < confirmed < 600_000 and confirmed % (128 * 1024) == 0
        central.seen.clear()
        time.sleep(0.05)
        assert pusher.round().ok
        first_range = _attachment_puts(central)[0]
        assert first_range.startswith(f"bytes {confirmed}-")  # resumed, not restarted from zero
        assert central.store.attachment(case.case_no, "m01-p01.jpg") == case.materials[0].pages[0].jpeg
    finally:
        proxy.close()


def test_lost_acknowledgement_resend_gets_the_same_receipt(outbox: Outbox, central: Central) -> None:
    case = make_case(1)
    outbox.submit(case)
    proxy = CuttingProxy(central.server.port)
    try:
        proxy.drop_reply_with = b"PLT-"  # the platform issues the receipt; the answer never reaches the terminal
        result = Pusher(outbox, make_client(f"http://127.0.0.1:{proxy.port}", attempts=1), retry_base=0.01).round()
    finally:
        proxy.close()
    assert not result.ok and proxy.cuts == 1
    assert case.case_no in central.store.completed()  # the platform has it
    assert outbox.record(case.case_no).state == "queued"
    time.sleep(0.05)
    central.seen.clear()
    assert _push(outbox, central.url).round().ok
    stored_receipt = central.store._row("SELECT receipt FROM records WHERE record_id = ?", (case.case_no,))["receipt"]
    assert outbox.record(case.case_no).receipt == stored_receipt
    assert _attachment_puts(central) == []  # nothing uploaded twice
    assert central.store.conflict_count() == 0 and len(central.store.completed()) == 1


def test_wrong_and_expired_credentials_are_refused(outbox: Outbox, central: Central) -> None:
    outbox.submit(make_case(1))
    wrong = Pusher(outbox, make_client(central.url, secret=b"another-terminal-secret-xxxxxxx"), retry_base=0.01)
    result = wrong.round()
    assert "credentials" in result.failed[make_case(1).case_no]
    expired = make_token(SECRET, TERMINAL_ID, ttl=-10)
    answer = requests.put(f"{central.url}/v1/records/X1", data=b"{}", timeout=5,
                          headers={"Authorization": f"Bearer {expired}", "Idempotency-Key": "X1"})
    assert answer.status_code == 401
    with pytest.raises(TokenRefused):
        check_token(SECRET, expired, TERMINAL_ID)
    with pytest.raises(TokenRefused):
        check_token(SECRET, make_token(SECRET, TERMINAL_ID, ttl=7200), TERMINAL_ID)
    with pytest.raises(TokenRefused):
        check_token(SECRET, make_token(SECRET, "T0002"), TERMINAL_ID)


def _certificate(subject: str, issuer_key: ec.EllipticCurvePrivateKey, key: ec.EllipticCurvePrivateKey,
                 issuer: str, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_tls_is_verified_against_the_configured_ca(outbox: Outbox, tmp_path: Path) -> None:
    ca_key, other_ca_key, server_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _pem(tmp_path / "ca.pem", _certificate("Test CA", ca_key, ca_key, "Test CA", True))
    other_ca = _pem(tmp_path / "other.pem", _certificate("Other CA", other_ca_key, other_ca_key, "Other CA", True))
    cert = _pem(tmp_path / "server.pem", _certificate("localhost", ca_key, server_key, "Test CA", False))
    key = tmp_path / "server.key"
    key.write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    central = start_central(tmp_path / "tls.sqlite", certfile=cert, keyfile=key)
    try:
        url = f"https://localhost:{central.server.port}"
        outbox.submit(make_case(1))
        untrusted = Pusher(outbox, make_client(url, ca_bundle=other_ca), retry_base=0.01).round()
        assert "TLS verification failed" in untrusted.failed[make_case(1).case_no]
        assert central.store.completed() == {}
        system_store = Pusher(outbox, make_client(url), retry_base=0.01)
        time.sleep(0.05)
        assert not system_store.round().ok  # a private CA is not trusted by default either
        time.sleep(0.05)
        assert Pusher(outbox, make_client(url, ca_bundle=ca), retry_base=0.01).round().ok
        assert list(central.store.completed()) == [make_case(1).case_no]
    finally:
        central.server.stop()


def test_mutual_tls_client_certificate(outbox: Outbox, tmp_path: Path) -> None:
    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _pem(tmp_path / "ca.pem", _certificate("Test CA", ca_key, ca_key, "Test CA", True))
    cert = _pem(tmp_path / "server.pem", _certificate("localhost", ca_key, server_key, "Test CA", False))
    client_cert = _pem(tmp_path / "client.pem", _certificate("T0001", ca_key, client_key, "Test CA", False))
    keys = {}
    for name, key in (("server", server_key), ("client", client_key)):
        keys[name] = tmp_path / f"{name}.key"
        keys[name].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    central = start_central(tmp_path / "mtls.sqlite", certfile=cert, keyfile=keys["server"], client_ca=ca)
    try:
        url = f"https://localhost:{central.server.port}"
        outbox.submit(make_case(1))
        without = Pusher(outbox, make_client(url, ca_bundle=ca, attempts=1), retry_base=0.01).round()
        assert not without.ok and central.store.completed() == {}
        time.sleep(0.05)
        with_cert = Pusher(outbox, make_client(url, ca_bundle=ca, client_cert=client_cert, client_key=keys["client"]),
                           retry_base=0.01).round()
        assert with_cert.ok and list(central.store.completed()) == [make_case(1).case_no]
    finally:
        central.server.stop()


def test_bandwidth_cap_slows_uploads() -> None:
    throttle = Throttle(kbps=500, stop=threading.Event())
    started = time.monotonic()
    for _ in range(4):
        throttle.wait(64 * 1024)  # 256 KiB at 500 KiB/s: the last three wait about 0.38 s together
    assert 0.3 < time.monotonic() - started < 1.0
    with pytest.raises(PlatformError):
        stopped = make_client("http://127.0.0.1:9")
        stopped.stop.set()
        stopped.request("GET", "/v1/progress/x")
