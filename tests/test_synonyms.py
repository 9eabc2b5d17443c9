"""Everyday names (terminal/catalogs/synonyms.json): valid, applied to the right items, and found the
way people type them (Chinese, full pinyin, initials)."""

from __future__ import annotations

import json
import logging

import pytest

from terminal.catalog import SYNONYMS_FILE, Catalog, CatalogError, _with_synonyms, load_catalog


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {region: load_catalog(region) for region in ("jiyuan", "yanshi")}


def test_every_entry_names_a_shipped_item_by_its_title(catalogs: dict[str, Catalog]) -> None:
    entries = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))["items"]
    items = {item.id: item for catalog in catalogs.values() for item in catalog.items}
    assert set(entries) <= set(items)
    for item_id, entry in entries.items():
        item = items[item_id]
        assert entry["title"] == item.title, item_id
        assert set(entry["synonyms"]) <= set(item.synonyms), item_id  # applied, none dropped
        assert len(set(entry["synonyms"])) == len(entry["synonyms"]), f"{item_id}: a name listed twice"
    covered = sum(1 for item in items.values() if item.synonyms)
    assert covered >= 0.95 * len(items)  # people have a common name for nearly every item


def test_a_renumbered_catalog_does_not_get_another_items_names(caplog: pytest.LogCaptureFixture) -> None:
    row = {"id": "jiyuan-122", "handling_item": "别的事项", "sub_item": "", "main_item": ""}
    with caplog.at_level(logging.WARNING):
        out = _with_synonyms({"items": [row]}, SYNONYMS_FILE)
    assert "synonyms" not in out["items"][0]
    assert "event=synonyms_skipped item=jiyuan-122" in caplog.text


def test_a_bad_synonyms_file_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "synonyms.json"
    bad.write_text(json.dumps({"format": 1, "items": {"jiyuan-1": {"title": "x", "synonyms": []}}}), encoding="utf-8")
    with pytest.raises(CatalogError, match="synonyms"):
        _with_synonyms({"items": []}, bad)


# (region, what people type, an item id that must be among the first results)
EVERYDAY = [
    ("jiyuan", "低保", "jiyuan-122"), ("jiyuan", "dibao", "jiyuan-122"), ("yanshi", "低保", "yanshi-056"),
    ("jiyuan", "残疾证", "jiyuan-130"), ("jiyuan", "cjz", "jiyuan-130"), ("jiyuan", "canjizheng", "jiyuan-130"),
    ("jiyuan", "老年证", "jiyuan-037"), ("yanshi", "lnz", "yanshi-016"), ("jiyuan", "老年优待证", "jiyuan-037"),
    ("jiyuan", "准生证", "jiyuan-038"), ("yanshi", "zsz", "yanshi-012"), ("jiyuan", "生育登记", "jiyuan-038"),
    ("jiyuan", "社保卡", "jiyuan-083"), ("yanshi", "sbk", "yanshi-030"), ("jiyuan", "身份证丢了", "jiyuan-200"),
    ("jiyuan", "sfz", "jiyuan-198"), ("jiyuan", "户口本丢了", "jiyuan-158"), ("jiyuan", "落户", "jiyuan-193"),
    ("jiyuan", "迁户口", "jiyuan-193"), ("jiyuan", "医保", "jiyuan-007"), ("jiyuan", "养老金", "jiyuan-058"),
    ("jiyuan", "退休", "jiyuan-058"), ("jiyuan", "结婚", "jiyuan-173"), ("jiyuan", "离婚", "jiyuan-174"),
    ("jiyuan", "出生证", "jiyuan-194"), ("jiyuan", "上户口", "jiyuan-194"), ("jiyuan", "丧葬费", "jiyuan-064"),
    ("jiyuan", "五保", "jiyuan-120"), ("yanshi", "wubao", "yanshi-054"), ("jiyuan", "特困", "jiyuan-120"),
    ("jiyuan", "临时救助", "jiyuan-117"), ("jiyuan", "危房改造", "jiyuan-222"), ("jiyuan", "宅基地", "jiyuan-032"),
    ("jiyuan", "营业执照", "jiyuan-141"), ("yanshi", "yyzz", "yanshi-084"), ("jiyuan", "个体户", "jiyuan-141"),
    ("jiyuan", "失业", "jiyuan-090"), ("jiyuan", "就业登记", "jiyuan-091"), ("jiyuan", "高龄津贴", "jiyuan-124"),
    ("jiyuan", "残疾人补贴", "jiyuan-115"), ("jiyuan", "优抚", "jiyuan-213"), ("jiyuan", "退役军人", "jiyuan-214"),
    ("jiyuan", "计生奖励", "jiyuan-039"), ("jiyuan", "欠工资", "jiyuan-073"), ("jiyuan", "暂住证", "jiyuan-205"),
    ("jiyuan", "改名", "jiyuan-154"), ("jiyuan", "公租房", "jiyuan-224"), ("jiyuan", "创业贷款", "jiyuan-096"),
]


@pytest.mark.parametrize(("region", "query", "item_id"), EVERYDAY)
def test_everyday_names_find_the_item(catalogs: dict[str, Catalog], region: str, query: str, item_id: str) -> None:
    found = [item.id for item in catalogs[region].search(query, limit=20)]
    assert item_id in found, f"{query!r} -> {found[:5]}"


def test_low_bao_finds_the_recognition_item_first(catalogs: dict[str, Catalog]) -> None:
    assert catalogs["jiyuan"].search("低保")[0].title == "城乡最低生活保障对象认定"
