"""Line breaks between words, not inside them (非常满意, never 非常满/意).

Kivy wraps only at spaces and cuts a Chinese sentence (no spaces) wherever the line is full. Here
every Kivy label of the kiosk lays out text whose lines were already broken at word boundaries:
`install()` gives Kivy's core label classes a `render` that inserts the newlines first (the label's
own text is not changed: tests and speech read it as written).

Words come from forward maximum matching over a vocabulary: the 2-4 character words of jieba's
dictionary used at least `MIN_FREQUENCY` times (about 94,000 words, kept as CRC-32s: `Vocabulary`), the
kiosk's own terms (`TERMS`) and the catalog's (`add_words`). Punctuation stays with the word before
it (no line starts with ，。), an opening bracket with the word after it. A word wider than a line
is left to Kivy to cut.
"""

from __future__ import annotations

import os
import re
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.util import find_spec
from itertools import chain

MIN_FREQUENCY = 10
LONGEST = 4  # longest word of the dictionary; the catalog's may be longer
CLOSING = set("，。、；：？！）》」』”’】…%·,.;:?!)")
OPENING = set("（《「『“‘【(")
CJK = re.compile(r"[\u3400-\u9fff]")
TAG = re.compile(r"(\[[^\]]*\])")
TERMS = ("读卡区", "身份证", "受理编号", "长辈模式", "回到首页", "帮办代办", "办事指南", "非常满意", "不满意",
         "非常不满意", "工作人员", "服务窗口", "承诺办结", "办结日期", "补齐补正", "进度查询", "联系电话",
         "实施部门", "法定时限", "承诺时限", "收费标准", "扫描材料", "重新签名", "确认提交", "打印回执", "读卡器",
         "拍摄仪", "出纸口", "签名框", "数字键", "营业执照", "户口簿", "不动产", "二维码", "事项类型", "办理时限",
         "咨询电话", "投诉电话", "终端编号", "上一页", "下一页", "本机", "法律责任", "之日起", "证件号码", "个人信息",
         "敏感个人信息", "服务平台", "政务服务平台", "便民服务中心", "彩色照片", "补齐", "读卡核验", "办件编号")
_extra: set[str] = set()


class Vocabulary:
    """jieba's words as a sorted array of their CRC-32s: 1.3 MB where a set of the 94,000 words held 30 MB
    in the kiosk for months. A lookup is one bisection; two words sharing a CRC (about 50 of them) or a
    non-word hitting one only keep two characters on one line."""

    def __init__(self, words: Iterable[str]) -> None:
        self.hashes = array("I", sorted({zlib.crc32(word.encode()) for word in words}))

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        crc = zlib.crc32(word.encode())
        at = bisect_left(self.hashes, crc)
        return at < len(self.hashes) and self.hashes[at] == crc


def _jieba_words() -> Iterator[str]:
    spec = find_spec("jieba")  # (only its dictionary file: importing jieba would hold 19 MB of its models)
    if spec is None or spec.origin is None:  # without jieba: the kiosk's and the catalog's own terms only
        return
    with open(os.path.join(os.path.dirname(spec.origin), "dict.txt"), encoding="utf-8") as dictionary:
        for line in dictionary:
            word, frequency, *_ = line.split()
            if 2 <= len(word) <= 4 and int(frequency) >= MIN_FREQUENCY:
                yield word


@cache
def vocabulary() -> Vocabulary:
    return Vocabulary(chain(TERMS, _jieba_words()))


def add_words(words: Iterable[str]) -> None:
    """Words of this terminal's catalog (item titles, material names): never broken inside."""
    _extra.update(w for w in words if 2 <= len(w) <= 12 and CJK.search(w))


