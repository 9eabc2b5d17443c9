"""Catalog format, loader (shipped, updated, fallback), sample guides and the `terminal catalog` command."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from terminal.cases import CaseKind
from terminal.catalog import SCHEMA_FILE, SHIPPED_DIR, CatalogError, Guide, Item, MaterialSpec, load_catalog, read_catalog
from terminal.cli import main

GUIDE: dict[str, Any] = {
    "sample": True, "conditions": "本地户籍居民。",
    "materials": [{"id": "id_card", "name": "居民身份证", "form": "原件"},
                  {"id": "hukou_book", "name": "居民户口簿", "form": "原件及复印件", "count": 2, "required": False,
                   "note": "首页及本人页", "sample_form": "样表.pdf"}],
    "process": ["提交", "审核", "办结"], "legal_days": 20, "promised_days": 5, "case_kind": "承诺件",
    "result": "户口簿", "fees": "不收费", "consult_phone": "0391-6600000", "complaint_phone": "12345",
    "themes": ["户籍办理"],
}


def row(seq: int, handling: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"jiyuan-{seq:03d}", "seq": seq, "main_item": "户口登记、注销、迁移", "sub_item": "户口登记、注销、迁移",
            "handling_item": handling, "item_type": "行政确认", "level": "D", "department": "市公安局",
            "note": "省目录", **extra}


def catalog_json(version: str = "2022.1", items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"format": 1, "region": "jiyuan", "title": "测试目录", "version": version, "source": "测试",
            "items": items if items is not None else [row(1, "户口簿补发"), row(2, "户口登记(变更姓名)"),
                                                      row(3, "", sub_item="", main_item="初次兵役登记")]}


def write(path: Path, data: Any) -> Path:
    """Write JSON; into a data folder's catalog/ with the stamp an installed update has (unsigned here)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    if path.parent.name == "catalog":
        stamp = {"version": 1, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "signature": ""}
        path.with_name(f"{path.stem}.signature.json").write_text(json.dumps(stamp), encoding="utf-8")
    return path


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A shipped-catalog folder with a small Jiyuan catalog and one sample guide for item 2."""
    folder = tmp_path / "shipped"
    write(folder / "jiyuan.json", catalog_json())
    write(folder / "sample_guides.json", {"format": 1, "guides": {"rename": GUIDE},
                                          "items": {"jiyuan-002": {"guide": "rename", "title": "户口登记（变更姓名）"},
                                                    "yanshi-097": {"guide": "rename", "title": "户口登记（变更姓名）"}}})
    return folder


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_shipped_catalog_gets_sample_guides(shipped: Path, tmp_path: Path) -> None:
    catalog = load_catalog("jiyuan", tmp_path / "data", shipped_dir=shipped)
    assert (catalog.version, len(catalog)) == ("2022.1", 3)
    guide = catalog.get("jiyuan-002").guide
    assert guide is not None and guide.sample and guide.case_kind is CaseKind.PROMISED
    assert guide.materials[1] == MaterialSpec("hukou_book", "居民户口簿", "原件及复印件", 2, False, "首页及本人页", "样表.pdf")
    assert catalog.get("jiyuan-001").guide is None
    assert catalog.themes() == ["户籍办理"] and catalog.by_theme("户籍办理") == [catalog.get("jiyuan-002")]


def test_title_falls_back_to_sub_then_main_item(shipped: Path) -> None:
    catalog = load_catalog("jiyuan", shipped_dir=shipped)
    assert catalog.get("jiyuan-001").title == "户口簿补发"
    assert catalog.get("jiyuan-003").title == "初次兵役登记"
    item = Item("x-1", 1, "主项", "子项", "", "公共服务", "D", "部门")
    assert item.title == "子项" and item.note == "" and item.themes == ()


def test_sample_guide_for_a_renumbered_item_is_left_out(shipped: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = catalog_json(items=[row(1, "户口簿补发"), row(2, "回国(入境)恢复户口")])
    write(shipped / "jiyuan.json", data)
    with caplog.at_level(logging.WARNING, logger="terminal.catalog"):
        catalog = load_catalog("jiyuan", shipped_dir=shipped)
    assert catalog.get("jiyuan-002").guide is None
    assert "sample_guide_skipped item=jiyuan-002" in caplog.text


def test_updated_catalog_replaces_shipped(shipped: Path, tmp_path: Path) -> None:
    official = dict(GUIDE, sample=False, promised_days=3)
    update = catalog_json("2023.2", [row(1, "户口簿补发", guide=official), row(7, "收养入户")])
    write(tmp_path / "data" / "catalog" / "jiyuan.json", update)
    catalog = load_catalog("jiyuan", tmp_path / "data", shipped_dir=shipped)
    assert catalog.version == "2023.2"
    assert [i.id for i in catalog.items] == ["jiyuan-001", "jiyuan-007"]
    guide = catalog.get("jiyuan-001").guide
    assert guide is not None and not guide.sample and guide.promised_days == 3
    assert catalog.search("syrh")[0].id == "jiyuan-007"  # the index is built for the update


@pytest.mark.parametrize("damage", ["not json", "wrong region", "bad row"])
def test_invalid_update_falls_back_to_shipped_with_a_warning(
        damage: str, shipped: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "data" / "catalog" / "jiyuan.json"
    if damage == "not json":
        path.parent.mkdir(parents=True)
        path.write_text("{\"format\": 1,", encoding="utf-8")
    elif damage == "wrong region":
        write(path, dict(catalog_json("2023.2"), region="yanshi"))
    else:
        write(path, catalog_json("2023.2", [row(1, "户口簿补发", level="X")]))
    with caplog.at_level(logging.WARNING, logger="terminal.catalog"):
        catalog = load_catalog("jiyuan", tmp_path / "data", shipped_dir=shipped)
    assert catalog.version == "2022.1" and catalog.get("jiyuan-002").guide is not None
    assert "catalog_update_rejected region=jiyuan" in caplog.text and str(path) in caplog.text


def problem(tmp_path: Path, data: Any) -> str:
    with pytest.raises(CatalogError) as caught:
        read_catalog(write(tmp_path / "broken.json", data))
    return caught.value.message


def test_bad_type_names_file_item_and_path(tmp_path: Path) -> None:
    data = catalog_json()
    data["items"][1]["seq"] = "2"
    message = problem(tmp_path, data)
    assert str(tmp_path / "broken.json") in message
    assert "item jiyuan-002 at items[1].seq: '2' is not of type 'integer'" in message


def test_missing_field_names_file_item_and_path(tmp_path: Path) -> None:
    data = catalog_json()
    del data["items"][2]["department"]
    assert "item jiyuan-003 at items[2]: 'department' is a required property" in problem(tmp_path, data)


def test_bad_guide_value_names_the_path_inside_the_guide(tmp_path: Path) -> None:
    guide = copy.deepcopy(GUIDE)
    guide["materials"][1]["form"] = "扫描件"
    data = catalog_json(items=[row(1, "户口簿补发", guide=guide)])
    message = problem(tmp_path, data)
    assert "item jiyuan-001 at items[0].guide.materials[1].form: '扫描件' is not one of" in message


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.pop("version"), "at (top level): 'version' is a required property"),
    (lambda d: d["items"].append(row(1, "重复")), "item jiyuan-001 at items[3].id: duplicate item id"),
    (lambda d: d["items"][0].update(guide=dict(GUIDE, case_kind="退办件")), "items[0].guide.case_kind"),
    (lambda d: d["items"][0].update(extra="x"), "Additional properties are not allowed ('extra' was unexpected)"),
])
def test_other_format_problems(tmp_path: Path, change: Any, expected: str) -> None:
    data = catalog_json()
    change(data)
    assert expected in problem(tmp_path, data)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="does not exist"):
        read_catalog(tmp_path / "nothing.json")
    with pytest.raises(CatalogError, match="no catalog for region 'nowhere'"):
        load_catalog("nowhere", shipped_dir=tmp_path)
    error = CatalogError("x")
    assert "事项目录" in error.for_people()


def test_guide_json_round_trip() -> None:
    guide = Guide.from_json(GUIDE)
    assert Guide.from_json(guide.to_json()) == guide
    assert guide.materials[0] == MaterialSpec("id_card", "居民身份证", "原件")


def test_browse_helpers(shipped: Path) -> None:
    catalog = load_catalog("jiyuan", shipped_dir=shipped)
    assert catalog.departments() == ["市公安局"] and catalog.item_types() == ["行政确认"]
    assert len(catalog.by_department("市公安局")) == 3 and catalog.by_department("别处") == []
    with pytest.raises(KeyError):
        catalog.get("jiyuan-999")


# -- the real shipped catalogs --------------------------------------------------------------


@pytest.mark.parametrize("region, rows", [("jiyuan", 228), ("yanshi", 154)])
def test_real_catalogs_load_with_sample_guides(region: str, rows: int, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        catalog = load_catalog(region)
    assert len(catalog) == rows and "sample_guide_skipped" not in caplog.text
    guided = [item for item in catalog.items if item.guide]
    assert len(guided) >= 12 and all(item.guide.sample for item in guided)
    assert {item.guide.case_kind for item in guided} == {CaseKind.IMMEDIATE, CaseKind.PROMISED, CaseKind.JOINT,
                                                         CaseKind.ESCALATED}
    for item in guided:
        g = item.guide
        assert g.materials and g.process and g.themes, item.id
        assert g.promised_days <= g.legal_days, item.id
        assert (g.promised_days == 0) == (g.case_kind is CaseKind.IMMEDIATE), item.id
    assert {"户籍办理", "社会保障", "生育收养", "老年人服务", "残疾人服务", "就业创业"} <= set(catalog.themes())


def test_every_sample_guide_names_an_existing_item() -> None:
    samples = json.loads((SHIPPED_DIR / "sample_guides.json").read_text(encoding="utf-8"))
    catalogs = {region: load_catalog(region) for region in ("jiyuan", "yanshi")}
    for item_id, entry in samples["items"].items():
        item = catalogs[item_id.split("-")[0]].get(item_id)
        assert item.guide is not None and item.guide == Guide.from_json(samples["guides"][entry["guide"]])


# -- terminal catalog ... -------------------------------------------------------------------


@pytest.fixture
def cli_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration whose data folder is empty (no updated catalog from a developer's machine)."""
    path = tmp_path / "terminal.toml"
    path.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    monkeypatch.setenv("TERMINAL_CONFIG", str(path))
    return path


