"""Event log: stable documented IDs, the personal-data guard, the ring and the rotating file."""

from __future__ import annotations

import json
from pathlib import Path

from terminal.events import EventId, EventLog


def test_every_event_id_is_documented_and_unique(repo: Path) -> None:
    text = (repo / "docs" / "events.md").read_text(encoding="utf-8")
    codes = [e.value for e in EventId]
    assert len(codes) == len(set(codes))
    for e in EventId:
        assert f"| `{e.value}` | `{e.name}` |" in text


def test_personal_looking_values_are_redacted(tmp_path: Path) -> None:
    log = EventLog(capacity=3)
    path = tmp_path / "logs" / "events.jsonl"
    log.configure(path)
    log.record(EventId.CARD_READ_FAILED, device="idcard", reason="bad id 11010519491231002X for 13800138000")
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert line["id"] == "E2021"
    assert "11010519491231002X" not in path.read_text(encoding="utf-8")
    assert "13800138000" not in path.read_text(encoding="utf-8")
    assert line["reason"] == "bad id [redacted] for [redacted]"
    # Case numbers and counts are not personal and pass untouched.
    log.record(EventId.CASE_SUBMITTED, case_no="JY0101-261121-0007", pages=3)
    assert log.recent()[-1].fields == {"case_no": "JY0101-261121-0007", "pages": 3}


def test_ring_keeps_only_the_most_recent() -> None:
    log = EventLog(capacity=3)
    for n in range(5):
        log.record(EventId.SELF_TEST, device=f"d{n}")
    assert [e.fields["device"] for e in log.recent()] == ["d2", "d3", "d4"]
    assert [e.fields["device"] for e in log.recent(limit=1)] == ["d4"]


def test_file_rotates(tmp_path: Path) -> None:
    log = EventLog()
    path = tmp_path / "events.jsonl"
    log.configure(path, max_bytes=400, backups=2)
    for n in range(30):
        log.record(EventId.SELF_TEST, device="printer", n=n)
    assert path.exists() and (tmp_path / "events.jsonl.1").exists()
    assert path.stat().st_size <= 400
