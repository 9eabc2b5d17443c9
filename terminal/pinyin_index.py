"""Search index for people typing on a touch screen: Chinese, full pinyin, initials, or a mix.

Every text is split into *units*: one per Chinese character (with its toneless pinyin readings,
the context reading from pypinyin's phrase dictionary first, then the character's other
readings, so 重 matches both chong and zhong) and one per other visible character (letters,
digits, punctuation; NFKC-normalised and lower-cased). A query matches a run of consecutive
units when each query piece matches one unit: a Chinese character matches the same character,
and a run of letters is cut into pieces that are each a prefix of one unit's reading
("hkdj", "hukoudengji", "hukoudj" and "户口dj" all match 户口登记).

Why it is fast: at build time every text's initials (first letter of its context reading, plus a
variant string for each polyphone whose other readings start with another letter) and its
characters are joined into two big strings. A query is turned into a few candidate initials
strings (one per plausible way to cut its letters; cuts whose initials 1-4-grams never occur in
the catalog are pruned), each located with `str.find` at C speed, and only those hits are
checked against the readings. A pure initials query needs no check at all.

`SearchIndex.search(query)` returns {item index: tier}: 0 the whole title matches, 1 the title
starts with the query, 2 the query is inside the title, 3 only another text of the item matches
(main item, sub item). Ranking and filters are the catalog's job (terminal.catalog).
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Sequence

from pypinyin import Style, lazy_pinyin, pinyin

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
IGNORED_IN_QUERY = re.compile(r"[\s'’·]+")
NGRAM = 4                    # longest initials n-gram kept for pruning cuts
MAX_CUTS = 48                # candidate initials strings tried per query
MAX_VARIANTS = 6             # polyphone variant initials strings per text
MAX_READINGS = 3             # readings kept per character
TITLE_EXACT, TITLE_PREFIX, TITLE_INSIDE, OTHER_FIELD = 0, 1, 2, 3
SEPARATOR = "\n"
# Letter pieces allowed in the middle of a query: whole syllables, single letters and these
# common two-letter initials; any syllable prefix is allowed at the end (people are mid-word).
DOUBLE_INITIALS = frozenset({"zh", "ch", "sh"})


def normalize(text: str) -> str:
    """What both the index and the query see: NFKC (full-width to ASCII), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=None)
def _char_readings(char: str, context_reading: str) -> tuple[str, ...]:
    """The context reading first, then the character's other toneless readings."""
    others = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
    return tuple(dict.fromkeys([context_reading, *others]))[:MAX_READINGS]


