"""A lost or damaged case-number counter: the kiosk still starts and no number is ever handed out twice."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from terminal import events
from terminal.casenumber import COPY_NAME, FILE_NAME, CaseNumbers

TODAY = date(2026, 11, 21)


def _delete(path: Path) -> None:
    path.unlink()


def _truncate(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def _garbage_row(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE counter SET day = 'soon', seq = 'many'")


@pytest.mark.parametrize("damage", [_delete, _truncate, _garbage, _garbage_row],
                         ids=["deleted", "truncated", "garbage", "garbage-row"])
def test_damaged_counter_never_reuses(tmp_path: Path, damage: Callable[[Path], None]) -> None:
    numbers = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY)
    earlier = {numbers.next() for _ in range(7)}
    numbers.close()
    damage(tmp_path / FILE_NAME)
    before = events.EVENTS.recent(500)  # held, so no id below is reused by a new event
    seen = {id(e) for e in before}
    again = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY)  # starts: no exception
    later = [again.next() for _ in range(5)]
    assert not earlier & set(later) and len(set(later)) == 5
    assert later[0] == "JY0101-261121-0008"
    recovered = [e for e in events.EVENTS.recent(500)
                 if id(e) not in seen and e.event is events.EventId.CASE_COUNTER_RECOVERED]
    assert len(recovered) == 1 and recovered[0].fields["seq"] == 7


def test_counter_and_copy_both_lost_recovers_from_known_cases(tmp_path: Path) -> None:
    numbers = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY)
    earlier = [numbers.next() for _ in range(4)]
    numbers.close()
    (tmp_path / FILE_NAME).unlink()
    (tmp_path / COPY_NAME).unlink()
    known = [*earlier[:3], "JY0101-261120-0042", "OTHER1-261121-0099", "not a case number"]
    again = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY, known=lambda: known)
    assert again.next() == "JY0101-261121-0004"  # after the highest known; the lost 0004 was never recorded


def test_damaged_copy_alone_changes_nothing(tmp_path: Path) -> None:
    numbers = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY)
    numbers.next()
    numbers.close()
    (tmp_path / COPY_NAME).write_bytes(b"\xff\xfe garbage")
    assert CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY).next() == "JY0101-261121-0002"


def test_counter_damaged_while_running_is_rebuilt_and_counting_goes_on(tmp_path: Path) -> None:
    numbers = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY)
    earlier = {numbers.next() for _ in range(5)}
    for damaged in tmp_path.glob(FILE_NAME + "*"):  # the database, its WAL and index, under the open connection
        damaged.write_bytes(os.urandom(8192))
    later = [numbers.next() for _ in range(3)]
    assert later == [f"JY0101-261121-000{i}" for i in (6, 7, 8)] and not earlier & set(later)
    assert list(tmp_path.glob(FILE_NAME + ".damaged-*"))  # kept for the technician
