"""Checks of the two shipped seed catalogs (terminal/catalogs/*.json) read with plain json.

The data is a hand-checked transcription of the seed tables (see docs/catalog.md, section
"Transcription"); these tests pin row counts, the shape of every row and exact rows, including
rows rebuilt from interleaved PDF text and rows whose words the extraction broke across lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CATALOG_DIR = Path(__file__).resolve().parent.parent / "terminal" / "catalogs"
TEXT_KEYS = ("main_item", "sub_item", "handling_item", "item_type", "level", "department")
ALL_KEYS = ("id", "seq", *TEXT_KEYS, "note")
EXPECTED = {
    "jiyuan": {"rows": 228, "types": {"行政许可", "行政确认", "行政给付", "公共服务", "其他职权"},
               "notes": {"省目录", ""}},
    "yanshi": {"rows": 154, "types": {"行政许可", "行政确认", "行政给付", "公共服务", "其他行政权力"},
               "notes": {""}},
}
LEVELS = {"D", "DE"}


def load(region: str) -> dict[str, Any]:
    with open(CATALOG_DIR / f"{region}.json", encoding="utf-8") as handle:
        return json.load(handle)


def row(region: str, seq: int) -> tuple[str, ...]:
    item = load(region)["items"][seq - 1]
    assert item["seq"] == seq
    return tuple(item[key] for key in (*TEXT_KEYS, "note"))


@pytest.mark.parametrize("region", sorted(EXPECTED))
def test_header_and_row_count(region: str) -> None:
    data = load(region)
    assert set(data) == {"format", "region", "title", "version", "source", "items"}
    assert data["format"] == 1 and data["region"] == region and data["version"] == "2022.1"
    assert data["title"].endswith("政务服务事项通用目录")
    assert len(data["items"]) == EXPECTED[region]["rows"]


@pytest.mark.parametrize("region", sorted(EXPECTED))
def test_every_row_complete(region: str) -> None:
    items = load(region)["items"]
    assert [item["seq"] for item in items] == list(range(1, len(items) + 1))
    for item in items:
        assert tuple(item) == ALL_KEYS, item
        assert item["id"] == f"{region}-{item['seq']:03d}"
        for key in TEXT_KEYS:
            value = item[key]
            assert value and value == value.strip() and not any(ch.isspace() for ch in value), (item["id"], key)
        assert item["item_type"] in EXPECTED[region]["types"], item["id"]
        assert item["level"] in LEVELS, item["id"]
        assert item["note"] in EXPECTED[region]["notes"], item["id"]


@pytest.mark.parametrize("region", sorted(EXPECTED))
def test_brackets_balanced_except_documented_seed_typo(region: str) -> None:
    unbalanced = [item["id"] for item in load(region)["items"]
                  if item["handling_item"].count("(") + item["handling_item"].count("（")
                  != item["handling_item"].count(")") + item["handling_item"].count("）")]
    # jiyuan-028: the seed itself never closes the bracket (see docs/catalog.md).
    assert unbalanced == (["jiyuan-028"] if region == "jiyuan" else [])


def test_provincial_rows_match_yanshi() -> None:
    """Jiyuan's 省目录 rows are the provincial catalog that Yanshi publishes: same count,
    and where the handling item reads the same, the same level and type (其他职权 = 其他行政权力)."""
    def norm(text: str) -> str:
        return text.replace("（", "(").replace("）", ")").replace("，", ",")

    jiyuan = load("jiyuan")["items"]
    provincial = [item for item in jiyuan if item["note"] == "省目录"]
    yanshi = load("yanshi")["items"]
    assert len(provincial) == len(yanshi)
    by_name = {norm(item["handling_item"]): item for item in provincial}
    compared = 0
    for item in yanshi:
        twin = by_name.get(norm(item["handling_item"]))
        if twin is None:
            continue
        compared += 1
        assert twin["level"] == item["level"], (twin["id"], item["id"])
        assert twin["item_type"] == item["item_type"].replace("其他行政权力", "其他职权"), (twin["id"], item["id"])
    assert compared >= 140


JIYUAN_ROWS = {
    # plain rows, words joined across line breaks (参保和变 更登记, 市医疗 保障局)
    1: ("基本医疗保险参保和变更登记", "职工参保登记", "职工参保登记(灵活就业人员新增)",
        "其他职权", "D", "市医疗保障局", "省目录"),
    23: ("基本医疗保险参保信息查询和个人账户一次性支取", "参保单位参保信息查询",
         "参保单位参保信息查询(单位参保证明打印)", "公共服务", "D", "市医疗保障局", "省目录"),
    # rebuilt: cells printed before the row number and after the next page header
    27: ("农村土地承包经营权流转合同备案", "农村土地承包经营权流转合同备案",
         "农村土地承包经营权流转合同备案(山岭区100亩、平原区300亩以下)", "公共服务", "D", "市农业农村局", ""),
    30: ("征地安置补助费发放", "征地安置补助费发放", "征地安置补助费发放", "行政给付", "D",
         "市自然资源和规划局", ""),
    32: ("农村村民住宅用地审核", "农村村民住宅用地审核", "农村村民住宅用地审核", "行政许可", "D",
         "市自然资源和规划局", "省目录"),
    # rebuilt: four-line cells interleaved with the next row
    44: ("对脱贫人口、农村低收入人口(简称“两类人员”)创业开业补贴申领",
         "对脱贫人口、农村低收入人口(简称“两类人员”)实施援助",
         "对脱贫人口、农村低收入人口(简称“两类人员”)创业开业补贴初审",
         "公共服务", "D", "市人力资源和社会保障局", ""),
    51: ("高校毕业生等青年就业服务", "求职创业补贴申领", "求职创业补贴申领(毕业年度内离校未就业高校毕业生)",
         "公共服务", "D", "市人力资源和社会保障局", ""),
    # rebuilt: whole pages printed column by column
    61: ("养老保险服务", "恢复养老保险待遇申请", "城乡居民养老保险待遇续发", "公共服务", "D",
         "市人力资源和社会保障局", ""),
    73: ("劳动争议调解", "劳动争议调解", "劳动争议调解", "其他职权", "DE", "市人力资源和社会保障局", "省目录"),
    75: ("社会保险参保缴费记录查询", "个人权益记录查询打印", "个人权益记录查询打印(企业基本养老保险)",
         "公共服务", "D", "市人力资源和社会保障局", "省目录"),
    89: ("城乡居民养老待遇领取资格认证", "城乡居民养老待遇领取资格认证", "城乡居民养老待遇领取资格认证",
         "其他职权", "DE", "市人力资源和社会保障局", "省目录"),
    94: ("对就业困难人员(含建档立卡贫困劳动力)实施就业援助", "就业困难人员认定",
         "就业困难人员(零就业家庭)申请认定", "公共服务", "DE", "市人力资源和社会保障局", "省目录"),
    113: ("困境儿童认定", "重病、重残、贫困家庭儿童认定、保障金给付", "贫困家庭儿童保障金给付(初审)",
          "行政给付", "D", "市民政局", ""),
    136: ("贫困家庭在校残疾学生和贫困重度残疾人子女就学补助", "贫困家庭在校残疾学生和贫困重度残疾人子女就学补助",
          "贫困家庭在校残疾学生和贫困重度残疾人子女就学补助(初审)", "行政给付", "D", "市残疾人联合会", ""),
    141: ("个体工商户设立、变更、注销登记", "个体工商户设立、变更、注销登记", "个体工商户设立登记",
          "行政许可", "D", "市市场监督管理局", "省目录"),
    170: ("户口登记、注销、迁移", "户口登记、注销、迁移", "转业、复员、退伍入户(回原籍)",
          "行政确认", "D", "市公安局", "省目录"),
    226: ("发放自然灾害受损的居民住房恢复重建补助的审核", "发放自然灾害受损的居民住房恢复重建补助的审核",
          "发放自然灾害受损的居民住房恢复重建补助的审核", "其他职权", "D", "市应急管理局", ""),
    228: ("举办健身气功活动及设立站点审批", "举办健身气功活动及设立站点审批", "设立健身气功站点审批(初审)",
          "行政许可", "D", "市教育体育局", ""),
}

YANSHI_ROWS = {
    1: ("基本医疗保险参保和变更登记", "职工参保登记", "职工参保登记（灵活就业人员新增）",
        "其他行政权力", "D", "偃师区医疗保障局", ""),
    # printed as "10" between 18 and 20 in the seed
    19: ("养老保险服务", "城乡居民基本养老保险关系转移接续申请", "城乡居民基本养老保险关系转移接续申请",
         "公共服务", "DE", "偃师区人力资源和社会保障局", ""),
    # sub item printed in the extra name column
    42: ("对就业困难人员（含建档立卡贫困劳动力）实施就业援助", "就业困难人员认定",
         "就业困难人员（零就业家庭）申请认定", "公共服务", "DE", "偃师区人力资源和社会保障局", ""),
    # words broken inside cells: 创业担保贷款申 请, (个 人创业)
    44: ("创业服务", "创业担保贷款申请", "创业担保贷款申请(个人创业)", "公共服务", "DE",
         "偃师区人力资源和社会保障局", ""),
    46: ("对孤儿基本生活保障金的给付", "对孤儿基本生活保障金的给付", "对孤儿基本生活保障金的给付(初审)",
         "行政给付", "DE", "偃师区民政局", ""),
    # cell continued on the next page
    76: ("基本医疗保险参保信息查询和个人账户一次性支取", "参保人员参保信息查询",
         "参保人员参保信息查询(个人封锁信息查询)", "公共服务", "D", "偃师区医疗保障局", ""),
    96: ("户口登记、注销、迁移", "户口登记、注销、迁移", "户口登记（变更民族成分）", "行政确认", "D",
         "偃师区公安局", ""),
    106: ("户口登记、注销、迁移", "户口登记、注销、迁移", "出国（境）定居注销户口", "行政确认", "D",
          "偃师区公安局", ""),
    140: ("死亡、宣告死亡、宣告失踪人员办理户口注销", "死亡、宣告死亡、宣告失踪人员办理户口注销",
          "宣告失踪人员办理户口注销", "行政确认", "D", "偃师区公安局", ""),
    154: ("核发居住证", "核发居住证", "居住证签注", "行政确认", "D", "偃师区公安局", ""),
}


@pytest.mark.parametrize("seq", sorted(JIYUAN_ROWS))
def test_jiyuan_rows(seq: int) -> None:
    assert row("jiyuan", seq) == JIYUAN_ROWS[seq]


@pytest.mark.parametrize("seq", sorted(YANSHI_ROWS))
def test_yanshi_rows(seq: int) -> None:
    assert row("yanshi", seq) == YANSHI_ROWS[seq]
