"""补交材料 records in the outbox: sealed at rest, delivered exactly once, even after kill -9 before the push."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from hypothesis import given, strategies as st

from sync.downlink import _platform_progress, progress
from sync.outbox import Outbox
from sync.push import Pusher
from tests.central.test_case_states import supplement
from tests.sync.conftest import Central, Fault, make_client
from tests.sync.crash import REPO
from tests.sync.helpers import make_case, stored_file

CHILD = """
import sys
from pathlib import Path
from sync.downlink import progress
from sync.outbox import Outbox
from tests.central.test_case_states import supplement
box = Outbox(Path(sys.argv[1]), min_free_mb=10)
box.add_supplement(supplement(sys.argv[2]))
print("queued", flush=True)
sys.stdin.read()  # wait for the kill
"""


def test_a_supplement_is_sealed_and_its_scans_are_deleted_once_acknowledged(outbox: Outbox, central: Central) -> None:
    extra = supplement("T0001-20270101-00001")
    outbox.add_supplement(extra)
    jpeg = extra.materials[0].pages[0].jpeg
    on_disk = stored_file(outbox, extra.supplement_no, "m01-p01.jpg")
    assert jpeg[:200] not in on_disk.read_bytes()  # encrypted at rest
    assert Pusher(outbox, make_client(central.url), retry_base=0.01).round().ok
    assert not on_disk.exists() and outbox.record(extra.supplement_no).state == "purged"
    assert central.store.attachment(extra.supplement_no, "m01-p01.jpg") == jpeg
    body = json.loads(central.store.manifest(extra.supplement_no))
    assert body["kind"] == "supplement" and body["supplement"]["case_no"] == "T0001-20270101-00001"


def test_kill_9_between_queue_and_push_delivers_the_supplement_once(tmp_path: Path, central: Central) -> None:
    data = tmp_path / "terminal"
    case = make_case(3, pages=1)
    first = Outbox(data, min_free_mb=10)
    first.submit(case)
    first.close()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(data), case.case_no], cwd=REPO,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "queued"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    box = Outbox(data, min_free_mb=10)
    extra = supplement(case.case_no)
    assert box.record(extra.supplement_no).state == "queued"
    pusher = Pusher(box, make_client(central.url), retry_base=0.01)
    assert pusher.round().ok and pusher.round().ok
    box.add_supplement(extra)  # the same supplement offered again after delivery: still one record
    assert pusher.round().ok
    box.close()
    assert set(central.store.completed()) == {case.case_no, extra.supplement_no}
    assert central.store.supplements(case.case_no)[0]["record_id"] == extra.supplement_no
    assert len(central.store.supplements(case.case_no)) == 1 and central.store.conflict_count() == 0


def test_progress_off_line_reads_what_is_missing_from_the_queued_case(outbox: Outbox) -> None:
    case = dataclasses.replace(make_case(4, pages=1), missing=("居民户口簿",))
    outbox.submit(case)
    found = progress(case.case_no, outbox, None)
    assert (found.status, found.missing, found.item_id, found.decision) == ("on_terminal", ("居民户口簿",), "JY-001", None)
    assert found.open_for_supplement


JSON = (st.none() | st.booleans() | st.integers() | st.text(max_size=20)
        | st.lists(st.text(max_size=5) | st.integers(), max_size=3))
FIELDS = st.sampled_from(["state", "decided_at", "accepted_at", "promised_date", "promised_days", "reasons",
                          "platform_ref", "missing", "item_id", "item_name", "status", "status_zh", "updated_at"])


@given(st.dictionaries(FIELDS, JSON | st.sampled_from(["accepted", "returned", "2026-12-07T09:00:00+08:00",
                                                       "2026-12-14", "bogus"]), max_size=8))
def test_any_progress_answer_reads_as_a_progress_or_no_decision(body: dict) -> None:
    """What the platform says is read field by field: nonsense gives no decision, never an exception."""
    found = _platform_progress("T0001-20270101-00001", body)
    assert all(isinstance(m, str) for m in found.missing)
    if found.decision is not None:
        assert found.decision.state.value == body["state"] and found.decision.case_no == found.case_no


def test_a_supplement_retried_after_a_failed_receipt_is_linked_once(outbox: Outbox, central: Central) -> None:
    extra = supplement("T0001-20270101-00002")
    outbox.add_supplement(extra)
    central.faults.append(Fault(lambda r: r.url.path.endswith("/complete"), status=503, times=1))
    assert Pusher(outbox, make_client(central.url), retry_base=0.01).round().ok  # the client sends again
    assert central.faults[0].times == 0 and outbox.record(extra.supplement_no).state == "purged"
    assert [s["record_id"] for s in central.store.supplements(extra.case_no)] == [extra.supplement_no]
