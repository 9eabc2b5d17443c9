"""The kiosk's search without pypinyin in the kiosk process (its dictionaries are 55 MB resident).

A terminal with a data folder keeps the pinyin readings of its catalog in `<data_dir>/search/`,
computed once by a child process; the same searches give the same items as an index built with
pypinyin in the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from terminal.catalog import load_catalog
from terminal.pinyin_index import CachedReadings, han_runs, read_runs
from terminal.pinyin_input import candidates

QUERIES = ("hkdj", "hukoudengji", "户口dj", "zqyh", "sb", "yl", "lv", "xingshi", "jmsfz", "户口", "养老")


def in_child(code: str, cwd: Path) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True,
                          timeout=120).stdout.strip()


def test_a_terminal_loads_and_searches_its_catalog_without_pypinyin(tmp_path: Path, repo: Path) -> None:
    code = ("import sys; from terminal.catalog import load_catalog; from terminal.pinyin_input import candidates\n"
            f"catalog = load_catalog('jiyuan', {str(tmp_path)!r})\n"
            "found = [i.id for i in catalog.search('hkdj')]; typed = candidates('zhong')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pypinyin'), bool(found), ''.join(typed))")
    assert in_child(code, repo) == f"[] True {''.join(candidates('zhong'))}"
    assert len(list((tmp_path / "search").glob("readings-*.json"))) == 1


def test_kept_readings_search_like_pypinyin_in_the_process(tmp_path: Path) -> None:
    shipped, kept = load_catalog("yanshi"), load_catalog("yanshi", tmp_path)
    for query in QUERIES:
        assert [i.id for i in kept.search(query, limit=None)] == [i.id for i in shipped.search(query, limit=None)]
    again = load_catalog("yanshi", tmp_path)  # from the file this time
    assert [i.id for i in again.search("hkdj", limit=None)] == [i.id for i in shipped.search("hkdj", limit=None)]


def test_the_kept_file_is_what_the_index_reads(tmp_path: Path) -> None:
    load_catalog("jiyuan", tmp_path)
    (kept,) = (tmp_path / "search").glob("readings-*.json")
    readings = json.loads(kept.read_text(encoding="utf-8"))
    for run, read in readings.items():  # 户口 read as qq zz, which nobody would type
        at = run.find("户口")
        if at >= 0:
            read[at:at + 2] = ["qq", "zz"]
    kept.write_text(json.dumps(readings, ensure_ascii=False), encoding="utf-8")
    catalog = load_catalog("jiyuan", tmp_path)
    assert not any(i.title.startswith("户口") for i in catalog.search("hk", limit=None))
    assert any(i.title.startswith("户口") for i in catalog.search("qz", limit=None))


def test_an_unwritable_folder_still_gives_the_readings(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    runs = han_runs(["户口登记", "重庆银行开户"])
    assert dict(CachedReadings(blocked / "search")(runs)) == read_runs(runs)


def test_a_few_reading_files_are_kept_not_one_per_update(tmp_path: Path) -> None:
    cache = CachedReadings(tmp_path)
    for n in range(7):
        cache(han_runs([f"第{'一二三四五六七'[n]}次更新"]))
    assert len(list(tmp_path.glob("readings-*.json"))) == 4
