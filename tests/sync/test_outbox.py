"""The outbox on real SQLite files: frozen records, encryption at rest, states, purge, disk guard, alarms."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from sync.keys import Keyring, SealBroken
from sync.outbox import Outbox, RecordConflict, RecordGone
from terminal.cases import Complaint, Rating, RatingRecord
from terminal.errors import StorageFull
from terminal.strictjson import ReceiptInvalid
from tests.sync.helpers import make_case, sha, stored_file


def _all_stored_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_submit_is_durable_encrypted_and_frozen(outbox: Outbox, tmp_path: Path) -> None:
    case = make_case(1, pages=3)
    outbox.submit(case)
    outbox.submit(case)  # a retried submit of the same content is a no-op
    assert outbox.stats().counts["queued"] == 1
    with pytest.raises(RecordConflict):
        outbox.submit(dataclasses.replace(case, phone="13900139000"))
    stored = _all_stored_bytes(tmp_path / "terminal" / "outbox")
    for secret in (case.applicant.id_number.encode(), case.applicant.name.encode(), case.phone.encode(),
                   case.materials[0].pages[0].jpeg[100:140]):
        assert secret not in stored
    key_file = tmp_path / "terminal" / "keys" / "outbox.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    manifest = json.loads(Outbox(tmp_path / "terminal", min_free_mb=10).manifest(case.case_no))
    assert manifest["case"]["applicant"]["id_number"] == case.applicant.id_number
    assert [a["sha256"] for a in manifest["attachments"][:3]] == [p.sha256 for p in case.materials[0].pages]


def test_attachments_are_content_addressed_and_verified(outbox: Outbox) -> None:
    case = make_case(2, pages=2)
    outbox.submit(case)
    for info in outbox.attachments(case.case_no):
        data = outbox.attachment(case.case_no, info.name)
        assert sha(data) == info.sha256
        assert stored_file(outbox, case.case_no, info.name).exists()
    report = outbox.verify()
    assert report.ok and report.checked_files == 3
    victim = stored_file(outbox, case.case_no, "m01-p01.jpg")
    blob = bytearray(victim.read_bytes())
    blob[-5] ^= 0xFF
    victim.write_bytes(bytes(blob))
    report = outbox.verify()
    assert not report.ok and "m01-p01.jpg" in report.problems[0]


def test_states_and_purge_keep_only_non_personal_record(outbox: Outbox) -> None:
    case = make_case(3)
    outbox.submit(case)
    claimed = outbox.claim()
    assert claimed is not None and claimed.state == "sending" and outbox.claim() is None
    outbox.release(case.case_no, "HTTP 500", retry_in=0)
    assert outbox.record(case.case_no).state == "queued" and outbox.record(case.case_no).attempts == 1
    outbox.claim()
    assert outbox.mark_delivered(case.case_no, "PLT-1", "push") is True
    assert outbox.mark_delivered(case.case_no, "PLT-1", "pull") is False  # never delivered twice
    info = outbox.record(case.case_no)
    assert (info.state, info.receipt, info.delivered_via) == ("purged", "PLT-1", "push")
    assert info.attachment_bytes > 0 and info.attachment_count == 3
    assert not list(outbox.files.glob("*"))
    with pytest.raises(RecordGone):
        outbox.manifest(case.case_no)
    with pytest.raises(RecordGone):
        outbox.attachment(case.case_no, "m01-p01.jpg")


def test_shared_attachment_survives_purge_of_one_record(outbox: Outbox) -> None:
    first, second = make_case(4), make_case(5)
    same_page = first.materials[0]
    second = dataclasses.replace(second, materials=(same_page,))
    outbox.submit(first)
    outbox.submit(second)
    outbox.mark_delivered(first.case_no, "PLT-A", "push")
    assert outbox.attachment(second.case_no, "m01-p01.jpg") == same_page.pages[0].jpeg


def test_interrupted_send_goes_back_to_queued_at_start(tmp_path: Path) -> None:
    box = Outbox(tmp_path, min_free_mb=10)
    box.submit(make_case(6))
    box.claim()
    # A process that died mid-send: its pid no longer exists.
    dead = subprocess.Popen(["true"])
    dead.wait()
    box._db.execute("UPDATE records SET claimed_by = ?", (dead.pid,))
    box.close()
    again = Outbox(tmp_path, min_free_mb=10)
    assert again.record(make_case(6).case_no).state == "queued"


def test_ratings_and_complaints_are_records_too(outbox: Outbox) -> None:
    outbox.add_rating(RatingRecord("T0001-20270101-00001", "T0001", Rating.DISSATISFIED, ("等候时间太长",),
                                   item_id="jiyuan-001", item_name="户口登记(出生登记)"))
    outbox.add_complaint(Complaint("C-T0001-0001", "T0001", "服务态度", "测试投诉", phone="13800138000"))
    kinds = {r.record_id: r.kind for r in outbox.pending()}
    assert kinds == {"T0001-20270101-00001-R": "rating", "C-T0001-0001": "complaint"}
    assert json.loads(outbox.manifest("C-T0001-0001"))["complaint"]["phone"] == "13800138000"
    rating = json.loads(outbox.manifest("T0001-20270101-00001-R"))["rating"]
    assert (rating["item_id"], rating["channel"], rating["label"]) == ("jiyuan-001", "现场", "不满意")


def test_free_space_guard_refuses_new_cases(tmp_path: Path) -> None:
    box = Outbox(tmp_path, min_free_mb=10**9)
    with pytest.raises(StorageFull) as info:
        box.submit(make_case(7))
    assert "存储空间不足" in info.value.for_people()
    assert box.stats().counts["queued"] == 0 and not list(box.files.rglob("*.tmp"))
    assert any(a.level == "fault" for a in box.alarms())


def test_write_error_mid_submit_leaves_nothing_behind(outbox: Outbox, monkeypatch: pytest.MonkeyPatch) -> None:
    outbox.submit(make_case(8))
    real_write = os.write
    calls = {"n": 0}

    def failing_write(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 2:  # the second attachment hits a full disk
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(StorageFull):
        outbox.submit(make_case(9))
    monkeypatch.setattr(os, "write", real_write)
    assert [r.record_id for r in outbox.pending()] == [make_case(8).case_no]
    wanted = {stored_file(outbox, make_case(8).case_no, a.name).name for a in outbox.attachments(make_case(8).case_no)}
    assert {p.name for p in outbox.files.glob("*")} == wanted
    assert not [p for p in outbox.files.rglob(".*") if p.is_file()]
    assert outbox.verify().ok


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="needs root to mount a tmpfs")
def test_really_full_tmpfs(tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("tmpfs mount not permitted here")
    try:
        box = Outbox(mount, min_free_mb=0)  # no guard: the file system itself runs out
        with pytest.raises(StorageFull):
            for n in range(50):
                box.submit(make_case(100 + n, pages=2, page_bytes=100_000))
        assert box.verify().ok
        box.close()
    finally:
        subprocess.run(["umount", str(mount)])


def test_retention_alarm_before_the_limit(tmp_path: Path) -> None:
    now = [datetime(2027, 1, 1).timestamp()]
    box = Outbox(tmp_path, min_free_mb=10, retention_days=10, clock=lambda: now[0])
    box.submit(make_case(10))
    assert box.alarms() == []
    now[0] += 8.5 * 86400
    assert [a.level for a in box.alarms()] == ["warning"]
    now[0] += 2 * 86400
    assert [a.level for a in box.alarms()] == ["fault"]
    assert box.stats().oldest_queued_age_s == pytest.approx(10.5 * 86400)


def test_key_rotation_keeps_old_records_readable(tmp_path: Path) -> None:
    box = Outbox(tmp_path, min_free_mb=10)
    box.submit(make_case(11))
    new_id = box.keys.rotate()
    box.submit(make_case(12))
    box.close()
    reopened = Outbox(tmp_path, min_free_mb=10)
    assert reopened.keys.current == new_id
    assert reopened.verify().ok
    assert reopened.key_ids_in_use() == {"k1", new_id}
    ring = Keyring(tmp_path / "keys" / "outbox.key")
    with pytest.raises(ValueError):
        ring.retire(new_id)


def test_database_integrity_is_checked(outbox: Outbox) -> None:
    outbox.submit(make_case(13))
    assert outbox.verify().integrity == "ok"
    db = sqlite3.connect(outbox.root / "outbox.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_keyring_opens_only_whole_blobs_it_sealed(tmp_path: Path) -> None:
    ring = Keyring.create(tmp_path / "outbox.key")
    blob = ring.seal(b"page bytes", b"ctx")
    assert ring.open(blob, b"ctx") == b"page bytes"
    nonce_end = blob.index(b"\0") + 13
    for broken in (blob[:nonce_end + 15], b"k9" + blob[2:], blob.replace(b"\0", b"x", 1), b"\0" + blob,
                   b"k" * 40 + blob[blob.index(b"\0"):], b""):
        with pytest.raises(SealBroken):
            ring.open(broken, b"ctx")
    with pytest.raises(SealBroken):
        ring.open(blob, b"other context")


def test_clock_set_ahead_then_back_does_not_park_failed_records(tmp_path: Path) -> None:
    now = [2_000_000_000.0 + 86400]  # a day ahead
    box = Outbox(tmp_path, min_free_mb=10, clock=lambda: now[0])
    box.submit(make_case(21))
    box.claim()
    box.release(make_case(21).case_no, "HTTP 503", retry_in=120)
    now[0] -= 86400  # the clock is corrected
    assert box.next_due_in() == 0.0
    assert box.claim() is not None  # tried again now, not in 24 hours
    box.release(make_case(21).case_no, "HTTP 503", retry_in=10 * 86400)
    assert box.next_due_in() <= 3600  # no backoff longer than the cap


def test_outbox_list_escapes_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from terminal import config as config_module
    from terminal.commands import outbox as command

    config = config_module.from_dict({"storage": {"data_dir": str(tmp_path), "min_free_mb": 10}})
    box = Outbox.from_config(config)
    box.submit(make_case(22))
    box.mark_delivered(make_case(22).case_no, "PLT-1", "pull")
    with sqlite3.connect(tmp_path / "outbox" / "outbox.sqlite") as db:  # stored before receipts were checked
        db.execute("UPDATE records SET receipt = ?", ("PLT-1\x1b[2J\x1b]0;owned\x07\r\nfake line",))
    args = argparse.Namespace(state=None, limit=10, json=False)
    assert command.run_list(args, config) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "PLT-1\\x1b[2J\\x1b]0;owned\\x07\\r\\nfake line" in out


def test_records_sealed_before_per_record_keys_still_open_and_purge(tmp_path: Path) -> None:
    """An outbox from before per-record data keys: columns added at open, its records open with the ring."""
    Outbox(tmp_path, min_free_mb=10).close()
    db = sqlite3.connect(tmp_path / "outbox" / "outbox.sqlite")
    for column in ("data_key", "quarantined_at", "quarantine_reason"):
        db.execute(f"ALTER TABLE records DROP COLUMN {column}")
    from sync import manifest as wire
    ring = Keyring(tmp_path / "keys" / "outbox.key")
    record = wire.from_case(make_case(31, pages=1))
    db.execute("INSERT INTO records (record_id, kind, summary, state, created_at, manifest_sha256, manifest_size,"
               " manifest_sealed, attachment_count, attachment_bytes) VALUES (?,?,?,?,?,?,?,?,?,?)",
               (record.record_id, record.kind, record.summary, "queued", 0.0, record.manifest_sha256,
                len(record.manifest), ring.seal(record.manifest, record.record_id.encode()), 2,
                sum(len(a.data) for a in record.attachments)))
    for a in record.attachments:
        db.execute("INSERT INTO attachments VALUES (?,?,?,?,?)", (record.record_id, a.name, a.sha256, len(a.data),
                                                                  a.content_type))
        (tmp_path / "outbox" / "attachments" / a.sha256).write_bytes(ring.seal(a.data, a.sha256.encode()))
    db.commit()
    db.close()
    box = Outbox(tmp_path, min_free_mb=10)
    assert box.verify().ok and box.manifest(record.record_id) == record.manifest
    assert box.attachment(record.record_id, "m01-p01.jpg") == record.attachments[0].data
    assert box.key_ids_in_use() == {"k1"}
    box.mark_delivered(record.record_id, "PLT-9", "pull")
    assert not list(box.files.iterdir())


def test_purged_records_are_forgotten_after_a_week_and_never_read_as_lost(tmp_path: Path) -> None:
    now = [2_000_000_000.0]
    box = Outbox(tmp_path, min_free_mb=10, clock=lambda: now[0])
    for n in range(30, 34):
        box.submit(make_case(n))
    box.mark_delivered(make_case(30).case_no, "PLT-30", "push")
    box.mark_delivered(make_case(31).case_no, "PLT-31", "push")
    now[0] += 8 * 86400
    box.mark_delivered(make_case(32).case_no, "PLT-32", "push")  # the first purge in a while forgets 30 and 31
    ids = {r.record_id for r in box.records(limit=100)}
    assert ids == {make_case(32).case_no, make_case(33).case_no}
    ledger = (tmp_path / "outbox.ledger").read_text().splitlines()[1:]
    assert sorted(ledger) == sorted(ids)
    box.close()
    again = Outbox(tmp_path, min_free_mb=10, clock=lambda: now[0])
    assert again.lost == () and again.verify().problems == []


def test_a_crash_between_ledger_and_database_when_forgetting_is_no_loss(tmp_path: Path) -> None:
    now = [2_000_000_000.0]
    box = Outbox(tmp_path, min_free_mb=10, clock=lambda: now[0])
    box.submit(make_case(40))
    box.mark_delivered(make_case(40).case_no, "PLT-40", "push")
    box.ledger.create([])  # the ledger was rewritten without it; the process died before the DELETE
    box.close()
    again = Outbox(tmp_path, min_free_mb=10, clock=lambda: now[0])
    assert again.lost == ()
    assert make_case(40).case_no in again.ledger.record_ids()  # put back, forgotten properly next time


@pytest.mark.parametrize("receipt", ["", "x" * 201, "PLT\x1b[2J", "PLT\r\nforged"])
def test_the_outbox_refuses_a_receipt_it_would_have_to_cut_or_clean(tmp_path: Path, receipt: str) -> None:
    box = Outbox(tmp_path, min_free_mb=10)
    box.submit(make_case(23))
    with pytest.raises(ReceiptInvalid):
        box.mark_delivered(make_case(23).case_no, receipt, "pull")
    assert box.records()[0].state == "queued"  # still there, still to be delivered
