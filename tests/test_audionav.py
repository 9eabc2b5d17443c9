"""Audio navigation on the real kiosk, offscreen: a whole application, a progress query and a
rating by keys alone (the simulated rating keypad on a pty, the 4-key pad as keyboard keys), with
the spoken script asserted. One child process (tests/ui_audionav_probe.py): Kivy has one window."""

from __future__ import annotations

import pytest

from terminal.spoken import case_number_words, speakable
from tests.kivy_probe import run_probe


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_probe("tests.ui_audionav_probe", tmp_path_factory.mktemp("audionav"), timeout=400)


def test_headphones_turn_audio_navigation_on_and_off(probe: dict) -> None:
    assert probe["before_headphones"] is False
    assert probe["opening"].startswith("语音导航已打开，按一上一项，按二下一项，按三确定，按四返回，按五再听一遍")
    assert "我要办事" in probe["opening"]  # then the home screen, read
    assert probe["off_after_unplug"]


def test_a_whole_application_by_keys_alone(probe: dict) -> None:
    apply = probe["apply"]
    assert apply["ratings"] == 1  # the rating after the receipt reached the outbox
    spoken_case_no = case_number_words(apply["case_no"])
    assert spoken_case_no in apply["submit_script"]  # the case number, digit by digit
    # no date is promised at submit (nobody has accepted the case at night): what happens next, with its date
    assert "审核受理" in apply["submit_script"]
    assert "今天" in apply["submit_script"] or "月" in apply["submit_script"]  # when staff will look at it
    assert apply["guide_script"].startswith("办事指南，老年人优待证")  # the title first, then the materials
    assert apply["materials"][0] in apply["guide_script"]
    assert apply["rating_script"].startswith("我要评价，请为本次服务评价")
    levels = "非常满意，按键 一、满意，按键 二、基本满意，按键 三、不满意，按键 四、非常不满意，按键 五"
    assert speakable(levels) in apply["rating_script"]  # the five levels alike, each with its key
    assert "评价信息严格保密" in apply["rating_script"] and "不评价，结束" in apply["rating_script"]


def test_the_spoken_script_follows_the_journey_in_order(probe: dict) -> None:
    script = probe["script"]
    milestones = ["语音导航已打开", "我要办事，查找事项，在线申请，按钮", "搜索事项", "l，按钮", "已选择，l",
                  "办事指南，老年人优待证", "开始办理，按钮", "个人信息告知与同意", "本人办理，按钮", "读取身份证",
                  "填写信息", "已选择，一", "下一步，扫描材料，按钮",
                  "扫描材料", "核对与签名", "无法签名，按确定键代替签名，确认提交，按钮", "提交成功", "打印回执，按钮",
                  "我要评价", "满意，按键 二，按钮", "感谢您的评价", "完成，按钮", "进度查询", "查询，按钮"]
    at = 0
    for milestone in milestones:
        found = next((i for i in range(at, len(script)) if script[i].startswith(milestone)), None)
        assert found is not None, f"{milestone!r} not said after {script[at - 1] if at else 'the start'!r}"
        at = found + 1


def test_personal_words_are_said_masked_into_headphones(probe: dict) -> None:
    said = " ".join(probe["script"])
    assert "中间隐藏" in said  # the masked ID number, as masked as on the screen
    assert not any(c.isdigit() for c in said)


def test_progress_query_by_keys_reads_the_answer(probe: dict) -> None:
    answer = probe["progress"]["answer"]
    assert case_number_words(probe["apply"]["case_no"]) in answer
    assert "申请已保存在本终端" in answer or "平台已收件" in answer


def test_the_tactile_pad_moves_the_focus_and_stray_keys_do_nothing(probe: dict) -> None:
    tactile = probe["tactile"]
    assert tactile["first"] and tactile["second"] and tactile["first"] != tactile["second"]
    assert tactile["up"] == tactile["first"]
    assert tactile["stray_key_said"] == 0
    assert tactile["ring_shown"]