def units(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(character, readings) for every visible character of `text`."""
    text = normalize(text)
    out: list[tuple[str, tuple[str, ...]]] = []
    pos = 0

    def plain(chunk: str) -> None:
        out.extend((c, (c,)) for c in chunk if not c.isspace())

    for m in HAN.finditer(text):
        plain(text[pos:m.start()])
        run = m.group()
        context = lazy_pinyin(run, style=Style.NORMAL, errors=lambda s: list(s))
        if len(context) != len(run):  # a phrase the dictionary could not align: go char by char
            context = [lazy_pinyin(c, style=Style.NORMAL, errors=lambda s: list(s))[0] for c in run]
        out.extend((c, _char_readings(c, r)) for c, r in zip(run, context))
        pos = m.end()
    plain(text[pos:])
    return out


# One query piece: (initial letter, kind, value); kind "prefix" checks a reading prefix,
# "char" checks the character, "" needs no check beyond the initial.
_Piece = tuple[str, str, str]
_Text = tuple[str, tuple[tuple[str, ...], ...]]      # (unit characters, unit readings)


class _Haystack:
    """Many short strings joined by SEPARATOR (also at both ends), each tagged (item, text id).

    Parts are added in item order, so occurrences come out in item order, which lets a search
    stop as soon as it has enough results.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.starts: list[int] = []
        self.item: list[int] = []
        self.text: list[int] = []
        self._length = 1
        self.joined = SEPARATOR

    def add(self, part: str, item: int, text_id: int) -> None:
        self._parts.append(part)
        self.starts.append(self._length)
        self.item.append(item)
        self.text.append(text_id)
        self._length += len(part) + 1

    def freeze(self) -> None:
        self.joined = SEPARATOR + SEPARATOR.join(self._parts) + SEPARATOR
        self._parts = []

    def occurrences(self, needle: str, whole: bool, at_start: bool) -> Iterator[tuple[int, int, int]]:
        """(item, text id, unit offset) of each occurrence, in item order."""
        find = self.joined.find
        pattern = (SEPARATOR if at_start or whole else "") + needle + (SEPARATOR if whole else "")
        shift = 1 if at_start or whole else 0
        pos = find(pattern)
        while pos >= 0:
            part = bisect_right(self.starts, pos + shift) - 1
            yield self.item[part], self.text[part], pos + shift - self.starts[part]
            pos = find(pattern, pos + 1)


class SearchIndex:
    """Built once per catalog; `search` is read-only and thread-safe."""

    def __init__(self, fields: Sequence[tuple[str, Sequence[str]]]) -> None:
        """`fields[i]` is item i's (title, other searchable texts such as main and sub item)."""
        self._texts: list[_Text] = []
        text_ids: dict[str, int] = {}
        syllables: set[str] = set()
        ngrams: set[str] = set()
        self._title_initials, self._title_chars = _Haystack(), _Haystack()
        self._other_initials, self._other_chars = _Haystack(), _Haystack()

        def add(text: str, item: int, initials: _Haystack, chars: _Haystack) -> None:
            tid = text_ids.get(text)
            if tid is None:
                us = units(text)
                tid = text_ids[text] = len(self._texts)
                self._texts.append(("".join(c for c, _ in us), tuple(r for _, r in us)))
                for _, readings in us:
                    syllables.update(readings)
                for ini in self._initials_variants(self._texts[tid][1]):
                    for n in range(1, NGRAM + 1):
                        ngrams.update(ini[k:k + n] for k in range(len(ini) - n + 1))
            chars.add(self._texts[tid][0], item, tid)
            for ini in self._initials_variants(self._texts[tid][1]):
                initials.add(ini, item, tid)

        for i, (title, others) in enumerate(fields):
            add(title, i, self._title_initials, self._title_chars)
            for text in dict.fromkeys(others):
                if text and text != title:
                    add(text, i, self._other_initials, self._other_chars)
        for haystack in (self._title_initials, self._title_chars, self._other_initials, self._other_chars):
            haystack.freeze()
        self._ngrams = frozenset(ngrams)
        self._syllables = frozenset(s for s in syllables if s.isascii() and s.isalpha())
        self._prefixes = frozenset(s[:k] for s in self._syllables for k in range(1, len(s) + 1))

    @staticmethod
    @lru_cache(maxsize=65536)
    def _initials_variants(readings: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
        """The context initials, then one variant per polyphone reading with another initial."""
        base = [r[0][0] for r in readings]
        variants = ["".join(base)]
        for k, rs in enumerate(readings):
            for alt in dict.fromkeys(r[0] for r in rs[1:]):
                if alt != base[k] and len(variants) <= MAX_VARIANTS:
                    variants.append("".join(base[:k] + [alt] + base[k + 1:]))
        return tuple(variants)

    # -- query side ---------------------------------------------------------------------------

    def search(self, query: str, limit: int | None = None,
               accept: Callable[[int], bool] | None = None) -> list[tuple[int, int]]:
        """(tier, item index) of the items matching `query`, best first, at most `limit`.

        Within a tier items come in index order; `accept` filters items (department, type ...).
        Each tier's scan stops once `limit` results are collected.
        """
        q = IGNORED_IN_QUERY.sub("", normalize(query))
        if not q:
            return []
        if any(c.isascii() and c.isalpha() for c in q):
            plans = list(self._cuts(q).items())
            titles, others = self._title_initials, self._other_initials
        else:
            plans = [(q, [()])]
            titles, others = self._title_chars, self._other_chars
        stages = ((TITLE_EXACT, titles, True, False), (TITLE_PREFIX, titles, False, True),
                  (TITLE_INSIDE, titles, False, False), (OTHER_FIELD, others, False, False))
        results: list[tuple[int, int]] = []
        seen: set[int] = set()
        for tier, haystack, whole, at_start in stages:
            streams = [self._verified(haystack.occurrences(needle, whole, at_start), checks)
                       for needle, checks in plans]
            for item in heapq.merge(*streams):
                if item in seen or (accept is not None and not accept(item)):
                    continue
                seen.add(item)
                results.append((tier, item))
                if limit is not None and len(results) >= limit:
                    return results
        return results

    def _verified(self, occurrences: Iterable[tuple[int, int, int]],
                  checks: list[tuple[_Piece, ...]]) -> Iterator[int]:
        """Items of the occurrences whose readings fit at least one way of cutting the query."""
        needs_check = all(checks)
        for item, tid, offset in occurrences:
            if not needs_check or any(self._fits(self._texts[tid], offset, c) for c in checks):
                yield item

    @staticmethod
    def _fits(text: _Text, offset: int, check: tuple[_Piece, ...]) -> bool:
        chars, readings = text
        for k, (_, kind, value) in enumerate(check):
            if kind == "prefix":
                if not any(r.startswith(value) for r in readings[offset + k]):
                    return False
            elif kind == "char" and chars[offset + k] != value:
                return False
        return True

    def _cuts(self, q: str) -> dict[str, list[tuple[_Piece, ...]]]:
        """Plausible ways to read `q` as units, grouped by their initials string."""
        cuts: dict[str, list[tuple[_Piece, ...]]] = {}
        count = 0

        def walk(i: int, pieces: tuple[_Piece, ...], initials: str) -> None:
            nonlocal count
            if count >= MAX_CUTS:
                return
            if i == len(q):
                count += 1
                needs_check = tuple(p for p in pieces if p[1])
                cuts.setdefault(initials, []).append(pieces if needs_check else ())
                return
            for piece, end in self._pieces_at(q, i):
                ini = initials + piece[0]
                if ini[-NGRAM:] in self._ngrams:
                    walk(end, pieces + (piece,), ini)

        walk(0, (), "")
        return cuts

    def _pieces_at(self, q: str, i: int) -> list[tuple[_Piece, int]]:
        """Every piece the query can start with at position i, longest first, with its end."""
        c = q[i]
        if HAN.fullmatch(c):
            initials = dict.fromkeys(r[0] for r in _char_readings(c, lazy_pinyin(c)[0]))
            return [((ini, "char", c), i + 1) for ini in initials]
        if not (c.isascii() and c.isalpha()):
            return [((c, "", ""), i + 1)]
        run_end = i
        while run_end < len(q) and q[run_end].isascii() and q[run_end].isalpha():
            run_end += 1
        out: list[tuple[_Piece, int]] = []
        for end in range(run_end, i, -1):
            piece = q[i:end]
            if piece not in self._prefixes and len(piece) > 1:
                continue
            if len(piece) == 1:
                out.append(((piece, "", ""), end))
            elif piece in self._syllables or piece in DOUBLE_INITIALS or end == len(q):
                out.append(((piece[0], "prefix", piece), end))
        return out
