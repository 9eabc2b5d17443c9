"""kill -9 again and again while submits fill a small disk: no case that got its number is lost,
verify tells the truth, every reopen works, and the full disk still delivers.

Child: python -m tests.faults.test_disk_kill_fill DATA_DIR FIRST_CASE
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sync.outbox import Outbox
from terminal.errors import StorageFull
from tests.faults.conftest import REPO, SmallDisk
from tests.sync.helpers import make_case

PAGE_BYTES = 150_000


def child(data_dir: Path, first: int) -> None:
    outbox = Outbox(data_dir, min_free_mb=0)
    print("ready", flush=True)
    n = first
    while True:
        try:
            outbox.submit(make_case(n, pages=2, page_bytes=PAGE_BYTES))
        except StorageFull:
            print("full", flush=True)
            outbox.can_accept()  # what the kiosk asks while it waits
            continue
        print(f"committed {make_case(n).case_no} {n}", flush=True)
        n += 1


def test_sigkill_loop_while_the_disk_fills(small_disk: SmallDisk) -> None:
    rng = random.Random(17)
    data = small_disk.path / "data"
    committed: set[str] = set()
    next_case, kills, full_seen = 0, 0, 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    while kills < 40 and (full_seen < 3 or kills < 15):
        proc = subprocess.Popen([sys.executable, "-m", "tests.faults.test_disk_kill_fill", str(data), str(next_case)],
                                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first == "ready", proc.communicate()[1][-3000:]
        time.sleep(rng.uniform(0, 0.3))  # a random moment: mid-write, mid-commit, mid-ledger append
        proc.send_signal(signal.SIGKILL)
        output, errors = proc.communicate()
        assert "Traceback" not in errors, errors[-3000:]
        kills += 1
        full_seen += "full" in output
        for line in output.splitlines():
            if line.startswith("committed "):
                _, case_no, n = line.split()
                committed.add(case_no)
                next_case = max(next_case, int(n) + 1)
        box = Outbox(data, min_free_mb=0)  # every reopen works and finds every committed case
        try:
            assert box.lost == ()
            assert committed <= {r.record_id for r in box.records()}
            assert box.verify().ok, box.verify().problems[:3]
        finally:
            box.close()
    assert full_seen and len(committed) >= 10 and kills >= 10, (kills, len(committed))
    box = Outbox(data, min_free_mb=0)
    assert not box.can_accept().ok
    for record_id in sorted(committed):  # the full disk delivers, and delivering frees the space
        assert box.mark_delivered(record_id, f"PLT-{record_id}", "pull")
    assert box.verify().ok and box.can_accept().ok
    box.close()


if __name__ == "__main__":
    child(Path(sys.argv[1]), int(sys.argv[2]))
