"""Signed catalog updates, progress queries and heartbeats against the reference central server."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sync import downlink
from sync.downlink import CatalogRefused, accept_catalog, sign_catalog
from sync.outbox import Outbox
from sync.push import Pusher
from tests.sync.conftest import Central, make_client, start_central
from tests.sync.helpers import TERMINAL_ID, make_case

REGION = "jiyuan"


def _catalog_bytes(version: str) -> bytes:
    """A catalog the loader accepts: the shipped one with another version, else a minimal one."""
    shipped = Path(__file__).resolve().parents[2] / "terminal" / "catalogs" / f"{REGION}.json"
    if shipped.exists():
        data = json.loads(shipped.read_text(encoding="utf-8"))
    else:
        data = {"region": REGION, "title": "测试目录", "source": "test", "items": []}
    data["version"] = version
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _public(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


@pytest.fixture
def signer() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def catalog_central(tmp_path: Path) -> Iterator[Central]:
    (tmp_path / "catalogs").mkdir()
    central = start_central(tmp_path / "c.sqlite", catalog_dir=tmp_path / "catalogs")
    yield central
    central.server.stop()


def _publish(central_dir: Path, envelope: dict) -> None:
    (central_dir / f"{REGION}.signed.json").write_text(json.dumps(envelope), encoding="utf-8")


def test_signed_catalog_is_fetched_and_installed_atomically(tmp_path: Path, signer: Ed25519PrivateKey,
                                                             catalog_central: Central) -> None:
    data_dir = tmp_path / "data"
    keys = (_public(Ed25519PrivateKey.generate()), _public(signer))  # any configured key may sign
    client = make_client(catalog_central.url)
    assert downlink.fetch_catalog(client, REGION, keys, data_dir) is False  # nothing published yet
    _publish(tmp_path / "catalogs", sign_catalog(signer, REGION, 3, _catalog_bytes("2027-03")))
    assert downlink.fetch_catalog(client, REGION, keys, data_dir) is True
    installed = data_dir / "catalog" / f"{REGION}.json"
    assert json.loads(installed.read_bytes())["version"] == "2027-03"
    assert downlink.installed_version(data_dir, REGION) == 3
    assert downlink.fetch_catalog(client, REGION, keys, data_dir) is False  # same version: no change
    assert not [p for p in installed.parent.iterdir() if p.name.startswith(".")]
    try:
        from terminal.catalog import SCHEMA_FILE, load_catalog
    except ImportError:
        return
    if SCHEMA_FILE.exists():
        assert load_catalog(REGION, data_dir).version == "2027-03"


def _refused(envelope: dict, keys: tuple[str, ...], data_dir: Path, words: str) -> None:
    before = {p.name: p.read_bytes() for p in (data_dir / "catalog").iterdir()}
    with pytest.raises(CatalogRefused) as info:
        accept_catalog(envelope, REGION, keys, data_dir)
    assert words in info.value.message
    assert {p.name: p.read_bytes() for p in (data_dir / "catalog").iterdir()} == before  # current catalog kept


def test_bad_tampered_and_old_catalogs_are_refused(tmp_path: Path, signer: Ed25519PrivateKey) -> None:
    keys = (_public(signer),)
    assert accept_catalog(sign_catalog(signer, REGION, 5, _catalog_bytes("v5")), REGION, keys, tmp_path)

    tampered = sign_catalog(signer, REGION, 6, _catalog_bytes("v6"))
    tampered["catalog"] = base64.b64encode(_catalog_bytes("v6-evil")).decode("ascii")
    _refused(tampered, keys, tmp_path, "signature")

    bumped = sign_catalog(signer, REGION, 6, _catalog_bytes("v6"))
    bumped["version"] = 7  # the version is signed too
    _refused(bumped, keys, tmp_path, "signature")

    stranger = Ed25519PrivateKey.generate()
    _refused(sign_catalog(stranger, REGION, 8, _catalog_bytes("v8")), keys, tmp_path, "signature")
    _refused(sign_catalog(signer, REGION, 4, _catalog_bytes("v4")), keys, tmp_path, "older")
    _refused(sign_catalog(signer, "yanshi", 9, _catalog_bytes("v9")), keys, tmp_path, "region")
    _refused({"format": "x"}, keys, tmp_path, "wrong format")
    _refused({"format": downlink.CATALOG_FORMAT, "region": REGION}, keys, tmp_path, "malformed")
    _refused(sign_catalog(signer, REGION, 9, b"not json"), keys, tmp_path, "not JSON")
    _refused(sign_catalog(signer, REGION, 9, _catalog_bytes("v9")), ("not-base64!",), tmp_path, "signature")
    assert downlink.installed_version(tmp_path, REGION) == 5


def test_progress_from_platform_then_from_terminal_when_offline(outbox: Outbox, central: Central) -> None:
    case = make_case(1)
    outbox.submit(case)
    offline = downlink.progress(case.case_no, outbox, make_client("http://127.0.0.1:9", attempts=1))
    assert (offline.status, offline.source) == ("on_terminal", "terminal") and "网络恢复" in offline.status_zh
    Pusher(outbox, make_client(central.url), retry_base=0.01).round()
    online = downlink.progress(case.case_no, outbox, make_client(central.url))
    assert (online.status, online.source) == ("received", "platform")
    assert downlink.progress("T0001-20270101-99999", outbox, None).status == "unknown"


def test_heartbeat_carries_health_and_no_personal_data(outbox: Outbox, central: Central) -> None:
    case = make_case(1)
    outbox.submit(case)
    body = downlink.heartbeat_body(TERMINAL_ID, outbox, {"printer": "ok", "camera": "fault"})
    downlink.send_heartbeat(make_client(central.url), body)
    stored = central.store._row("SELECT body FROM heartbeats WHERE terminal_id = ?", (TERMINAL_ID,))["body"]
    assert json.loads(stored)["outbox"]["counts"]["queued"] == 1
    assert json.loads(stored)["devices"] == {"printer": "ok", "camera": "fault"}
    for personal in (case.applicant.name, case.applicant.id_number, case.phone, case.case_no):
        assert personal not in stored


def test_progress_and_catalog_from_configuration(tmp_path: Path, signer: Ed25519PrivateKey,
                                                 catalog_central: Central) -> None:
    from terminal import config as config_module
    from tests.sync.helpers import write_secret

    config = config_module.from_dict({
        "terminal": {"id": TERMINAL_ID, "region": REGION},
        "storage": {"data_dir": str(tmp_path / "data"), "min_free_mb": 10},
        "platform": {"url": catalog_central.url, "credentials": str(write_secret(tmp_path / "s")),
                     "catalog_keys": [_public(signer)]}})
    outbox = Outbox.from_config(config)
    case = make_case(1)
    outbox.submit(case)
    assert downlink.progress_for(config, case.case_no, outbox).status == "on_terminal"  # platform does not know it
    assert downlink.update_catalog(config) is False
    _publish(tmp_path / "catalogs", sign_catalog(signer, REGION, 2, _catalog_bytes("v2")))
    assert downlink.update_catalog(config) is True
    assert downlink.installed_version(config.storage.data_dir, REGION) == 2
