"""The card index behind 进度查询 by ID card: finds a person's cases, keeps no ID number, forgets in time."""

from __future__ import annotations

import stat
from pathlib import Path

from terminal.case_index import DAY_SECONDS, CaseIndex

PERSON = "419001199001010043"
OTHER = "41900119850315001X"


def test_finds_the_cases_of_one_card_newest_first(tmp_path: Path) -> None:
    now = [1_000_000.0]
    index = CaseIndex(tmp_path, retention_days=30, clock=lambda: now[0])
    index.add(PERSON, "T0001-261121-0001")
    now[0] += 60
    index.add(OTHER, "T0001-261121-0002")
    now[0] += 60
    index.add(PERSON.lower(), "T0001-261121-0003")  # an x/X check digit typed either way is the same card
    assert index.cases_of(PERSON) == ["T0001-261121-0003", "T0001-261121-0001"]
    assert index.cases_of(OTHER) == ["T0001-261121-0002"]
    assert index.cases_of("110101199003070012") == []


def test_keeps_no_id_number_and_its_key_is_private(tmp_path: Path) -> None:
    index = CaseIndex(tmp_path, retention_days=30)
    index.add(PERSON, "T0001-261121-0001")
    index.close()
    stored = (tmp_path / "case-index.sqlite").read_bytes()
    assert PERSON.encode() not in stored and PERSON[-8:].encode() not in stored
    key = tmp_path / "keys" / "case-index.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    again = CaseIndex(tmp_path, retention_days=30)  # the same key after a restart: old entries still match
    assert again.cases_of(PERSON) == ["T0001-261121-0001"]
    other_terminal = CaseIndex(tmp_path / "elsewhere", retention_days=30)
    other_terminal.add(PERSON, "X")
    assert other_terminal._holder(PERSON) != again._holder(PERSON)  # keyed: hashes differ per terminal


def test_forgets_after_the_retention_time(tmp_path: Path) -> None:
    now = [1_000_000.0]
    index = CaseIndex(tmp_path, retention_days=2, clock=lambda: now[0])
    index.add(PERSON, "T0001-261121-0001")
    now[0] += 2 * DAY_SECONDS - 1
    assert index.cases_of(PERSON) == ["T0001-261121-0001"]
    now[0] += 2
    assert index.cases_of(PERSON) == []
