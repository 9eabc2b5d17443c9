"""Case numbers: format, order, restart, clock going backwards and a child killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

from terminal.casenumber import CaseNumbers, format_case_number, parse_case_number

TODAY = date(2026, 11, 21)


def test_format_reads_aloud_and_parses_back(tmp_path: Path) -> None:
    numbers = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY)
    first = numbers.next()
    assert first == "JY0101-261121-0001"
    assert parse_case_number(first) == ("JY0101", TODAY, 1)
    assert parse_case_number(" jy0101-261121-0001 ") == ("JY0101", TODAY, 1)
    assert parse_case_number("JY0101-261341-0001") is None  # month 13
    assert parse_case_number("hello") is None
    assert format_case_number("JY0101", TODAY, 12345) == "JY0101-261121-12345"


def test_sequence_increases_and_restarts_each_day(tmp_path: Path) -> None:
    day = [TODAY]
    numbers = CaseNumbers(tmp_path, "JY0101", today=lambda: day[0])
    assert [numbers.next() for _ in range(3)] == [f"JY0101-261121-000{i}" for i in (1, 2, 3)]
    day[0] = date(2026, 11, 22)
    assert numbers.next() == "JY0101-261122-0001"


def test_restart_continues_where_it_stopped(tmp_path: Path) -> None:
    first = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY)
    issued = {first.next() for _ in range(5)}
    first.close()
    again = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY)
    assert again.next() == "JY0101-261121-0006"
    assert len(issued) == 5


def test_clock_going_backwards_never_reuses(tmp_path: Path) -> None:
    day = [date(2026, 11, 22)]
    numbers = CaseNumbers(tmp_path, "JY0101", today=lambda: day[0])
    issued = [numbers.next(), numbers.next()]
    day[0] = TODAY  # the RTC lost a day
    issued += [numbers.next(), numbers.next()]
    assert issued == ["JY0101-261122-0001", "JY0101-261122-0002", "JY0101-261122-0003", "JY0101-261122-0004"]
    day[0] = date(2026, 11, 23)
    assert numbers.next() == "JY0101-261123-0001"


def test_threads_get_distinct_numbers(tmp_path: Path) -> None:
    numbers = CaseNumbers(tmp_path, "JY0101", today=lambda: TODAY)
    got: list[str] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(20):
            n = numbers.next()
            with lock:
                got.append(n)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 80


CHILD = """
import sys
from pathlib import Path
from terminal.casenumber import CaseNumbers
numbers = CaseNumbers(Path(sys.argv[1]), "JY0101")
while True:
    print(numbers.next(), flush=True)
"""


def test_kill_9_never_reuses_a_number(tmp_path: Path) -> None:
    """A child hands out numbers as fast as it can and is killed mid-stream; nothing it printed comes back."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    printed = [child.stdout.readline().strip() for _ in range(200)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    printed += [line.strip() for line in child.stdout if line.strip()]
    assert len(set(printed)) == len(printed)
    after = CaseNumbers(tmp_path, "JY0101")
    fresh = [after.next() for _ in range(5)]
    assert not set(fresh) & set(printed)
    def order(n: str) -> tuple[date, int]:
        parsed = parse_case_number(n)
        assert parsed is not None
        return parsed[1], parsed[2]

    assert min(map(order, fresh)) > max(map(order, printed))
