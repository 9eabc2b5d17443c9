"""Typing Chinese on the kiosk's letter keys: pinyin to candidate characters (a small input method).

A complaint is sometimes not among the common phrases. The kiosk has no system input method,
so this maps toneless pinyin (`zhong`, or a prefix such as `zh`) to characters in GB2312 (the
common set), most useful first: characters frequent in this terminal's own catalog texts (the
words of government service) first, then GB2312's first level (the 3755 common characters),
then the rest. Pure data and functions; the screen lives in `ui/services.py`.
"""

from __future__ import annotations

import collections
import json
import unicodedata
from functools import lru_cache
from importlib import resources, util
from pathlib import Path

CATALOG_TEXTS = ("jiyuan.json", "yanshi.json", "sample_guides.json")


def toneless(reading: str) -> str:
    """`zhōng` -> `zhong`, `lǜ` -> `lv` (the v key stands for ü, as on every Chinese keyboard)."""
    plain = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")  # ǜ is u, diaeresis, grave
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _frequency() -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for name in CATALOG_TEXTS:
        text = resources.files("terminal.catalogs").joinpath(name).read_text(encoding="utf-8")
        words = json.dumps(json.loads(text), ensure_ascii=False)  # whether the file escapes Chinese or not
        counts.update(ch for ch in words if "\u4e00" <= ch <= "\u9fff")
    return counts


def _pinyin_dict() -> dict[str, str]:
    """pypinyin's character readings ("20013": "zhōng,zhòng"), read from its data file: importing
    any part of pypinyin loads its phrase dictionary too (55 MB the kiosk would keep for months)."""
    spec = util.find_spec("pypinyin")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pypinyin is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    table: dict[str, str] = json.loads((folder / "pinyin_dict.json").read_text(encoding="utf-8"))
    return table


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    """Toneless syllable -> characters, most useful first."""
    counts = _frequency()
    ranked: dict[str, list[tuple[bool, int, int, bytes, str]]] = collections.defaultdict(list)
    for code, readings in _pinyin_dict().items():
        char = chr(int(code))
        try:
            gb = char.encode("gb2312")
        except UnicodeEncodeError:
            continue  # outside the common set: nobody expects it on a kiosk
        level = 0 if 0xB0 <= gb[0] <= 0xD7 else 1
        seen: set[str] = set()
        for index, reading in enumerate(toneless(r) for r in readings.split(",")):
            if reading not in seen:  # the first reading is the usual one: 重 is zhong before chong
                seen.add(reading)
                ranked[reading].append((index > 0, -counts[char], level, gb, char))
    return {syllable: tuple(c for *_, c in sorted(chars)) for syllable, chars in ranked.items()}


def candidates(letters: str, limit: int = 40) -> list[str]:
    """Characters for what was typed: a whole syllable's, else those of every syllable it begins."""
    letters = letters.strip().lower()
    if not letters:
        return []
    table = _table()
    if letters in table:
        return list(table[letters][:limit])
    counts = _frequency()
    found = {c for syllable, chars in table.items() if syllable.startswith(letters) for c in chars}
    return sorted(found, key=lambda c: (-counts[c], c.encode("gb2312")))[:limit]


SYLLABLE_MAX = 6  # zhuang, the longest pinyin syllable


def press(written: str, syllable: str, key: str) -> tuple[str, str]:
    """(text, syllable) after one key of the letter keyboard: a letter goes into the syllable; 删除
    ("\\b") takes a letter back, then a character; 清空 ("") empties both."""
    if key == "\b":
        return (written, syllable[:-1]) if syllable else (written[:-1], "")
    if key == "":
        return "", ""
    return written, (syllable + key)[:SYLLABLE_MAX]
