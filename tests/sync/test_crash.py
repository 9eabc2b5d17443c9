"""kill -9 at random points while submitting and pushing: nothing committed lost, nothing delivered twice."""

from __future__ import annotations

import os
from pathlib import Path

from tests.sync.conftest import Central
from tests.sync.crash import run_drill

KILLS = int(os.environ.get("SYNC_CRASH_KILLS", "15"))  # bench/sync.py runs 200


def test_sigkill_during_submit_and_push(tmp_path: Path, central: Central) -> None:
    report = run_drill(tmp_path, central.store, central.url, kills=KILLS, seed=len(str(tmp_path)))
    assert report.kills == KILLS
    assert report.problems == []
    assert len(report.committed) >= KILLS // 2  # the drill did real work between kills
    assert report.delivered == len(report.committed)