def words(text: str, catalog: bool = True) -> list[str]:
    """`text` cut into words (forward maximum matching), punctuation kept with its neighbour;
    `catalog` False cuts a catalog name into its own words (when it is wider than a line)."""
    known, at = vocabulary(), 0
    pieces: list[str] = []
    extra = _extra if catalog else set()
    longest = max((len(w) for w in extra), default=LONGEST)
    while at < len(text):
        size = 1
        if CJK.match(text[at]):
            for n in range(min(max(longest, LONGEST), len(text) - at), 1, -1):
                if text[at:at + n] in known or text[at:at + n] in extra:
                    size = n
                    break
        else:  # a run of letters or digits is one word
            while at + size < len(text) and text[at + size].isascii() and text[at + size].isalnum() \
                    and text[at].isascii() and text[at].isalnum():
                size += 1
        piece = text[at:at + size]
        if pieces and (piece[0] in CLOSING or pieces[-1][-1] in OPENING):
            pieces[-1] += piece
        else:
            pieces.append(piece)
        at += size
    return pieces


def wrap(text: str, width: float, measure: Callable[[str], float], font_size: float = 0) -> str:
    """`text` with newlines where its lines must break to fit `width`. With `font_size` the text is
    markup: tags take no room and a [size=N] tag scales the words after it by N / font_size."""
    out: list[str] = []
    line = 0.0
    sizes: list[float] = []
    for part in (TAG.split(text) if font_size else [text]):
        if font_size and TAG.fullmatch(part):
            if part.startswith("[size="):
                sizes.append(float(re.sub(r"[^\d.]", "", part) or font_size))
            elif part == "[/size]" and sizes:
                sizes.pop()
            out.append(part)
            continue
        scale = sizes[-1] / font_size if sizes else 1.0
        for index, paragraph in enumerate(part.split("\n")):
            if index:
                out.append("\n")
                line = 0.0
            for word in fitting(words(paragraph), width / scale, measure):
                if line > 0 and line + measure(word) * scale > width and not word.isspace():
                    if out and out[-1].endswith(" "):
                        out[-1] = out[-1].rstrip(" ")
                    out.append("\n")
                    line = 0.0
                    word = word.lstrip(" ")
                out.append(word)
                line += measure(word) * scale
    return "".join(out)


def fitting(pieces: list[str], width: float, measure: Callable[[str], float]) -> list[str]:
    """A catalog name wider than a line is broken between its own words (市自然资源/和/规划局)."""
    out: list[str] = []
    for piece in pieces:
        if len(piece) > LONGEST and measure(piece) > width:
            parts = words(piece, catalog=False)
            if len(parts) > 1 and len(parts[-1]) == 1:  # 规划局, 委员会: the office word stays whole
                parts[-2:] = [parts[-2] + parts[-1]]
            out += parts
        else:
            out.append(piece)
    return out


def install() -> None:
    """Every Kivy label made from now on breaks its lines between words (`wrap`)."""
    import kivy.uix.label as label_module

    for name in ("CoreLabel", "CoreMarkupLabel"):
        core = getattr(label_module, name)
        if not getattr(core, "breaks_words", False):
            setattr(label_module, name, type(f"Word{core.__name__}", (WordBreaking, core), {"breaks_words": True}))


class WordBreaking:
    """Mixed into a Kivy core label class: lay out the text with its word breaks already in."""

    _text: str
    _text_size: tuple[float | None, float | None]
    options: dict

    def render(self, real: bool = False) -> object:
        width = self._text_size[0]
        if real or not width or self.options.get("shorten") or not CJK.search(self._text):
            return super().render(real)  # type: ignore[misc]  # a mixin: Kivy's core label is the next class
        original = self._text
        padding = self.options.get("padding") or (0, 0, 0, 0)
        room = width - (padding[0] + padding[2] if len(padding) == 4 else 2 * padding[0]) - 1
        font_size = float(self.options["font_size"]) if hasattr(self, "markup") else 0.0
        self._text = wrap(original, room, lambda s: self.get_extents(s)[0], font_size)  # type: ignore[attr-defined]  # get_extents is the core label's
        try:
            return super().render(real)  # type: ignore[misc]  # a mixin: Kivy's core label is the next class
        finally:
            self._text = original
