"""Search for touch-screen typing: Chinese, full pinyin, initials, mixed; filters; ranking."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st
from pypinyin import lazy_pinyin

from terminal.catalog import Catalog, Item, load_catalog


def item(n: int, title: str, main: str = "其他事项", department: str = "市公安局", item_type: str = "行政确认") -> Item:
    return Item(f"t-{n}", n, main, main, title, item_type, "D", department)


ITEMS = (
    item(1, "居民身份证补领", main="户口登记、注销、迁移"),
    item(2, "申请户口登记证明"),
    item(3, "户口登记(变更姓名)"),
    item(4, "户口登记"),
    item(5, "重庆银行开户", department="市金融局", item_type="公共服务"),
    item(6, "城乡居民养老保险参保登记", department="市人社局", item_type="公共服务"),
    item(7, "城乡居民基本医疗保险参保登记", department="市医保局", item_type="其他职权"),
    item(8, "CT检查费用报销", department="市医保局", item_type="公共服务"),
    item(9, "长期护理保险待遇申领", department="市医保局", item_type="公共服务"),
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog("test", "测试目录", "1", "测试", ITEMS)


def ids(items: list[Item]) -> list[int]:
    return [i.seq for i in items]


@pytest.mark.parametrize("query", ["hkdj", "HKDJ", "hukoudengji", "hu kou deng ji", "HuKou'DengJi", "hukoudj",
                                   "户口dj", "hk登记", "户口登记", "ｈｋｄｊ"])
def test_every_way_of_typing_ranks_exact_then_prefix_then_inside_then_other(catalog: Catalog, query: str) -> None:
    # 4 is exactly 户口登记, 3 starts with it, 2 contains it, 1 only has it in its main item
    assert ids(catalog.search(query)) == [4, 3, 2, 1]


def test_partial_chinese_and_partial_pinyin(catalog: Catalog) -> None:
    assert ids(catalog.search("口登")) == [2, 3, 4, 1]           # all inside the title: catalog order
    assert ids(catalog.search("参保登记")) == [6, 7]
    assert ids(catalog.search("cbdj")) == [6, 7]
    assert ids(catalog.search("canbao")) == [6, 7]
    assert ids(catalog.search("yanglaob")) == [6]                # last syllable still being typed
    assert ids(catalog.search("城乡jm")) == [6, 7]


def test_no_match_and_blank_query(catalog: Catalog) -> None:
    assert catalog.search("xyzq") == [] and catalog.search("户口本") == [] and catalog.search("ouden") == []
    assert ids(catalog.search("  ")) == list(range(1, 10))
    assert ids(catalog.search("", department="市医保局")) == [7, 8, 9]


def test_filters_by_department_and_type(catalog: Catalog) -> None:
    assert ids(catalog.search("cbdj", department="市人社局")) == [6]
    assert ids(catalog.search("cbdj", item_type="其他职权")) == [7]
    assert catalog.search("cbdj", department="市人社局", item_type="其他职权") == []
    assert ids(catalog.search("bx", department="市医保局", item_type="公共服务")) == [8, 9]  # 报销, 保险
    assert ids(catalog.search("hkdj", limit=2)) == [4, 3]


def test_polyphones_match_either_reading(catalog: Catalog) -> None:
    for query in ("chongqing", "zhongqing", "yinhang", "yinxing", "cqyh", "zqyh", "cqyx"):
        assert ids(catalog.search(query)) == [5], query
    assert catalog.search("zqyx") == []   # documented limit: one polyphone read the other way per text
    assert ids(catalog.search("cq")) == ids(catalog.search("zq")) == [5, 9]   # 重庆 and 长期
    for query in ("changqi", "zhangqi", "cqhl"):
        assert ids(catalog.search(query)) == [9], query


def test_latin_letters_in_titles(catalog: Catalog) -> None:
    assert ids(catalog.search("ct")) == [8]
    assert ids(catalog.search("ctjc")) == [8]
    assert ids(catalog.search("CT检查")) == [8]


# -- the real catalogs ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def jiyuan() -> Catalog:
    return load_catalog("jiyuan")


@pytest.mark.parametrize("region", ["jiyuan", "yanshi"])
def test_hkdj_on_the_real_catalogs(region: str) -> None:
    catalog = load_catalog(region)
    found = catalog.search("hkdj", limit=None)
    titled = [i for i in catalog.items if re.sub(r"[()（）]", "", i.title).startswith("户口登记")]
    assert len(titled) >= 7
    assert found[:len(titled)] == titled                          # the 户口登记(...) items first, in order
    assert {i.main_item for i in found[len(titled):]} <= {"户口登记、注销、迁移"}  # then main-item hits


def test_real_catalog_queries(jiyuan: Catalog) -> None:
    assert [i.id for i in jiyuan.search("户口簿补发")] == ["jiyuan-158"]
    assert jiyuan.search("shenfenzheng")[0].title.startswith("首次申领居民身份证")
    insurance = jiyuan.search("ylbx", limit=None)                  # 养老保险 and 医疗保险
    assert len(insurance) > 20
    assert all(re.search("(养老|医疗)保险", i.title + i.main_item + i.sub_item + "".join(i.synonyms))
               for i in insurance)                                # (everyday names are searched too)
    assert [i.id for i in jiyuan.search("cjrzxbz")] == ["jiyuan-130"]       # 残疾人证新办证
    lowbao = jiyuan.search("zdshbz", department="市民政局")
    assert "jiyuan-122" in [i.id for i in lowbao]


HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_chinese_piece_of_a_title_finds_its_item_by_characters_and_by_initials(
        jiyuan: Catalog, data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(jiyuan.items))
    runs = HAN_RUN.findall(target.title)
    run = data.draw(st.sampled_from(runs))
    start = data.draw(st.integers(0, len(run) - 1))
    piece = run[start:data.draw(st.integers(start + 1, len(run)))]
    by_chars = jiyuan.search(piece, limit=None)
    assert target in by_chars
    # brute force: exactly the items whose title, main or sub item or an everyday name contains the piece
    assert set(by_chars) == {i for i in jiyuan.items if any(piece in text for text in
                                                             (i.title, i.main_item, i.sub_item, *i.synonyms))}
    initials = "".join(s[0] for s in lazy_pinyin(piece))
    assert target in jiyuan.search(initials, limit=None)
    assert target in jiyuan.search("".join(lazy_pinyin(piece)), limit=None)


QUERY_TEXT = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzHKDJ '（）()-·户口登记重庆银行残疾人证申领0123"),
                     max_size=30)


@settings(max_examples=300, deadline=None)
@given(query=QUERY_TEXT, limit=st.sampled_from([1, 5, 50, None]))
def test_any_query_gives_distinct_items_within_the_limit(jiyuan: Catalog, query: str, limit: int | None) -> None:
    found = jiyuan.search(query, limit=limit)
    assert len(found) == len(set(found))
    assert limit is None or len(found) <= limit
    if limit is not None and found:  # a smaller limit gives a prefix of the ranking
        assert jiyuan.search(query, limit=len(found) // 2 or 1) == found[:len(found) // 2 or 1]
