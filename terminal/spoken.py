"""Mandarin speech for the kiosk: screen words made speakable, tone-numbered pinyin, espeak-ng.

espeak-ng 1.51 (Debian 12, Raspberry Pi OS Bookworm) has two Mandarin voices. `cmn` reads Chinese
characters through its own dictionary and speaks the tone digits of its pinyin as English words
("qing three"); `cmn-latn-pinyin` speaks tone-numbered pinyin as Mandarin. So the words are turned
into pinyin here (pypinyin's phrase dictionary, plus `PHRASES` where it reads a catalog word
wrongly) and the pinyin voice speaks them. Voices are chosen from what the installed espeak-ng
lists (`VOICES`, best first); with none of them the kiosk stays silent and says so in the log once.

Numbers are spoken the way a clerk reads them: a case number or a phone number digit by digit
(1 as 幺, so it is not heard as 七), a date as 月 and 日, small counts as words (20 个工作日).

pypinyin's dictionaries cost about 55 MB of resident memory, so the kiosk never imports them:
`python -m terminal.spoken` is a small speech process that the kiosk starts when something is
first spoken (ui/speech.py). It reads one JSON line per utterance on stdin, and a new line stops
the utterance still playing: one at a time, the newest wins.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

# (voice, what it reads): the pinyin voice first; `cmn`/`zh` read characters (tone digits spoken
# as English in 1.51, still better than nothing for a hearing person); nothing else speaks Mandarin.
VOICES: tuple[tuple[str, str], ...] = (("cmn-latn-pinyin", "pinyin"), ("cmn", "hanzi"), ("zh", "hanzi"))
WORDS_PER_MINUTE = 140  # slower than espeak's 175: elderly listeners
DEFAULT_VOLUME = 100    # espeak-ng amplitude (0-200)
# Catalog and screen words pypinyin's phrase dictionary reads wrongly (checked in tests/test_spoken.py).
PHRASES: dict[str, list[list[str]]] = {
    "还款": [["huán"], ["kuǎn"]],
    "供养": [["gōng"], ["yǎng"]],
    "供养金": [["gōng"], ["yǎng"], ["jīn"]],
    "办结": [["bàn"], ["jié"]],
    "回执": [["huí"], ["zhí"]],
}
DIGITS = "零幺二三四五六七八九"
COUNT_DIGITS = "零一二三四五六七八九"
MARKUP = re.compile(r"\[/?[a-z]+(?:=[^\]]*)?\]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
CASE_NO = re.compile(r"\b([A-Z0-9]{4,8})-(\d{6})-(\d{4,})\b")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
ZH_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
MASKED_NUMBER = re.compile(r"[\dXx]*\*+[\dXx*]*\d[\dXx*]*|[\dXx]+\*+")  # 4101**********0043, 138****8000
CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b")
LONG_DIGITS = re.compile(r"\d{3,}(?:-\d{3,})+|\d{5,}|0\d+")  # phone numbers, codes: digit by digit
NUMBER = re.compile(r"\d+")
PAUSE = re.compile(r"[，。；：！？、,.;:!?\n·|/（）()“”\"《》—…‹›\-]+")
SILENT = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9，, ]+")


def digit_by_digit(digits: str) -> str:
    """"0391" -> 零三九幺: how a number is read out when every digit counts (letters stay: espeak's
    pinyin voice names Latin capitals itself)."""
    return "".join(DIGITS[int(d)] if d.isdigit() else d.upper() for d in digits if d.isalnum())


def count_words(number: int) -> str:
    """A count in words, up to 9999 (longer numbers are read digit by digit by `speakable`)."""
    if number < 20:
        return COUNT_DIGITS[number] if number < 10 else "十" + (COUNT_DIGITS[number % 10] if number % 10 else "")
    parts: list[str] = []
    gap = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            parts.append(("零" if gap else "") + COUNT_DIGITS[digit] + unit)
            gap = False
        elif parts:
            gap = True
    return "".join(parts)


def case_number_words(case_no: str) -> str:
    """JY0101-261121-0007 -> the terminal, the date and the sequence, each digit by digit."""
    m = CASE_NO.fullmatch(case_no.strip().upper())
    if m is None:
        return digit_by_digit(case_no)
    return "，".join(digit_by_digit(part) for part in m.groups())


def _month_day(month: str, day: str) -> str:
    return f"{count_words(int(month))}月{count_words(int(day))}日"


def _clock(hour: int, minute: int) -> str:
    return f"{count_words(hour)}点" + (f"{'零' if minute < 10 else ''}{count_words(minute)}分" if minute else "")


def speakable(text: str) -> str:
    """The words of a screen as they are said: markup gone, case numbers and long numbers digit by
    digit, dates as 月/日 (the year is left out: it is this year or the next), other numbers as
    words, symbols dropped, punctuation kept as a pause. No ASCII digit is left."""
    text = MARKUP.sub("", text)
    text = CASE_NO.sub(lambda m: case_number_words(m.group()), text)
    text = MASKED_NUMBER.sub(lambda m: "，中间隐藏，".join(digit_by_digit(p) for p in re.split(r"\*+", m.group()) if p),
                             text)
    text = CLOCK.sub(lambda m: _clock(int(m.group(1)), int(m.group(2))), text)
    text = ISO_DATE.sub(lambda m: _month_day(m.group(2), m.group(3)), text)
    text = ZH_DATE.sub(lambda m: _month_day(m.group(2), m.group(3)), text)
    text = LONG_DIGITS.sub(lambda m: "，".join(digit_by_digit(part) for part in m.group().split("-")), text)
    text = NUMBER.sub(lambda m: count_words(int(m.group())) if len(m.group()) <= 4 else digit_by_digit(m.group()),
                      text)
    text = text.replace("*", "某")  # a masked name: 测*样* is said 测某样某
    text = PAUSE.sub("，", text)
    text = SILENT.sub("", text)
    return re.sub(r"\s*(，\s*)+", "，", re.sub(r"\s+", " ", text)).strip("， ")


@cache
def _pinyin() -> object:
    import pypinyin  # 55 MB: only in the speech process
    from pypinyin import load_phrases_dict

    load_phrases_dict(PHRASES)
    return pypinyin


def to_pinyin(words: str) -> str:
    """Speakable words -> tone-numbered pinyin (5 = neutral tone), Latin letters kept, pauses as commas."""
    pypinyin = _pinyin()
    out: list[str] = []
    for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[A-Za-z]+|，", speakable(words)):
        if run == "，":
            out.append(",")
        elif HAN.match(run):
            out.extend(pypinyin.lazy_pinyin(run, style=pypinyin.Style.TONE3,  # type: ignore[attr-defined]  # pypinyin ships no stubs for Style
                                            neutral_tone_with_five=True, v_to_u=True))
        else:
            out.extend(run.upper())
    return " ".join(out).replace(" ,", ",")


def choose_voice(listing: str) -> tuple[str, str] | None:
    """(voice, "pinyin" or "hanzi") from `espeak-ng --voices` output, or None: no Mandarin voice."""
    names = {line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1}
    return next((voice for voice in VOICES if voice[0] in names), None)


@dataclass(frozen=True)
class Voice:
    binary: str
    name: str
    reads: str  # "pinyin" or "hanzi"

    def command(self, words: str, volume: int = DEFAULT_VOLUME, wav: Path | None = None) -> list[str]:
        """The espeak-ng command line that says `words` (already `speakable`)."""
        text = to_pinyin(words) if self.reads == "pinyin" else speakable(words)
        return [self.binary, "-v", self.name, "-s", str(WORDS_PER_MINUTE), "-a", str(max(0, min(200, volume))),
                *(["-w", str(wav)] if wav else []), text]


def find_voice(binary: str = "espeak-ng") -> Voice | None:
    """The best Mandarin voice of the installed espeak-ng; None (logged once by the caller) without one."""
    program = shutil.which(binary)
    if program is None:
        return None
    try:
        listing = subprocess.run([program, "--voices"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    chosen = choose_voice(listing)
    return Voice(program, *chosen) if chosen else None


def synthesize(voice: Voice, words: str, wav: Path, volume: int = DEFAULT_VOLUME) -> None:
    """Say `words` into a WAV file (tests, the technician's speech check)."""
    subprocess.run(voice.command(words, volume, wav), check=True, capture_output=True, timeout=60)


def serve(lines: Iterable[str], out: IO[str], voice: Voice | None) -> None:
    """The speech process: each line {"say": words, "volume": n} stops what is playing and starts
    saying `words`; {"stop": true} only stops. The first line written says which voice (or none)."""
    out.write(json.dumps({"voice": voice.name if voice else ""}) + "\n")
    out.flush()
    playing: subprocess.Popen[bytes] | None = None
    for line in lines:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if playing is not None and playing.poll() is None:
            playing.terminate()
            playing.wait()
        playing = None
        words = str(request.get("say", ""))
        if voice is not None and words:
            try:
                playing = subprocess.Popen(voice.command(words, int(request.get("volume", DEFAULT_VOLUME))),
                                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)
            except OSError as error:
                log.warning("event=speech_failed problem=%s", type(error).__name__)
    if playing is not None:  # the input ended (the kiosk stops, a one-off test phrase): finish the last words
        try:
            playing.wait(timeout=60)
        except subprocess.TimeoutExpired:
            playing.terminate()


def main() -> None:
    _pinyin()  # load the dictionaries before the first utterance, not during it
    serve(sys.stdin, sys.stdout, find_voice())


if __name__ == "__main__":
    main()
