"""What comes from the platform, over real sockets: hostile catalog answers, a black hole, a trickle, bad receipts.

Every refusal leaves the current catalog and the queued cases alone, and the sync service running.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sync import downlink
from sync.client import ClientSettings, PlatformClient
from sync.outbox import Outbox
from sync.push import Pusher
from sync.service import SyncService
from terminal import config as config_module, events
from terminal.catalog import load_catalog
from terminal.errors import ConfigError, PlatformError
from tests.sync.helpers import SECRET, TERMINAL_ID, make_case, write_secret

REGION = "jiyuan"
SHIPPED = Path(__file__).resolve().parents[2] / "terminal" / "catalogs" / f"{REGION}.json"
MiB = 1024 * 1024

Answer = Callable[[str, str], Iterator[bytes]]  # (method, path) -> the raw bytes to write back


class RawPlatform:
    """A platform written on bare sockets, so it can answer what no well-behaved server would."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.requests: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head and (chunk := conn.recv(65536)):
                head += chunk
            lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ")
            length = next((int(v) for k, _, v in (line.partition(": ") for line in lines[1:])
                           if k.lower() == "content-length"), 0)
            body = head.split(b"\r\n\r\n", 1)[1]
            while len(body) < length and (chunk := conn.recv(65536)):
                body += chunk
            self.requests.append(f"{method} {path}")
            try:
                for piece in self.answer(method, path):
                    conn.sendall(piece)
            except OSError:
                pass  # the terminal hung up, as it should on a bad answer

    def close(self) -> None:
        self.listener.close()


def reply(body: bytes, status: str = "200 OK", **headers: str) -> Iterator[bytes]:
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    yield (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
           f"Connection: close\r\n{extra}\r\n").encode("latin-1") + body


@pytest.fixture
def platform_answer() -> Iterator[list[Answer]]:
    """Set `platform_answer[0]` to choose what the platform answers."""
    yield [lambda method, path: reply(b"{}")]


@pytest.fixture
def platform(platform_answer: list[Answer]) -> Iterator[RawPlatform]:
    server = RawPlatform(lambda method, path: platform_answer[0](method, path))
    yield server
    server.close()


def client_for(url: str, timeout: float = 2.0) -> PlatformClient:
    return PlatformClient(ClientSettings(base_url=url, terminal_id=TERMINAL_ID, secret=SECRET,
                                         timeout_seconds=timeout, backoff_base=0.02, backoff_cap=0.1))


