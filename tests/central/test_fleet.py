"""Which alarms a heartbeat raises, and the silent sweep, on both back ends."""

from __future__ import annotations

from datetime import timedelta

from gov_central import fleet
from gov_central.server import CentralStore
from tests.central.test_wire import _heartbeat


def _with_backlog(days: float, alarms: list[str]) -> dict[str, object]:
    body = _heartbeat("T0001", alarms=alarms)
    body["outbox"] = {"counts": {"queued": 3}, "oldest_queued_age_s": days * 86400, "alarms": alarms}
    return body


def test_backlog_alarm_at_80_percent_of_retention_and_outbox_faults() -> None:
    assert fleet.conditions(_with_backlog(23.9, []), retention_days=30) == set()
    assert fleet.conditions(_with_backlog(24.0, ["warning"]), retention_days=30) == {"backlog"}
    assert fleet.conditions(_with_backlog(1.0, ["warning"]), retention_days=30) == set()
    assert fleet.conditions(_with_backlog(1.0, ["fault"]), retention_days=30) == {"outbox"}
    assert fleet.conditions(_heartbeat("T0001", printer="fault"), retention_days=30) == {"paper"}


def test_alarms_open_once_and_clear_with_the_condition(store: CentralStore) -> None:
    store.heartbeat("T0001", _with_backlog(25, ["warning"]))
    store.heartbeat("T0001", _with_backlog(25.1, ["warning"]))
    assert [row["kind"] for row in fleet.fleet(store.db)[0].alarms] == ["backlog"]
    store.heartbeat("T0001", _with_backlog(0.1, []))
    assert fleet.fleet(store.db)[0].alarms == []


def test_silent_terminal_is_swept_once_and_cleared_by_its_next_heartbeat(store: CentralStore) -> None:
    store.heartbeat("T0001", _heartbeat("T0001"))
    assert fleet.sweep_silent(store.db, fleet.now() + timedelta(minutes=14)) == 0
    assert fleet.sweep_silent(store.db, fleet.now() + timedelta(minutes=16)) == 1
    assert fleet.sweep_silent(store.db, fleet.now() + timedelta(minutes=30)) == 0  # already open
    store.heartbeat("T0001", _heartbeat("T0001"))
    assert store.db.all("SELECT id FROM alarms WHERE cleared_at IS NULL") == []
