"""填写范本 from the console to the terminal: published and signed by the platform, downloaded with the
catalog that names them, refused when tampered with, and gone once the catalog no longer names them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from gov_central.catalogs import Catalogs, new_key
from gov_central.operators import Operators
from gov_central.server import CentralStore
from gov_central.service import create_service
from sync.downlink import fetch_catalog
from sync.forms import MAX_FORM_ENVELOPE_BYTES, FormsRound, named_forms, update_forms
from sync.httpserver import Receive, Scope, Send, ServerThread
from sync.outbox import Outbox
from sync.service import SyncService
from terminal import config as config_module
from terminal.catalog import CatalogError
from terminal.sample_forms import MAX_FORM_BYTES, forms_folder, load_form
from tests.a4printer.documents import catalog_naming_forms, sample_form
from tests.central.conftest import login
from tests.sync.conftest import make_client
from tests.sync.helpers import SECRET, TERMINAL_ID, write_secret

PASSWORD = "测试密码-0123456789"
REGION = "jiyuan"
NAME_CHANGE = "hukou-name-change/apply_form"


@dataclass
class Platform:
    url: str
    public: str
    catalogs: Catalogs
    folder: Path            # the platform's catalog folder
    data_dir: Path          # a terminal's
    asked: list[str]        # paths of the form requests the platform answered

    def publish_catalog(self, version: str, forms: dict[str, str]) -> None:
        self.catalogs.publish(catalog_naming_forms(REGION, version, forms), "测试管理员")

    def sync(self) -> FormsRound:
        """One catalog round of the terminal's sync service: the catalog, then the forms it names."""
        client = make_client(self.url)
        try:
            fetch_catalog(client, REGION, (self.public,), self.data_dir)
            return update_forms(client, REGION, (self.public,), self.data_dir)
        finally:
            client.close()


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    public = new_key(tmp_path / "catalog.key")
    store = CentralStore(tmp_path / "central.sqlite")
    Operators(store.db).add("测试管理员", "管理员", PASSWORD)
    service = create_service(store, SECRET, catalog_dir=tmp_path / "catalogs", catalog_key=tmp_path / "catalog.key")
    asked: list[str] = []

    async def noting(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("path", "").startswith("/v1/forms/"):
            asked.append(scope["path"])
        await service(scope, receive, send)

    server = ServerThread(noting, "127.0.0.1", 0).start()
    yield Platform(f"http://127.0.0.1:{server.port}", public, Catalogs(store.db, tmp_path / "catalogs",
                   tmp_path / "catalog.key"), tmp_path / "catalogs", tmp_path / "terminal", asked)
    server.stop()
    store.close()


def test_a_form_published_in_the_console_is_downloaded_with_the_catalog_that_names_it(platform: Platform) -> None:
    session, csrf = login(platform.url, "测试管理员", PASSWORD)
    pdf = sample_form(True).data
    page = session.post(f"{platform.url}/console/forms", params={"region": REGION, "name": "变更姓名申请表.pdf"},
                        data=pdf, headers={"Content-Type": "application/pdf", "X-CSRF-Token": csrf}, timeout=30).text
    assert 'id="done"' in page and "变更姓名申请表.pdf" in page and "forms/变更姓名申请表.pdf" in page
    assert platform.sync().fetched == []  # the catalog does not name it yet: nothing is asked for
    assert platform.asked == []
    platform.publish_catalog("2027-01", {NAME_CHANGE: "变更姓名申请表.pdf"})
    done = platform.sync()
    assert done.fetched == ["变更姓名申请表.pdf"]
    assert load_form(platform.data_dir, REGION, "变更姓名申请表.pdf", (platform.public,)) == pdf
    again = platform.sync()  # the next round: verified on disk, not downloaded again
    assert again.kept == ["变更姓名申请表.pdf"] and again.fetched == [] and len(platform.asked) == 1


def test_the_console_refuses_what_is_not_a_pdf_or_could_leave_the_folder(platform: Platform) -> None:
    session, csrf = login(platform.url, "测试管理员", PASSWORD)

    def post(name: str, data: bytes, token: str = csrf) -> requests.Response:
        return session.post(f"{platform.url}/console/forms", params={"region": REGION, "name": name}, data=data,
                            headers={"Content-Type": "application/pdf", "X-CSRF-Token": token}, timeout=30)

    pdf = sample_form(False).data
    for name in ("../keys.pdf", ".hidden.pdf", "a\\b.pdf", "表.docx", "x" * 300 + ".pdf"):
        assert 'id="problem"' in post(name, pdf).text, name
    assert 'id="problem"' in post("表.pdf", b"not a pdf").text
    assert post("表.pdf", pdf, token="wrong").status_code == 403
    damaged = platform.folder / "forms" / REGION / "坏.pdf.signed.json"
    damaged.parent.mkdir(parents=True)
    damaged.write_text("{")  # the console still shows its page, and says which file is damaged
    assert "文件损坏" in session.get(f"{platform.url}/console/catalogs", timeout=10).text
    damaged.unlink()
    assert 'id="problem"' in post("表.pdf", b"%PDF-" + bytes(MAX_FORM_BYTES - 4)).text  # one byte over: in words
    assert post("表.pdf", b"%PDF-" + bytes(MAX_FORM_BYTES)).status_code == 413  # (the page says so before sending)
    assert not list(platform.folder.rglob("*.signed.json"))


def test_a_form_no_longer_named_is_deleted_and_a_new_one_fetched(platform: Platform) -> None:
    platform.catalogs.publish_form(REGION, "旧表.pdf", sample_form(False).data)
    platform.catalogs.publish_form(REGION, "新表.pdf", sample_form(True).data)
    platform.publish_catalog("2027-01", {NAME_CHANGE: "旧表.pdf"})
    assert platform.sync().fetched == ["旧表.pdf"]
    folder = forms_folder(platform.data_dir, REGION)
    (folder / ".旧表.pdf.tmp-crash").write_bytes(b"left by a power cut")
    platform.publish_catalog("2027-02", {NAME_CHANGE: "新表.pdf"})
    done = platform.sync()
    assert done.fetched == ["新表.pdf"]
    assert done.removed == sorted([".旧表.pdf.tmp-crash", "旧表.pdf", "旧表.pdf.signature.json"])
    assert sorted(p.name for p in folder.iterdir()) == ["新表.pdf", "新表.pdf.signature.json"]


def test_a_tampered_swapped_or_foreign_form_is_refused_and_the_others_still_come(platform: Platform) -> None:
    good, other = sample_form(True).data, sample_form(False).data
    for name in ("改过.pdf", "换过.pdf", "好的.pdf", "别处.pdf"):
        platform.catalogs.publish_form(REGION, name, good)
    platform.catalogs.publish_form("yanshi", "别处.pdf", other)
    forms = platform.folder / "forms" / REGION
    tampered = json.loads((forms / "改过.pdf.signed.json").read_text())
    tampered["pdf"] = json.loads((forms / "换过.pdf.signed.json").read_text())["pdf"][:-8] + "AAAAAAA="
    (forms / "改过.pdf.signed.json").write_text(json.dumps(tampered))
    (forms / "换过.pdf.signed.json").write_text((forms / "好的.pdf.signed.json").read_text())  # another name's
    (forms / "别处.pdf.signed.json").write_text((platform.folder / "forms" / "yanshi" / "别处.pdf.signed.json").read_text())
    platform.publish_catalog("2027-01", {"hukou-name-change/apply_form": "改过.pdf", "hukou-name-change/id_card":
                                         "换过.pdf", "hukou-name-change/hukou_book": "好的.pdf",
                                         "hukou-name-change/reason_proof": "别处.pdf"})
    done = platform.sync()
    assert done.fetched == ["好的.pdf"] and sorted(done.refused) == sorted(["改过.pdf", "换过.pdf", "别处.pdf"])
    assert sorted(p.name for p in forms_folder(platform.data_dir, REGION).iterdir()) == ["好的.pdf",
                                                                                        "好的.pdf.signature.json"]


def test_a_missing_or_oversized_answer_is_not_installed_and_asked_again(platform: Platform) -> None:
    platform.publish_catalog("2027-01", {NAME_CHANGE: "还没有.pdf", "hukou-name-change/id_card": "太大.pdf"})
    huge = platform.folder / "forms" / REGION / "太大.pdf.signed.json"
    huge.parent.mkdir(parents=True)
    huge.write_bytes(b'{"pdf": "' + b"A" * MAX_FORM_ENVELOPE_BYTES + b'"}')
    done = platform.sync()
    assert done.missing == ["还没有.pdf"] and done.refused == ["太大.pdf"] and done.fetched == []
    platform.catalogs.publish_form(REGION, "还没有.pdf", sample_form(True).data)
    assert platform.sync().fetched == ["还没有.pdf"]


def test_a_catalog_names_forms_only_by_plain_file_names(tmp_path: Path) -> None:
    catalog = json.loads(catalog_naming_forms(REGION, "2027-01", {NAME_CHANGE: "申请表.pdf"}))
    guide = next(row["guide"] for row in catalog["items"] if "guide" in row and any(
        m["sample_form"] == "forms/申请表.pdf" for m in row["guide"]["materials"]))
    guide["materials"] += [dict(guide["materials"][0], sample_form=value) for value in (
        "forms/../../keys/platform.pdf", "forms/.hidden.pdf", "forms/sub/a.pdf", "申请表（填写样表）", "forms/申请表.pdf")]
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / f"{REGION}.json").write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    assert named_forms(tmp_path, REGION) == ["申请表.pdf"]
    (tmp_path / "catalog" / f"{REGION}.json").write_bytes(b"[" * 10_000)
    assert named_forms(tmp_path, REGION) is None  # (unreadable now: nothing fetched, nothing deleted)
    assert named_forms(tmp_path / "nothing", REGION) == []


def test_the_sync_service_fetches_the_forms_in_its_catalog_round(platform: Platform, tmp_path: Path) -> None:
    platform.catalogs.publish_form(REGION, "变更姓名申请表.pdf", sample_form(True).data)
    platform.publish_catalog("2027-01", {NAME_CHANGE: "变更姓名申请表.pdf"})
    config = config_module.from_dict({
        "terminal": {"id": TERMINAL_ID, "region": REGION},
        "storage": {"data_dir": str(platform.data_dir), "min_free_mb": 10},
        "platform": {"url": platform.url, "credentials": str(write_secret(tmp_path / "secret")),
                     "catalog_keys": [platform.public]},
    })
    outbox = Outbox.from_config(config)
    service = SyncService(config, outbox)
    arrived = threading.Event()

    def tick() -> None:
        try:
            load_form(platform.data_dir, REGION, "变更姓名申请表.pdf", (platform.public,))
            arrived.set()
        except CatalogError:
            pass

    runner = threading.Thread(target=service.run, args=(tick,))
    runner.start()
    try:
        assert arrived.wait(30)
    finally:
        service.stop.set()
        runner.join(10)
        outbox.close()
    assert not runner.is_alive()
