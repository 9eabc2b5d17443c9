"""Crash drill shared by tests/sync/test_crash.py and bench/sync.py.

A child process submits fabricated cases and pushes them to a reference central server; the parent
kills it with SIGKILL at random moments and, after every kill, checks that every case the child
reported as committed is still there (queued in the outbox or completed on the server), that the
database passes PRAGMA integrity_check, that every stored attachment matches its hash, and that
the server never saw different content under one case number. A last undisturbed run drains the
outbox and the server must then hold every case exactly once.

Child: python -m tests.sync.crash DATA_DIR URL FIRST_CASE
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sync.outbox import Outbox

REPO = Path(__file__).resolve().parents[2]
PAGES, PAGE_BYTES, CHUNK = 2, 40_000, 16 * 1024


@dataclass
class DrillReport:
    kills: int = 0
    committed: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    delivered: int = 0
    seconds: float = 0.0


def child(data_dir: Path, url: str, first: int) -> None:
    from sync.push import Pusher
    from tests.sync.conftest import make_client
    from tests.sync.helpers import make_case

    outbox = Outbox(data_dir, min_free_mb=10)
    pusher = Pusher(outbox, make_client(url), chunk_size=CHUNK, retry_base=0.01)
    print("ready", flush=True)
    n = first
    while True:
        case = make_case(n, pages=PAGES, page_bytes=PAGE_BYTES)
        outbox.submit(case)
        print(f"committed {case.case_no} {n}", flush=True)
        n += 1
        pusher.round(limit=2)


def drain(data_dir: Path, url: str) -> None:
    from sync.push import Pusher
    from tests.sync.conftest import make_client

    outbox = Outbox(data_dir, min_free_mb=10)
    pusher = Pusher(outbox, make_client(url), chunk_size=CHUNK, retry_base=0.01)
    while outbox.pending():
        if not pusher.round().ok:
            time.sleep(0.05)


def _check(data_dir: Path, store, report: DrillReport) -> None:
    outbox = Outbox(data_dir, min_free_mb=10)  # opening it runs the start-up recovery
    try:
        verify = outbox.verify()
        if not verify.ok:
            report.problems.append(f"after kill {report.kills}: verify {verify.integrity} {verify.problems[:3]}")
        completed = store.completed()
        for case_no in report.committed:
            info = outbox.record(case_no)
            if info is None:
                report.problems.append(f"after kill {report.kills}: committed {case_no} lost")
            elif info.state == "purged" and completed.get(case_no) != info.manifest_sha256:
                report.problems.append(f"after kill {report.kills}: {case_no} purged but not on the server")
        if store.conflict_count():
            report.problems.append(f"after kill {report.kills}: server saw {store.conflict_count()} conflicts")
    finally:
        outbox.close()


def run_drill(work: Path, store, url: str, kills: int, seed: int = 1, max_delay: float = 0.4) -> DrillReport:
    """Kill the child `kills` times at random points, checking after each; then drain and check the server."""
    rng = random.Random(seed)
    data_dir = work / "terminal"
    report = DrillReport()
    started = time.monotonic()
    next_case = 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    while report.kills < kills:
        proc = subprocess.Popen([sys.executable, "-m", "tests.sync.crash", str(data_dir), url, str(next_case)],
                                cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            proc.kill()
            report.problems.append("child did not start")
            break
        time.sleep(rng.uniform(0, max_delay))
        proc.send_signal(signal.SIGKILL)
        output, _ = proc.communicate()
        for line in output.splitlines():
            if line.startswith("committed "):
                _, case_no, n = line.split()
                report.committed.add(case_no)
                next_case = max(next_case, int(n) + 1)
        report.kills += 1
        _check(data_dir, store, report)
    drain(data_dir, url)
    completed = store.completed()
    outbox = Outbox(data_dir, min_free_mb=10)
    for case_no in report.committed:
        info = outbox.record(case_no)
        if case_no not in completed or info is None or info.state != "purged" or \
                completed[case_no] != info.manifest_sha256:
            report.problems.append(f"after drain: {case_no} not delivered exactly once")
    if store.verify():
        report.problems.append(f"server files corrupt: {store.verify()[:3]}")
    if not outbox.verify().ok or [p for p in outbox.files.glob("*") if not p.name.startswith(".")]:
        report.problems.append("outbox not clean after drain")
    outbox.close()
    report.delivered = len(completed)
    report.seconds = time.monotonic() - started
    return report


if __name__ == "__main__":
    child(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
