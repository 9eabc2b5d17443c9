"""Mandarin speech: words made speakable, polyphones read right, real WAVs from espeak-ng."""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from terminal.spoken import case_number_words, choose_voice, count_words, find_voice, speakable, synthesize, to_pinyin

# Catalog and screen words whose characters have more than one reading, and the reading meant here.
TRICKY = {
    "行政许可": "xing2 zheng4 xu3 ke3",
    "银行卡": "yin2 hang2 ka3",
    "重新选择": "chong2 xin1 xuan3 ze2",
    "重要": "zhong4 yao4",
    "重度残疾": "zhong4 du4 can2 ji2",
    "还要继续吗": "hai2 yao4 ji4 xu4 ma5",
    "还款": "huan2 kuan3",
    "便民服务中心": "bian4 min2 fu2 wu4 zhong1 xin1",
    "办完了": "ban4 wan2 le5",
    "了解": "liao3 jie3",
    "长辈模式": "zhang3 bei4 mo2 shi4",
    "长期": "chang2 qi1",
    "好差评": "hao3 cha4 ping2",
    "特困人员救助供养金": "te4 kun4 ren2 yuan2 jiu4 zhu4 gong1 yang3 jin1",
    "户口簿补发": "hu4 kou3 bu4 bu3 fa1",
    "街道办事处": "jie1 dao4 ban4 shi4 chu4",
    "打印回执": "da3 yin4 hui2 zhi2",
    "当场办结": "dang1 chang3 ban4 jie2",
    "参保登记": "can1 bao3 deng1 ji4",
    "给付": "ji3 fu4",
}


@pytest.mark.parametrize(("words", "reading"), TRICKY.items())
def test_polyphones_are_read_as_meant(words: str, reading: str) -> None:
    assert to_pinyin(words) == reading


def test_case_numbers_dates_and_phones_are_read_as_a_clerk_reads_them() -> None:
    assert case_number_words("T0001-261207-0013") == "T零零零幺，二六幺二零七，零零幺三"
    assert speakable("受理编号 T0001-261207-0013") == "受理编号 T零零零幺，二六幺二零七，零零幺三"
    assert speakable("承诺办结日期 2026-12-21") == "承诺办结日期 十二月二十一日"
    assert speakable("2027年1月5日前") == "一月五日前"
    assert speakable("咨询电话 0391-6600000") == "咨询电话 零三九幺，六六零零零零零"
    assert speakable("20 个工作日") == "二十 个工作日"
    assert speakable("[b]下一步[/b]  ‹ 返回") == "下一步，返回"


@given(st.integers(min_value=0, max_value=9999))
def test_counts_are_words_without_digits(number: int) -> None:
    words = count_words(number)
    assert words and not any(c.isdigit() for c in words)
    assert not words.endswith("零") or number == 0


@given(st.text(max_size=80))
def test_speakable_never_leaves_an_ascii_digit_or_markup(text: str) -> None:
    words = speakable(text)
    assert not any(c in "0123456789[]" for c in words)


def test_the_pinyin_voice_is_chosen_first_and_none_without_mandarin() -> None:
    header = "Pty Language       Age/Gender VoiceName          File                 Other Languages\n"
    both = header + " 5  cmn             --/M      Chinese_(Mandarin) sit/cmn\n" \
                    " 5  cmn-latn-pinyin --/M      Chinese_(Mandarin,_latin_as_Pinyin) sit/cmn-Latn-pinyin\n"
    assert choose_voice(both) == ("cmn-latn-pinyin", "pinyin")
    assert choose_voice(header + " 5  cmn  --/M  x sit/cmn\n") == ("cmn", "hanzi")
    assert choose_voice(header + " 5  en  --/M  English gmw/en\n") is None


def wav_stats(path: Path) -> tuple[float, float]:
    """(seconds, RMS of the 16-bit samples as a fraction of full scale)."""
    with wave.open(str(path)) as wav:
        frames = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / wav.getframerate()
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    return seconds, math.sqrt(sum(s * s for s in samples) / max(1, len(samples))) / 32768


@pytest.mark.parametrize("words", ["请把身份证放在读卡区，不要移动", "受理编号 T0001-261207-0013", "还要继续吗？请触摸屏幕"])
def test_the_installed_espeak_ng_speaks_mandarin_of_plausible_length(tmp_path: Path, words: str) -> None:
    voice = find_voice()
    assert voice is not None and voice.name == "cmn-latn-pinyin"  # espeak-ng is in bootstrap's APT_PACKAGES
    syllables = len([s for s in to_pinyin(words).replace(",", " ").split() if s])
    synthesize(voice, words, tmp_path / "said.wav")
    seconds, rms = wav_stats(tmp_path / "said.wav")
    assert 0.15 * syllables <= seconds <= 0.6 * syllables + 1.0, (seconds, syllables)
    assert rms > 0.02  # speech, not silence
    synthesize(voice, words, tmp_path / "quiet.wav", volume=40)
    assert wav_stats(tmp_path / "quiet.wav")[1] < rms  # the volume control reaches the voice


def test_the_speech_process_answers_with_its_voice_and_takes_words() -> None:
    env = dict(os.environ, PATH=os.environ.get("PATH", ""))
    process = subprocess.Popen([sys.executable, "-m", "terminal.spoken"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, env=env)
    assert process.stdout is not None and process.stdin is not None
    assert json.loads(process.stdout.readline()) == {"voice": "cmn-latn-pinyin"}
    process.stdin.write(json.dumps({"say": "你好", "volume": 0}) + "\n")
    process.stdin.write(json.dumps({"stop": True}) + "\n")
    process.stdin.close()
    assert process.wait(timeout=30) == 0


def test_masked_numbers_names_and_the_clock_are_said_sensibly() -> None:
    assert speakable("证件号码 4101**********0043") == "证件号码 四幺零幺，中间隐藏，零零四三"
    assert speakable("联系电话 138****8000") == "联系电话 幺三八，中间隐藏，八零零零"
    assert speakable("申请人 测*样*") == "申请人 测某样某"
    assert speakable("19:05") == "十九点零五分"


def test_the_kiosk_speaker_keeps_a_bounded_history_and_starts_the_speech_process() -> None:
    from ui.speech import HISTORY, Speaker

    speaker = Speaker(True)
    try:
        for n in range(HISTORY + 30):
            speaker.say(f"第{n}项")
        assert len(speaker.spoken) == HISTORY and speaker.said == HISTORY + 30
        assert speaker.last == speakable(f"第{HISTORY + 29}项")
        speaker.louder(10)
        assert speaker.volume == 200  # bounded
    finally:
        speaker.close()
    assert speaker.voice == "cmn-latn-pinyin"  # the speech process answered with the pinyin voice


def test_a_speaker_without_speech_stays_silent_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    from ui.speech import Speaker

    speaker = Speaker(False)
    speaker.say("你好")
    speaker.say("你好")
    assert speaker.spoken[-1] == "你好" and speaker._worker is None  # recorded, never started
    assert sum("speech_unavailable" in r.getMessage() for r in caplog.records) == 1
