"""Search index for people typing on a touch screen: Chinese, full pinyin, initials, or a mix.

Every text is split into *units*: one per Chinese character, with its toneless pinyin reading
in context (pypinyin's phrase dictionary: 银行 -> yin hang) plus, for the common polyphones in
`POLYPHONES`, the other readings (重 matches chong and zhong, 给 gei and ji); and one per other
visible character (letters, digits, punctuation; NFKC-normalised, lower case). A query matches a
run of consecutive units when each query piece matches one unit: a Chinese character matches
the same character, and a run of letters is cut into pieces that are each a prefix of one unit's
reading, so "hkdj", "hukoudengji", "hukoudj" and "户口dj" all match 户口登记.

Why it is fast: each text becomes an initials string (first letter of each unit's reading; one
extra variant string per polyphone whose other reading starts with another letter, so one
polyphone per text may be typed with its other reading: 重庆银行 is found by zqyh and cqyx, not
by zqyx) and a characters string. All titles' strings are joined into one text per kind with a
suffix array (numpy) over it, and likewise the items' other texts (main and sub item). A query
becomes a few candidate initials strings (one per plausible way to cut its letters; cuts whose
initials 1..4-grams never occur in the catalog are pruned), each found by binary search in the
suffix array; the hits are checked against the readings (not needed for a pure initials query)
and ranked with numpy arrays, and only the best `limit` are turned into Python objects.

`SearchIndex.search(query, limit, accept)` returns (tier, item index) pairs, best first: tier 0
the whole title matches, 1 the title starts with the query, 2 the title contains it, 3 only the
item's main or sub item matches; index order within a tier.

Memory: pypinyin's dictionaries cost about 55 MB of resident memory once imported, more than the
whole catalog and index (about 1.5 MB). The readings in context are needed once, to build the
index; `CachedReadings` keeps them in a file and computes them in a short-lived child process, so
a kiosk that runs for months never holds pypinyin (it is imported here only for a query that
contains Chinese characters, which the kiosk's letter keys cannot type).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
IGNORED_IN_QUERY = re.compile(r"[\s'’·]+")
SEPARATOR = "\n"
NON_LETTER_INITIAL = "~"     # initial of units whose reading is not ASCII (《, —, rare characters)
NGRAM = 4                    # longest initials n-gram kept for pruning cuts
MAX_CUTS = 48                # ways of cutting one query that are tried
MAX_VARIANTS = 6             # polyphone variant initials strings per text
KEPT_READINGS = 4            # reading files CachedReadings keeps (regions x catalog versions)
MAX_QUERY = 100              # characters of a query that are looked at (nobody types more on a kiosk)
SUFFIX_DEPTH = 64            # suffix array order is exact for this many leading characters
TITLE_EXACT, TITLE_PREFIX, TITLE_INSIDE, OTHER_FIELD = 0, 1, 2, 3
# Letter pieces allowed before the end of a query: whole syllables, single letters and these
# two-letter initials; any syllable prefix is allowed at the end (people are mid-word).
DOUBLE_INITIALS = frozenset({"zh", "ch", "sh"})

# Common polyphones and the readings people may type for them. pypinyin's heteronym lists are
# full of rare readings that would only add noise, so the extra readings are chosen here.
POLYPHONES: dict[str, tuple[str, ...]] = {
    "重": ("zhong", "chong"), "行": ("xing", "hang"), "长": ("chang", "zhang"), "还": ("huan", "hai"),
    "参": ("can", "shen"), "单": ("dan", "shan"), "调": ("diao", "tiao"), "传": ("chuan", "zhuan"),
    "省": ("sheng", "xing"), "率": ("lv", "shuai"), "会": ("hui", "kuai"), "校": ("xiao", "jiao"),
    "系": ("xi", "ji"), "藏": ("cang", "zang"), "曾": ("ceng", "zeng"), "朝": ("chao", "zhao"),
    "乐": ("le", "yue"), "便": ("bian", "pian"), "解": ("jie", "xie"), "降": ("jiang", "xiang"),
    "给": ("gei", "ji"), "属": ("shu", "zhu"), "奇": ("qi", "ji"), "差": ("cha", "chai"),
    "都": ("du", "dou"), "地": ("di", "de"), "得": ("de", "dei"), "着": ("zhe", "zhao", "zhuo"),
    "了": ("le", "liao"), "数": ("shu", "shuo"), "折": ("zhe", "she"), "择": ("ze", "zhai"),
    "血": ("xue", "xie"), "角": ("jiao", "jue"), "觉": ("jue", "jiao"), "和": ("he", "huo"),
    "期": ("qi", "ji"), "核": ("he", "hu"), "模": ("mo", "mu"), "查": ("cha", "zha"),
    "区": ("qu", "ou"), "车": ("che", "ju"), "大": ("da", "dai"), "弹": ("dan", "tan"),
    "称": ("cheng", "chen"), "沈": ("shen", "chen"), "厦": ("sha", "xia"), "露": ("lu", "lou"),
    "薄": ("bo", "bao"), "似": ("si", "shi"),
}

_Readings = tuple[str, ...]
# The readings in context of Han runs (one per character), for a list of runs.
ReadRuns = Callable[[list[str]], Mapping[str, Sequence[str]]]
HAN_OR_OTHER = re.compile(rf"{HAN.pattern}+|[^\s]")
# One query piece: (initial, kind, value); kind "prefix": a reading must start with value;
# "char": the unit must be that character; "": the initial says it all.
_Piece = tuple[str, str, str]


def normalize(text: str) -> str:
    """What both the index and the query see: NFKC (full-width to ASCII), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _lazy_pinyin(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin  # 55 MB: only where readings are really computed

    # pypinyin's stubs say `errors` returns str; a list (one reading per character) is what it documents
    return lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: list(s))  # type: ignore[arg-type,return-value]  # see above


