"""Purged is gone: after the ack, nothing in the database, its WAL or the outbox folder can be opened,
not even by someone holding the disk and the key ring."""

from __future__ import annotations

import re
from pathlib import Path

from sync.keys import Keyring, SealBroken
from sync.outbox import Outbox
from tests.sync.helpers import make_case

RING_BLOB = re.compile(rb"k[0-9]{1,3}\0")  # every blob the ring sealed starts with its key id


def _raw(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def _openable(raw: bytes, ring: Keyring, record_id: str, manifest_size: int) -> list[str]:
    """Try every place a ring-sealed blob may start, at the lengths a wrapped data key or a
    ring-sealed manifest of this record would have; name what opened."""
    contexts = {b"data-key:" + record_id.encode(): 32, record_id.encode(): manifest_size}
    opened = []
    for match in RING_BLOB.finditer(raw):
        for context, size in contexts.items():
            end = match.end() + 12 + size + 16
            try:
                ring.open(raw[match.start():end], context)
            except SealBroken:
                continue
            opened.append(f"{context!r} at {match.start()}")
    return opened


def test_purged_records_leave_nothing_decryptable_in_database_wal_or_files(tmp_path: Path) -> None:
    box = Outbox(tmp_path, min_free_mb=10)
    cases = [make_case(n) for n in range(6)]
    for case in cases:
        box.submit(case)
    delivered, kept = cases[:4], cases[4:]
    for case in delivered:
        assert box.mark_delivered(case.case_no, f"PLT-{case.case_no}", "pull")
    ring = Keyring(tmp_path / "keys" / "outbox.key")
    raw = _raw(tmp_path / "outbox")
    for case in delivered:
        assert _openable(raw, ring, case.case_no, box.record(case.case_no).manifest_size) == [], case.case_no
        for secret in (case.applicant.name, case.applicant.id_number, case.phone, case.applicant.address):
            assert secret.encode() not in raw
    for case in kept:  # the same search finds the records still waiting: the test can see a key
        assert _openable(raw, ring, case.case_no, box.record(case.case_no).manifest_size)
    assert (tmp_path / "outbox" / "outbox.sqlite-wal").stat().st_size == 0  # the checkpoint emptied it
    assert box.verify().ok
    box.close()
