"""Pinyin to candidate characters for typing on the complaint screen."""

from __future__ import annotations

from terminal.pinyin_input import candidates, toneless


def test_tone_marks_and_u_umlaut_are_dropped() -> None:
    assert toneless("zhōng") == "zhong" and toneless("lǜ") == "lv" and toneless("nǚ") == "nv"


def test_syllables_offer_their_common_characters_first() -> None:
    assert "等" in candidates("deng")[:3] and "待" in candidates("dai")[:3] and "中" in candidates("zhong")[:3]
    assert "绿" in candidates("lv") and "女" in candidates("nv")
    assert candidates("zhong").index("中") < candidates("zhong").index("盅")  # catalog words before rare ones


def test_a_prefix_offers_every_syllable_it_begins() -> None:
    assert {"中", "证", "政"} <= set(candidates("zh", limit=300))
    assert candidates("") == [] and candidates("qqq") == []


def test_only_common_gb2312_characters() -> None:
    for char in candidates("shi", limit=500):
        char.encode("gb2312")