def _reading(char: str) -> str:
    return _lazy_pinyin(char)[0]


def read_runs(runs: Iterable[str]) -> dict[str, list[str]]:
    """Each Han run's readings in context (pypinyin's phrase dictionary, in this process)."""
    out: dict[str, list[str]] = {}
    for run in runs:
        context = _lazy_pinyin(run)
        out[run] = context if len(context) == len(run) else [_reading(c) for c in run]  # unaligned: char by char
    return out


def han_runs(texts: Iterable[str]) -> list[str]:
    """The distinct runs of Chinese characters in `texts` (what needs readings), sorted."""
    return sorted({m.group() for text in texts for m in HAN_OR_OTHER.finditer(normalize(text))
                   if HAN.match(m.group())})


class CachedReadings:
    """`ReadRuns` for a terminal: the readings live in `folder`, keyed by the runs and pypinyin's
    version, and a miss is computed by a child process (`python -m terminal.pinyin_index`), so the
    kiosk process never imports pypinyin. Without a working child, this process computes them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, runs: list[str]) -> Mapping[str, Sequence[str]]:
        key = hashlib.sha256("\n".join([metadata.version("pypinyin"), *runs]).encode()).hexdigest()[:16]
        path = self.folder / f"readings-{key}.json"
        try:
            kept: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
            if all(len(kept.get(run, ())) == len(run) for run in runs):
                return kept
        except (OSError, ValueError, AttributeError):
            pass  # missing, unreadable or not ours: computed again below
        try:
            done = subprocess.run([sys.executable, "-m", __name__], input=json.dumps(runs), capture_output=True,
                                  text=True, timeout=120, check=True, env=_child_env())
            readings: Mapping[str, Sequence[str]] = json.loads(done.stdout)
        except (OSError, subprocess.SubprocessError, ValueError) as error:
            log.warning("search.readings_child_failed problem=%s; reading in this process", type(error).__name__)
            readings = read_runs(runs)
        self._keep(path, readings)
        return readings

    def _keep(self, path: Path, readings: Mapping[str, Sequence[str]]) -> None:
        """Write atomically; keep the newest KEPT_READINGS files (a few regions and catalog versions:
        the folder does not grow with every update). A read-only disk costs only time."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            part = path.with_suffix(".part")
            part.write_text(json.dumps(readings, ensure_ascii=False), encoding="utf-8")
            os.replace(part, path)
            kept = sorted(self.folder.glob("readings-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in kept[KEPT_READINGS:]:
                old.unlink()
        except OSError as error:
            log.warning("search.readings_not_kept folder=%s problem=%s", self.folder, type(error).__name__)


def _child_env() -> dict[str, str]:
    """This process's environment, with the folder this package was imported from on the path."""
    root = str(Path(__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=root + (os.pathsep + path if path else ""))


@cache
def _readings(char: str, context: str) -> _Readings:
    """The reading in context first, then the other readings people may type."""
    return tuple(dict.fromkeys((context, *POLYPHONES.get(char, ()))))


def _initial(reading: str) -> str:
    return reading[0] if reading[0].isascii() else NON_LETTER_INITIAL


def units(text: str, readings: Mapping[str, Sequence[str]] | None = None) -> list[tuple[str, _Readings]]:
    """(character, readings) for every visible character of `text`; `readings` of its Han runs
    (from `read_runs` or a `ReadRuns`), else computed here."""
    text = normalize(text)
    out: list[tuple[str, _Readings]] = []
    for run in HAN_OR_OTHER.finditer(text):
        chunk = run.group()
        if not HAN.match(chunk):
            out.append((chunk, (chunk,)))
            continue
        context = readings[chunk] if readings is not None else read_runs([chunk])[chunk]
        out.extend((c, _readings(c, r)) for c, r in zip(chunk, context, strict=True))
    return out


@lru_cache(maxsize=65536)
def _initials_variants(readings: tuple[_Readings, ...]) -> tuple[str, ...]:
    """The context initials, then one variant per polyphone reading with another initial."""
    base = [_initial(r[0]) for r in readings]
    variants = ["".join(base)]
    for k, rs in enumerate(readings):
        for alt in dict.fromkeys(_initial(r) for r in rs[1:]):
            if alt != base[k] and len(variants) <= MAX_VARIANTS:
                variants.append("".join([*base[:k], alt, *base[k + 1:]]))
    return tuple(variants)


def _suffix_array(codes: np.ndarray) -> np.ndarray:
    """Suffix start positions ordered by their first SUFFIX_DEPTH characters (prefix doubling).

    The end of the text sorts before every character, as in Python string comparison.
    """
    n = len(codes)
    rank = codes.astype(np.int64) + 1
    order = np.argsort(rank, kind="stable")
    covered = 1
    while covered < SUFFIX_DEPTH and n:
        following = np.zeros(n, np.int64)
        if covered < n:
            following[:n - covered] = rank[covered:]
        order = np.lexsort((following, rank))
        r, f = rank[order], following[order]
        step = np.ones(n, np.int64)
        step[1:] = (r[1:] != r[:-1]) | (f[1:] != f[:-1])
        rank = np.empty(n, np.int64)
        rank[order] = np.cumsum(step)
        covered *= 2
        if rank.max() == n:  # every suffix already distinct
            break
    return order.astype(np.int32)


class _Haystack:
    """Short strings joined by SEPARATOR (also at both ends), each tagged with (item, text id).

    An initials haystack also knows, for every position, the unit's character and its set of
    readings, so that the pieces of a query can be checked for all hits at once.
    """

    def __init__(self, parts: Sequence[tuple[str, int, int]], units_of: Sequence[tuple[str, Sequence[int]]] = ()) -> None:
        self.text = SEPARATOR + "".join(p + SEPARATOR for p, _, _ in parts)
        lengths = np.fromiter((len(p) for p, _, _ in parts), np.int64, len(parts))
        self.starts = np.concatenate(([1], 1 + np.cumsum(lengths + 1)[:-1])) if len(parts) else lengths
        self.lengths = lengths
        self.items = np.fromiter((i for _, i, _ in parts), np.int64, len(parts))
        self._sa = _suffix_array(np.frombuffer(self.text.encode("utf-32-le"), dtype=np.uint32))
        # part number of every text position (separators count to the part before them)
        self._part_at = np.repeat(np.arange(-1, len(parts), dtype=np.int32),
                                  np.concatenate(([1], lengths + 1)).astype(np.int64))
        if units_of:
            chars = SEPARATOR + "".join(units_of[t][0] + SEPARATOR for _, _, t in parts)
            self.char_at = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32)
            readings = (r for _, _, t in parts for r in (*units_of[t][1], -1))
            self.readings_at = np.concatenate(([-1], np.fromiter(readings, np.int32, len(self.text) - 1)))

    def _bound(self, needle: str, after_equal: bool) -> int:
        sa, text, m = self._sa, self.text, len(needle)
        lo, hi = 0, len(sa)
        while lo < hi:
            mid = (lo + hi) // 2
            key = text[int(sa[mid]):int(sa[mid]) + m]
            if key < needle or (after_equal and key == needle):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def find(self, needle: str) -> np.ndarray:
        """Text positions of every occurrence of `needle`."""
        probe = needle[:SUFFIX_DEPTH]
        positions = self._sa[self._bound(probe, False):self._bound(probe, True)]
        if len(needle) > SUFFIX_DEPTH:
            positions = np.array([p for p in positions if self.text.startswith(needle, int(p))], np.int32)
        return positions

    def locate(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(part numbers, unit offsets) of text positions."""
        parts = self._part_at[positions]
        return parts, positions - self.starts[parts]

    def nbytes(self) -> int:
        arrays = [self._sa, self._part_at, self.starts, self.lengths, self.items,
                  getattr(self, "char_at", self._sa[:0]), getattr(self, "readings_at", self._sa[:0])]
        return sum(int(a.nbytes) for a in arrays) + len(self.text) * 2


class SearchIndex:
    """Built once per catalog; `search` is read-only and thread-safe."""

    def __init__(self, fields: Sequence[tuple[str, Sequence[str]]], read: ReadRuns = read_runs,
                 aliases: Sequence[Sequence[str]] = ()) -> None:
        """`fields[i]` is item i's (title, other searchable texts such as main and sub item); `read`
        gives the readings of the texts' Han runs (all at once). `aliases[i]` are item i's everyday
        names (残疾证 for 残疾人证新办证): they rank like its title, so 低保 finds 城乡最低生活保障对象认定 first."""
        named = [names for names in aliases] + [()] * (len(fields) - len(aliases))
        readings = read(han_runs(text for (title, others), names in zip(fields, named, strict=True)
                                 for text in (title, *others, *names) if text))
        set_ids: dict[_Readings, int] = {}
        texts: list[tuple[str, list[int]]] = []           # per text id: (unit chars, reading-set ids)
        text_ids: dict[str, int] = {}
        parts: dict[str, list[tuple[str, int, int]]] = {k: [] for k in ("ti", "tc", "oi", "oc")}
        variants: list[tuple[str, ...]] = []
        for item, ((title, others), names) in enumerate(zip(fields, named, strict=True)):
            titles = [(t, "t") for t in dict.fromkeys((title, *names)) if t]
            for text, kind in titles + [(t, "o") for t in dict.fromkeys(others) if t and t != title]:
                tid = text_ids.get(text)
                if tid is None:
                    us = units(text, readings)
                    tid = text_ids[text] = len(texts)
                    texts.append(("".join(c for c, _ in us),
                                  [set_ids.setdefault(r, len(set_ids)) for _, r in us]))
                    variants.append(_initials_variants(tuple(r for _, r in us)))
                parts[kind + "c"].append((texts[tid][0], item, tid))
                parts[kind + "i"].extend((ini, item, tid) for ini in variants[tid])
        self._reading_sets: list[_Readings] = list(set_ids)
        self._titles = {"initials": _Haystack(parts["ti"], texts), "chars": _Haystack(parts["tc"])}
        self._others = {"initials": _Haystack(parts["oi"], texts), "chars": _Haystack(parts["oc"])}
        self._ngrams = frozenset(ini[k:k + n] for vs in variants for ini in vs
                                 for n in range(1, NGRAM + 1) for k in range(len(ini) - n + 1))
        syllables = {r for rs in self._reading_sets for r in rs}
        self._syllables = frozenset(s for s in syllables if s.isascii() and s.isalpha())
        self._prefixes = frozenset(s[:k] for s in self._syllables for k in range(1, len(s) + 1))
        self._prefix_tables: dict[str, np.ndarray] = {}

    def nbytes(self) -> int:
        """Size of the joined texts and arrays (not counting the Python objects kept for building)."""
        return sum(h.nbytes() for d in (self._titles, self._others) for h in d.values())

    # -- query side ---------------------------------------------------------------------------

    def search(self, query: str, limit: int | None = None,
               accept: Callable[[int], bool] | None = None) -> list[tuple[int, int]]:
        """(tier, item index) of the items matching `query`, best first, at most `limit`.

        `accept` filters items (department, type ...).
        """
        q = IGNORED_IN_QUERY.sub("", normalize(query[:4 * MAX_QUERY]))[:MAX_QUERY]
        if not q:
            return []
        if any(c.isascii() and c.isalpha() for c in q):
            kind, plans = "initials", list(self._cuts(q).items())
        else:
            kind, plans = "chars", [(q, [()])]
        tiers, items = [], []
        for needle, alternatives in plans:
            for haystack, is_title in ((self._titles[kind], True), (self._others[kind], False)):
                positions = haystack.find(needle)
                if len(positions) and all(alternatives):
                    positions = positions[self._fitting(haystack, positions, alternatives)]
                if not len(positions):
                    continue
                parts, offsets = haystack.locate(positions)
                if is_title:
                    whole = haystack.lengths[parts] == len(needle)
                    tiers.append(np.where(offsets > 0, TITLE_INSIDE, np.where(whole, TITLE_EXACT, TITLE_PREFIX)))
                else:
                    tiers.append(np.full(len(parts), OTHER_FIELD))
                items.append(haystack.items[parts])
        if not tiers:
            return []
        tier, item = np.concatenate(tiers), np.concatenate(items)
        key = tier * (int(item.max()) + 1) + item
        take = 4 * limit if limit is not None else len(key)
        while True:  # sort only the best hits first; widen when duplicates or filters ate them
            if take >= len(key):
                return self._collect(tier, item, np.argsort(key, kind="stable"), limit, accept)
            best = np.argpartition(key, take)[:take]
            found = self._collect(tier, item, best[np.argsort(key[best], kind="stable")], limit, accept)
            if limit is not None and len(found) >= limit:
                return found
            take *= 8

    @staticmethod
    def _collect(tier: np.ndarray, item: np.ndarray, order: np.ndarray, limit: int | None,
                 accept: Callable[[int], bool] | None) -> list[tuple[int, int]]:
        """The first `limit` distinct accepted items in rank order."""
        results: list[tuple[int, int]] = []
        seen: set[int] = set()
        for start in range(0, len(order), 4096):
            chunk = order[start:start + 4096]
            for t, i in zip(tier[chunk].tolist(), item[chunk].tolist(), strict=True):
                if i in seen:
                    continue
                seen.add(i)
                if accept is None or accept(i):
                    results.append((t, i))
                    if limit is not None and len(results) >= limit:
                        return results
        return results

    def _fitting(self, haystack: _Haystack, positions: np.ndarray,
                 alternatives: list[tuple[_Piece, ...]]) -> np.ndarray:
        """Mask of the positions where at least one way of cutting the query fits the readings."""
        mask = np.zeros(len(positions), bool)
        for alt in alternatives:
            fits = np.ones(len(positions), bool)
            for k, (_, kind, value) in enumerate(alt):
                if kind == "prefix":
                    fits &= self._prefix_table(value)[haystack.readings_at[positions + k]]
                elif kind == "char":
                    fits &= haystack.char_at[positions + k] == ord(value)
            mask |= fits
        return mask

    def _prefix_table(self, prefix: str) -> np.ndarray:
        """For every reading set (and -1, the separator): does one of its readings start with `prefix`?"""
        table = self._prefix_tables.get(prefix)
        if table is None:
            table = np.array([any(r.startswith(prefix) for r in rs) for rs in self._reading_sets] + [False])
            self._prefix_tables[prefix] = table
        return table

    def _cuts(self, q: str) -> dict[str, list[tuple[_Piece, ...]]]:
        """Plausible ways to read `q` as units, grouped by their initials string.

        An empty tuple in a group means that cut needs no check beyond its initials.
        """
        cuts: dict[str, list[tuple[_Piece, ...]]] = {}
        count = 0

        def walk(i: int, pieces: tuple[_Piece, ...], initials: str) -> None:
            nonlocal count
            if count >= MAX_CUTS:
                return
            if i == len(q):
                count += 1
                cuts.setdefault(initials, []).append(pieces if any(p[1] for p in pieces) else ())
                return
            for piece, end in self._pieces_at(q, i):
                extended = initials + piece[0]
                if extended[-NGRAM:] in self._ngrams:
                    walk(end, (*pieces, piece), extended)

        walk(0, (), "")
        return cuts

    def _pieces_at(self, q: str, i: int) -> list[tuple[_Piece, int]]:
        """Every piece the query can continue with at position i (longest first) and its end."""
        c = q[i]
        if HAN.match(c):
            readings = _readings(c, _reading(c))
            return [((ini, "char", c), i + 1) for ini in dict.fromkeys(map(_initial, readings))]
        if not (c.isascii() and c.isalpha()):
            return [((_initial(c), "char" if not c.isascii() else "", c), i + 1)]
        run_end = i
        while run_end < len(q) and q[run_end].isascii() and q[run_end].isalpha():
            run_end += 1
        out: list[tuple[_Piece, int]] = []
        for end in range(run_end, i, -1):
            piece = q[i:end]
            if len(piece) == 1:
                out.append(((piece, "", ""), end))
            elif piece in self._prefixes and (piece in self._syllables or piece in DOUBLE_INITIALS
                                              or end == len(q)):
                out.append(((piece[0], "prefix", piece), end))
        return out


if __name__ == "__main__":  # the child of CachedReadings: Han runs as JSON on stdin, their readings on stdout
    json.dump(read_runs(json.load(sys.stdin)), sys.stdout, ensure_ascii=False)
