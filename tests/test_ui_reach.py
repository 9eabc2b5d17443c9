"""Issue 14 items 3, 6 and 7 on the real kiosk, offscreen, with simulated devices and a real central server
(one child process: tests/ui_reach_probe.py): every one of the 382 items opened from browse has a way
forward; an item without a guide prints where to go and takes a call-back request that reaches the
platform; everyday names and pinyin candidates find items; 有诉即办 starts with the category and explains
its number; 帮办代办 out of office hours says so, lists what staff do and takes a call-back."""

from __future__ import annotations

import pytest

from tests.kivy_probe import run_probe


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_probe("tests.ui_reach_probe", tmp_path_factory.mktemp("reach"), timeout=600)


@pytest.mark.parametrize(("region", "count"), [("jiyuan", 228), ("yanshi", 154)])
def test_every_item_opened_from_browse_has_a_way_forward(probe: dict, region: str, count: int) -> None:
    report = probe[region]
    assert report["opened"] == report["items"] == count  # every row of every department
    assert report["dead_ends"] == []                      # 开始办理, or a slip and a call-back, and a phone
    assert report["rows_with_legal_class"] == 0           # rows say department and what can be done here


def test_an_item_without_a_guide_prints_directions_and_takes_a_call_back(probe: dict) -> None:
    report = probe["no_guide"]
    assert report["found"][0].startswith("残疾人证")  # cjz, as people say 残疾证
    assert "本事项暂不能在本机申请" in report["page"] and "本事项暂无办事指南" not in report["page"]
    assert "示范镇便民服务中心一楼大厅" in report["page"] and "市残疾人联合会" in report["page"]
    assert "办理指引单" in report["printed"] and "办公时间" in report["printed"]
    assert report["refused"]  # nothing chosen, nothing typed: said in words, nothing stored
    assert report["central_kind"] == "callback" and report["central_reason"] == "no_guide"
    assert report["central_item"].startswith("jiyuan-") and report["central_phone"] and report["preferred"] == "上午"
    assert "预约回电单" in report["slip"] and "138****8000" in report["slip"]
    assert report["after"] == "home" and not report["left_personal"]


def test_search_offers_pinyin_candidates_and_knows_everyday_names(probe: dict) -> None:
    report = probe["candidates"]
    assert report["typed"] == "残疾"
    assert all("残疾" in title for title in report["chinese"])
    assert report["dibao"] == "城乡最低生活保障对象认定"


def test_a_complaint_starts_with_its_category_and_explains_its_number(probe: dict) -> None:
    report = probe["complaint"]
    assert [text.split("\n")[0] for text in report["categories"]] == ["办不成事", "等候时间", "设备故障", "服务态度", "其他"]
    assert report["ticked"] == []  # no default: a waiting-time complaint is not filed as 服务态度
    assert report["filed_category"] == "等候时间"
    assert "当日或次日" in report["done_words"] and "本终端的编号" in report["done_words"]
    assert "3个工作日" not in report["done_words"]
    assert "平台受理号 PLT-" in report["progress"]  # the platform's reference, once it has the complaint


def test_help_out_of_hours_says_so_lists_the_services_and_takes_a_call_back(probe: dict) -> None:
    report = probe["help"]
    assert "现在不是办公时间" in report["words"] and "帮办代办事项清单" in report["words"]
    assert "社会保障卡申领" in report["words"]
    assert "继续办理" not in report["slip"] and "重新办理" in report["slip"]
    assert report["reason"] == "help"


def test_the_new_screens_keep_their_ways_forward_and_15_mm_targets_in_elderly_mode(probe: dict) -> None:
    reach = probe["elderly"]["reach"]
    assert any(text.startswith("请工作人员联系我") for text in reach["guide"])
    assert any(text.startswith("提交预约") for text in reach["callback"])
    assert any(text.startswith("请工作人员联系我") for text in reach["help"])
    assert sum(text in ("办不成事", "等候时间", "设备故障", "服务态度", "其他") for text in reach["complaint"]) == 5
    small = {screen: mm for screen, mm in probe["elderly"]["targets_mm"].items() if mm < 15.0 - 0.1}
    assert not small, small
