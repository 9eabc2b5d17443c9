"""Honest receipts, case states and 补交材料 on the real kiosk offscreen, against the real central service.

One child process (tests/ui_supplement_probe.py) drives the kiosk: two applications with materials
missing, staff decisions through the console, supplements from the progress answer and from the home
screen (by ID card), and the notices printed when progress is queried.
"""

from __future__ import annotations

import pytest

from tests.kivy_probe import run_probe


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_probe("tests.ui_supplement_probe", tmp_path_factory.mktemp("supplement"), timeout=400)


def test_the_id_card_is_read_not_scanned_and_not_missing(probe: dict) -> None:
    first = probe["first"]
    assert first["card_materials"] == ["申请人居民身份证"]
    assert "申请人居民身份证" not in first["to_scan"] and "申请人居民身份证" not in first["missing"]
    assert first["case_materials"] == [["申请人居民身份证", True, 0]]


def test_submit_gives_a_receipt_of_what_was_received_with_no_promise(probe: dict) -> None:
    first = probe["first"]
    paper = first["paper"]
    assert "收件回执" in paper and "受理回执" not in paper and "前办结" not in paper
    assert "申请人居民身份证（已读卡核验）" in paper and "部门暂不能受理" in paper
    assert "受理编号" not in paper and "受理时间" not in paper
    words = " ".join(first["submit_words"])
    assert "还缺3项材料" in words and "承诺办结日期" not in words and "当场办结" not in words


def test_staff_cannot_skip_states(probe: dict) -> None:
    assert probe["done_first"] == 409
    assert (probe["correction"], probe["accepted"], probe["returned"]) == (200, 200, 200)


def test_supplements_from_progress_and_from_home_reach_their_cases(probe: dict) -> None:
    first, second = probe["first"]["case_no"], probe["second"]["case_no"]
    assert any("需要补正材料：变更姓名的理由证明材料不清晰" in t for t in probe["progress_correction"])
    assert probe["from_progress"]["case_no"] == first and probe["from_progress"]["materials"]
    assert probe["bad_number_words"]
    assert probe["by_card_case"] in (first, second)
    assert probe["from_home"]["case_no"] == probe["by_card_case"]
    for case_no in (first, second):  # the missing list shrank by what each supplement brought
        brought = [m for s in (probe["from_progress"], probe["from_home"]) if s["case_no"] == case_no
                   for m in s["materials"]]
        assert probe["missing_after"][case_no] == [m for m in probe["first"]["missing"] if m not in brought]
    assert probe["from_progress"]["supplement_no"] in probe["console_case"]  # staff see it on the case


def test_progress_prints_the_acceptance_notice_and_the_rejection_notice(probe: dict) -> None:
    accepted = probe["acceptance_paper"]
    assert "受理通知书" in accepted and probe["first"]["case_no"] in accepted and "前办结" in accepted
    assert any(t.startswith("承诺") and "前办结" in t for t in probe["progress_accepted"])
    assert not probe["hand_in_after_acceptance"]
    rejected = probe["rejection_paper"]
    assert "不予受理（退件）告知书" in rejected and "不属于本中心受理范围" in rejected
    assert probe["second"]["case_no"] in rejected


def test_new_screens_keep_15_mm_targets(probe: dict) -> None:
    assert {"supplement", "progress"} <= set(probe["targets_mm"])
    assert all(mm >= 15.0 - 0.1 for mm in probe["targets_mm"].values())
