"""Loss of the outbox database or of records in it is reported, never papered over with a fresh outbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sync.outbox import Outbox, OutboxLost
from terminal import events
from tests.faults.conftest import assert_no_traceback, run_terminal, write_config
from tests.sync.helpers import make_case

COMMANDS = (("outbox", "verify"), ("outbox", "list"), ("sync", "status"), ("diag", "outbox"), ("sync", "serve"))


def _filled(data_dir: Path, cases: int = 3) -> list[str]:
    box = Outbox(data_dir, min_free_mb=10)
    numbers = []
    for n in range(cases):
        box.submit(make_case(n))
        numbers.append(make_case(n).case_no)
    box.close()
    return numbers


def _content(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


@pytest.mark.parametrize("damage", ["deleted", "emptied", "deleted with its ledger", "garbage"])
def test_lost_database_is_a_fault_for_every_command_and_never_recreated(tmp_path: Path, damage: str) -> None:
    data = tmp_path / "data"
    _filled(data)
    database = data / "outbox" / "outbox.sqlite"
    if damage.startswith("deleted"):
        database.unlink()
    if damage == "deleted with its ledger":
        (data / "outbox.ledger").unlink()
    if damage in ("emptied", "garbage"):
        database.write_bytes(b"" if damage == "emptied" else b"not a database " * 400)
    damaged = _content(database)
    files = sorted(p.name for p in (data / "outbox" / "attachments").iterdir())
    config = write_config(tmp_path / "terminal.toml", data)
    for command in COMMANDS if damage in ("deleted", "emptied") else COMMANDS[:1]:
        result = run_terminal(config, *command)
        assert result.returncode != 0, command
        assert_no_traceback(result)
        assert "丢失" in result.stdout + result.stderr, command
        assert _content(database) == damaged, f"{command} created a fresh database or replaced the damaged one"
    assert sorted(p.name for p in (data / "outbox" / "attachments").iterdir()) == files  # nothing swept
    with pytest.raises(OutboxLost):
        Outbox(data, min_free_mb=10)


def test_flipped_wal_byte_losing_cases_is_detected_and_their_scans_kept(tmp_path: Path) -> None:
    live, crashed = tmp_path / "live", tmp_path / "crashed"
    Outbox(live, min_free_mb=10).close()  # the schema is checkpointed into the database file
    box = Outbox(live, min_free_mb=10)
    numbers = []
    for n in range(3):
        box.submit(make_case(n))
        numbers.append(make_case(n).case_no)
    # A power cut now: the cases are committed in the WAL only. Copy the folder as the disk holds it.
    shutil.copytree(live, crashed)
    box.close()
    wal = crashed / "outbox" / "outbox.sqlite-wal"
    assert wal.stat().st_size > 32 + 24 + 4096
    raw = bytearray(wal.read_bytes())
    raw[32 + 24 + 100] ^= 0x01  # one bit in the first frame's page: SQLite drops that frame and all after it
    wal.write_bytes(bytes(raw))
    before = len(events.EVENTS.recent(500))
    reopened = Outbox(crashed, min_free_mb=10)
    assert set(reopened.lost) == set(numbers)
    report = reopened.verify()
    assert not report.ok and all(any(n in p for p in report.problems) for n in numbers)
    assert any(a.level == "fault" and "丢失" in a.summary_zh for a in reopened.alarms())
    kept = list((crashed / "outbox" / "quarantine").iterdir())
    assert len(kept) == 3 * len(numbers)  # 2 pages and a signature per case: set aside, not deleted
    assert not list((crashed / "outbox" / "attachments").iterdir())
    recent = [e.event for e in events.EVENTS.recent(500)[before:]]
    assert events.EventId.OUTBOX_LOST in recent and events.EventId.FILES_QUARANTINED in recent
    reopened.close()
    config = write_config(tmp_path / "terminal.toml", crashed)
    result = run_terminal(config, "outbox", "verify")
    assert result.returncode == 1 and "lost" in result.stdout
    assert_no_traceback(result)
    listing = run_terminal(config, "outbox", "list")
    assert listing.returncode == 1 and all(f"LOST {n}" in listing.stderr for n in numbers)
    assert run_terminal(config, "sync", "status").returncode == 1


def test_unaccounted_files_are_quarantined_with_an_alarm(tmp_path: Path) -> None:
    _filled(tmp_path, cases=1)
    stray = tmp_path / "outbox" / "attachments" / ("ab" * 32)
    stray.write_bytes(b"a scan nobody names")
    unfinished = tmp_path / "outbox" / "attachments" / f"{make_case(9).case_no}.{'cd' * 20}"
    unfinished.write_bytes(b"sealed by a submit killed before its commit")
    box = Outbox(tmp_path, min_free_mb=10)
    assert (tmp_path / "outbox" / "quarantine" / stray.name).read_bytes() == b"a scan nobody names"
    assert not unfinished.exists() and not (tmp_path / "outbox" / "quarantine" / unfinished.name).exists()
    assert box.verify().ok  # the records themselves are whole
    assert any(a.level == "warning" and "隔离" in a.summary_zh for a in box.alarms())


def test_a_damaged_ledger_is_kept_aside_rebuilt_and_reported(tmp_path: Path) -> None:
    _filled(tmp_path, cases=2)
    (tmp_path / "outbox.ledger").write_bytes(b"\x00" * 40)
    box = Outbox(tmp_path, min_free_mb=10)
    assert box.verify().ok and box.lost == ()
    assert (tmp_path / "outbox.ledger.damaged").read_bytes() == b"\x00" * 40
    assert any(a.level == "warning" and "账本" in a.summary_zh for a in box.alarms())
    box.close()
    (tmp_path / "outbox" / "outbox.sqlite").unlink()  # the rebuilt ledger protects the cases again
    with pytest.raises(OutboxLost):
        Outbox(tmp_path, min_free_mb=10)


def test_flipped_byte_in_the_last_wal_frame_loses_exactly_the_last_case_and_says_so(tmp_path: Path) -> None:
    live, crashed = tmp_path / "live", tmp_path / "crashed"
    Outbox(live, min_free_mb=10).close()
    box = Outbox(live, min_free_mb=10)
    for n in range(3):
        box.submit(make_case(n))
    shutil.copytree(live, crashed)  # the disk as a power cut leaves it
    box.close()
    wal = crashed / "outbox" / "outbox.sqlite-wal"
    raw = bytearray(wal.read_bytes())
    raw[-100] ^= 0x01  # the last frame: the last commit (case 2) is dropped, the earlier ones stay
    wal.write_bytes(bytes(raw))
    reopened = Outbox(crashed, min_free_mb=10)
    assert reopened.lost == (make_case(2).case_no,)
    assert [r.record_id for r in reopened.pending()] == [make_case(0).case_no, make_case(1).case_no]
    assert [p for p in reopened.verify().problems if "lost" not in p] == []  # the others open and match
    assert {p.name.rpartition(".")[0] for p in (crashed / "outbox" / "quarantine").iterdir()} == {make_case(2).case_no}
