"""A 100 % full data partition: the outbox opens, checks and delivers; the kiosk is told why it cannot take cases."""

from __future__ import annotations

import pytest

from sync.outbox import Outbox
from terminal.errors import StorageFull
from tests.faults.conftest import SmallDisk, assert_no_traceback, run_terminal, write_config
from tests.sync.helpers import make_case


def test_full_disk_keeps_checks_and_delivery_working_and_delivery_frees_space(small_disk: SmallDisk) -> None:
    data = small_disk.path / "data"
    box = Outbox(data, min_free_mb=0)
    stored = []
    with pytest.raises(StorageFull):
        for n in range(1000):
            box.submit(make_case(n, pages=2, page_bytes=200_000))
            stored.append(make_case(n).case_no)
    assert stored and box.reserve.exists()  # new cases stopped before the reserve
    box.close()
    small_disk.fill()  # and whatever else was still free: 100 % full
    config = write_config(small_disk.path.parent / "terminal.toml", data)
    for command in (("outbox", "verify"), ("outbox", "list"), ("sync", "status"), ("diag", "outbox")):
        result = run_terminal(config, *command)
        assert_no_traceback(result)
        assert result.returncode in (0, 1), command  # 1: the low-disk alarm, said in words
    box = Outbox(data, min_free_mb=0)
    report = box.verify()
    assert report.ok and report.checked_files == 3 * len(stored)
    assert [r.record_id for r in box.records()] == stored
    acceptance = box.can_accept()
    assert not acceptance.ok and "存储空间不足" in acceptance.reason_zh
    box.stats()
    for record_id in stored:  # delivery (a pull ack here) works on the full disk and frees its space
        assert box.mark_delivered(record_id, f"PLT-{record_id}", "pull")
    assert box.stats().counts["purged"] == len(stored) and box.stats().disk_free_mb > 0
    box.close()
