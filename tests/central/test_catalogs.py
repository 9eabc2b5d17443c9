"""Catalogs from the console: validated, signed with the key file, published, installed by a terminal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gov_central.catalogs import new_key
from gov_central.operators import Operators
from gov_central.server import CentralStore
from gov_central.service import create_service
from sync.downlink import fetch_catalog, heartbeat_body, installed_version, send_heartbeat
from sync.httpserver import ServerThread
from sync.outbox import Outbox
from terminal.catalog import SHIPPED_DIR
from tests.central.conftest import login
from tests.sync.conftest import make_client
from tests.sync.helpers import SECRET

PASSWORD = "测试密码-0123456789"


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """The service with a catalog folder and a signing key file; (url, public key, data dir of a terminal)."""
    public = new_key(tmp_path / "catalog.key")
    store = CentralStore(tmp_path / "central.sqlite")
    Operators(store.db).add("测试管理员", "管理员", PASSWORD)
    app = create_service(store, SECRET, catalog_dir=tmp_path / "catalogs", catalog_key=tmp_path / "catalog.key")
    server = ServerThread(app, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{server.port}", public, tmp_path / "terminal"
    server.stop()
    store.close()


def _publish(session: requests.Session, url: str, csrf: str, data: bytes) -> str:
    return session.post(f"{url}/console/catalogs", data=data, timeout=30,
                        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf}).text


def test_published_catalog_is_installed_by_a_terminal_and_its_version_shown(published) -> None:
    url, public, data_dir = published
    session, csrf = login(url, "测试管理员", PASSWORD)
    catalog = (SHIPPED_DIR / "jiyuan.json").read_bytes()
    assert "已发布 jiyuan 第 1 版" in _publish(session, url, csrf, catalog)
    assert "已发布 jiyuan 第 2 版" in _publish(session, url, csrf, catalog)
    key_file_text = (Path(data_dir).parent / "catalog.key").read_text()
    assert key_file_text.strip() not in session.get(f"{url}/console/catalogs", timeout=10).text  # never shown
    client = make_client(url)
    assert fetch_catalog(client, "jiyuan", (public,), data_dir)
    assert installed_version(data_dir, "jiyuan") == 2
    page = session.get(f"{url}/console/catalogs", timeout=10).text
    assert "<td>T0001</td><td>jiyuan</td><td>未报告</td><td>2</td>" in page  # fetched; running not yet said
    box = Outbox(data_dir / "box", min_free_mb=10)
    try:
        send_heartbeat(client, heartbeat_body("T0001", box, {}, catalog_version=installed_version(data_dir, "jiyuan")))
    finally:
        box.close()
    page = session.get(f"{url}/console/catalogs", timeout=10).text
    assert "<td>T0001</td><td>jiyuan</td><td>2</td><td>2</td>" in page  # the heartbeat says version 2 runs


def test_invalid_catalog_is_refused_with_the_place_and_nothing_published(published) -> None:
    url, _, data_dir = published
    session, csrf = login(url, "测试管理员", PASSWORD)
    broken = json.loads((SHIPPED_DIR / "jiyuan.json").read_text(encoding="utf-8"))
    del broken["items"][0]["id"]
    page = _publish(session, url, csrf, json.dumps(broken, ensure_ascii=False).encode())
    assert 'id="problem"' in page and "items[0]" in page and 'id="done"' not in page and "尚未发布" in page
    assert not (data_dir.parent / "catalogs" / "jiyuan.signed.json").exists()
    forged = session.post(f"{url}/console/catalogs", data=(SHIPPED_DIR / "jiyuan.json").read_bytes(), timeout=30,
                          headers={"Content-Type": "application/json", "X-CSRF-Token": "wrong"})
    assert forged.status_code == 403