def test_cli_list_json_has_every_row(cli_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "list", "--region", "jiyuan", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 228
    for key in ("id", "seq", "main_item", "sub_item", "handling_item", "item_type", "level", "department", "note",
                "has_guide"):
        assert all(key in r for r in rows), key
    assert rows[153]["handling_item"] == "户口登记(变更姓名)" and rows[153]["has_guide"] is True
    assert rows[0]["note"] == "省目录"


def test_cli_region_defaults_to_the_configuration(cli_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli_config.write_text(cli_config.read_text(encoding="utf-8") + '[terminal]\nregion = "yanshi"\n', encoding="utf-8")
    assert main(["catalog", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 154


def test_cli_search_and_show(cli_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "search", "hkdj", "--region", "jiyuan", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found and all(r["handling_item"].startswith("户口登记") for r in found[:5])
    assert main(["catalog", "search", "ylbx", "--region", "jiyuan", "--type", "行政许可"]) == 1
    assert capsys.readouterr().out == ""
    assert main(["catalog", "search", "户口", "--department", "市公安局", "--limit", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert main(["catalog", "show", "jiyuan-154", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["guide"]["sample"] is True and shown["guide"]["case_kind"] == "承诺件"
    assert main(["catalog", "show", "jiyuan-154"]) == 0
    text = capsys.readouterr().out
    assert "示例" in text and "居民户口簿（原件及复印件）" in text
    assert main(["catalog", "show", "jiyuan-999"]) == 1


def test_cli_uses_an_updated_catalog_in_the_data_folder(cli_config: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "data" / "catalog" / "jiyuan.json", catalog_json("2030.1"))
    assert main(["catalog", "list", "--region", "jiyuan", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_sample_guides_file_is_checked(shipped: Path) -> None:
    samples = json.loads((shipped / "sample_guides.json").read_text(encoding="utf-8"))
    samples["items"]["jiyuan-002"]["guide"] = "nothing"
    write(shipped / "sample_guides.json", samples)
    with pytest.raises(CatalogError, match="jiyuan-002: no guide named 'nothing'"):
        load_catalog("jiyuan", shipped_dir=shipped)
    samples["guides"]["rename"]["sample"] = False   # shipped demo guides must say they are samples
    write(shipped / "sample_guides.json", samples)
    with pytest.raises(CatalogError, match=r"at guides\.rename\.sample: True was expected"):
        load_catalog("jiyuan", shipped_dir=shipped)