def public(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def catalog_bytes(version: str) -> bytes:
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    data["version"] = version
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def refused_events(since: int) -> list[events.Event]:
    return [e for e in events.EVENTS.recent(1000)[since:] if e.event is events.EventId.CATALOG_REFUSED]


BOMBS = {
    "infinite version": b'{"format": "gov-terminal-catalog/1", "region": "jiyuan", "version": Infinity,'
                        b' "catalog": "", "signature": ""}',
    "nan version": b'{"format": "gov-terminal-catalog/1", "region": "jiyuan", "version": NaN}',
    "float overflow": b'{"format": "gov-terminal-catalog/1", "region": "jiyuan", "version": 1e400}',
    "huge integer": b'{"format": "gov-terminal-catalog/1", "region": "jiyuan", "version": ' + b"9" * 5000 + b"}",
    "200,000 brackets": b"[" * 200_000 + b"]" * 200_000,
    "deep object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "not json": b"<html>gateway</html>",
    "a list": b"[1, 2, 3]",
    "version as text": b'{"format": "gov-terminal-catalog/1", "region": "jiyuan", "version": "5",'
                       b' "catalog": "", "signature": ""}',
}


@pytest.mark.parametrize("bomb", BOMBS, ids=list(BOMBS))
def test_hostile_catalog_answer_is_refused_and_the_service_stays_up(
        bomb: str, tmp_path: Path, platform: RawPlatform, platform_answer: list[Answer]) -> None:
    platform_answer[0] = lambda method, path: reply(BOMBS[bomb]) if "catalog" in path else reply(b"{}")
    secret = write_secret(tmp_path / "secret")
    config = config_module.from_dict({
        "storage": {"data_dir": str(tmp_path / "data"), "min_free_mb": 10},
        "platform": {"url": platform.url, "credentials": str(secret),
                     "catalog_keys": [public(Ed25519PrivateKey.generate())],
                     "push_interval_seconds": 1},
    })
    outbox = Outbox.from_config(config)
    service = SyncService(config, outbox)
    seen = len(events.EVENTS.recent(1000))
    ticks = [0]

    def tick() -> None:
        ticks[0] += 1
        if any("catalog" in r for r in platform.requests):
            service.stop.set()

    try:
        service.run(on_tick=tick)  # returns normally: no OverflowError, RecursionError or anything else
    finally:
        outbox.close()
    assert downlink.installed_version(tmp_path / "data", REGION) == 0
    assert not (tmp_path / "data" / "catalog" / f"{REGION}.json").exists()
    assert refused_events(seen)


def _streaming_forever(method: str, path: str) -> Iterator[bytes]:
    yield b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    yield b'{"format": "gov-terminal-catalog/1", "catalog": "'
    chunk = b"A" * MiB
    for _ in range(300):
        yield chunk


def _rss_mb() -> float:
    line = next(row for row in Path("/proc/self/status").read_text().splitlines() if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def test_a_300_mb_answer_is_refused_without_buffering_it(tmp_path: Path, platform: RawPlatform,
                                                          platform_answer: list[Answer]) -> None:
    client = client_for(platform.url)
    before = _rss_mb()
    platform_answer[0] = _streaming_forever
    with pytest.raises(downlink.CatalogRefused, match="larger than"):
        downlink.fetch_catalog(client, REGION, (), tmp_path)
    platform_answer[0] = lambda method, path: iter([f"HTTP/1.1 200 OK\r\nContent-Length: {300 * MiB}\r\n\r\n".encode()])
    started = time.monotonic()
    with pytest.raises(downlink.CatalogRefused, match="larger than"):
        downlink.fetch_catalog(client, REGION, (), tmp_path)
    assert time.monotonic() - started < 1.0  # refused from the header, nothing read
    assert _rss_mb() - before < 80  # the cap is 21 MiB; the old code held all 300 MB and more
    client.close()


def _install(signer: Ed25519PrivateKey, data_dir: Path, version: int) -> None:
    envelope = downlink.sign_catalog(signer, REGION, version, catalog_bytes(f"v{version}"))
    assert downlink.accept_catalog(envelope, REGION, (public(signer),), data_dir)


@pytest.mark.parametrize("stamp", [b"", b"{not json", b'{"version": Infinity}', b"[" * 200_000, b'{"version": "x"}'])
def test_a_corrupt_stamp_is_set_aside_when_a_valid_update_arrives(tmp_path: Path, stamp: bytes) -> None:
    signer = Ed25519PrivateKey.generate()
    _install(signer, tmp_path, 3)
    (tmp_path / "catalog" / f"{REGION}.signature.json").write_bytes(stamp)
    seen = len(events.EVENTS.recent(1000))
    _install(signer, tmp_path, 4)
    assert downlink.installed_version(tmp_path, REGION) == 4
    assert (tmp_path / "catalog" / f"{REGION}.signature.json.corrupt").read_bytes() == stamp
    assert refused_events(seen)
    assert load_catalog(REGION, tmp_path, catalog_keys=(public(signer),)).version == "v4"


def test_an_edited_installed_catalog_is_refused_and_a_valid_update_repairs_it(tmp_path: Path) -> None:
    signer = Ed25519PrivateKey.generate()
    keys = (public(signer),)
    _install(signer, tmp_path, 5)
    assert load_catalog(REGION, tmp_path, catalog_keys=keys).version == "v5"
    installed = tmp_path / "catalog" / f"{REGION}.json"
    installed.write_bytes(installed.read_bytes().replace(b'"v5"', b'"v5-edited"'))
    seen = len(events.EVENTS.recent(1000))
    shipped_version = json.loads(SHIPPED.read_text(encoding="utf-8"))["version"]
    assert load_catalog(REGION, tmp_path, catalog_keys=keys).version == shipped_version
    assert load_catalog(REGION, tmp_path).version == shipped_version  # the stamp's SHA-256 alone catches it
    assert refused_events(seen)
    # Editing the stamp's SHA-256 as well: the signature no longer matches.
    stamp_file = tmp_path / "catalog" / f"{REGION}.signature.json"
    stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
    stamp["sha256"] = hashlib.sha256(installed.read_bytes()).hexdigest()
    stamp_file.write_text(json.dumps(stamp), encoding="utf-8")
    assert load_catalog(REGION, tmp_path, catalog_keys=keys).version == shipped_version
    # The platform sending the same signed version again puts the good bytes back.
    again = downlink.sign_catalog(signer, REGION, 5, catalog_bytes("v5"))
    assert downlink.accept_catalog(again, REGION, keys, tmp_path)
    assert load_catalog(REGION, tmp_path, catalog_keys=keys).version == "v5"


@pytest.mark.parametrize("url", ["http://192.0.2.10:8443", "http://platform.example.cn", "http://10.0.0.1",
                                 "ftp://127.0.0.1", "http://[2001:db8::1]:80", "https://"])
def test_plain_http_is_refused_off_this_machine(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        ClientSettings(base_url=url, terminal_id=TERMINAL_ID, secret=SECRET)
    assert "https://" in refused.value.message and "HTTPS" in refused.value.advice_zh
    config = config_module.from_dict({
        "storage": {"data_dir": str(tmp_path / "data"), "min_free_mb": 10},
        "platform": {"url": url, "credentials": str(write_secret(tmp_path / "secret"))},
    }) if url.startswith("http://") else None
    if config is not None:
        outbox = Outbox.from_config(config)
        try:
            with pytest.raises(ConfigError):
                SyncService(config, outbox)  # `terminal sync serve` stops at startup with these words
        finally:
            outbox.close()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8700", "http://127.8.9.10", "http://[::1]:8700",
                                 "http://localhost:8700", "https://platform.example.cn"])
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    assert ClientSettings(base_url=url, terminal_id=TERMINAL_ID, secret=SECRET).base_url == url


def _trickle(method: str, path: str) -> Iterator[bytes]:
    yield b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    for _ in range(1000):
        time.sleep(0.2)  # the platform's pace, not the test waiting
        yield b" "


def test_a_trickling_answer_ends_at_the_deadline(platform: RawPlatform, platform_answer: list[Answer]) -> None:
    platform_answer[0] = _trickle
    client = client_for(platform.url, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(PlatformError):
        client.request("GET", "/v1/progress/X")
    assert time.monotonic() - started < client.settings.deadline_seconds + 1.0
    client.close()


@pytest.mark.parametrize("receipt", ["", "R" * 201, "PLT\n0001", "PLT\x1b[2J", 7, None, ["R"]])
def test_an_invalid_receipt_from_push_leaves_the_case_queued(
        receipt: object, tmp_path: Path, platform: RawPlatform, platform_answer: list[Answer]) -> None:
    outbox = Outbox(tmp_path / "terminal", min_free_mb=10)
    case = make_case(1, pages=1, page_bytes=1000)
    outbox.submit(case)
    held = {item.name: item.size for item in outbox.attachments(case.case_no)}  # nothing left to upload
    stored = json.dumps({"received": held} if receipt is None else {"receipt": receipt, "received": held}).encode()
    completed = json.dumps({"receipt": receipt}).encode()
    platform_answer[0] = lambda method, path: reply(completed if path.endswith("/complete") else stored)
    client = client_for(platform.url)
    try:
        result = Pusher(outbox, client, records_at_once=1).round()
        assert "receipt" in result.failed[case.case_no]
        assert outbox.record(case.case_no).state == "queued"
    finally:
        client.close()
        outbox.close()


def test_the_technician_panel_shows_a_corrupt_stamp_as_no_update(tmp_path: Path) -> None:
    from terminal.assembly.technician_tools import catalog_state

    config = config_module.from_dict({"storage": {"data_dir": str(tmp_path / "data"), "min_free_mb": 10}})
    folder = downlink.catalog_folder(tmp_path / "data")
    folder.mkdir(parents=True)
    (folder / f"{config.terminal.region}.signature.json").write_bytes(b'{"version": 1e400')
    assert catalog_state(config)["version"] == 0


def test_progress_answers_from_the_terminal_when_the_platform_url_is_refused(tmp_path: Path) -> None:
    config = config_module.from_dict({
        "storage": {"data_dir": str(tmp_path / "data"), "min_free_mb": 10},
        "platform": {"url": "http://192.0.2.10", "credentials": str(write_secret(tmp_path / "secret"))},
    })
    outbox = Outbox.from_config(config)
    try:
        outbox.submit(make_case(1))
        answer = downlink.progress_for(config, make_case(1).case_no, outbox)
    finally:
        outbox.close()
    assert answer.source == "terminal" and answer.status == "on_terminal"


HOSTILE_ANSWERS = {"deep": b"[" * 500_000 + b"]" * 500_000, "nan": b'{"receipt": NaN, "received": {}}',
                   "a list": b"[1]", "truncated": b'{"receipt": "R'}


@pytest.mark.parametrize("answer", HOSTILE_ANSWERS, ids=list(HOSTILE_ANSWERS))
def test_a_hostile_push_or_progress_answer_fails_one_try_not_the_service(
        answer: str, tmp_path: Path, platform: RawPlatform, platform_answer: list[Answer]) -> None:
    platform_answer[0] = lambda method, path: reply(HOSTILE_ANSWERS[answer])
    outbox = Outbox(tmp_path / "terminal", min_free_mb=10)
    case = make_case(1, pages=1, page_bytes=1000)
    outbox.submit(case)
    client = client_for(platform.url)
    try:
        result = Pusher(outbox, client, records_at_once=1).round()  # no RecursionError out of the round
        assert case.case_no in result.failed and outbox.record(case.case_no).state == "queued"
        shown = downlink.progress(case.case_no, outbox, client)
        assert shown.source == "terminal" and shown.status == "on_terminal"
    finally:
        client.close()
        outbox.close()
