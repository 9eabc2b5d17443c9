"""Who gets into diagnostics mode: card plus PIN, PIN alone where allowed, lockout, idle exit, the event trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from drivers.smartcard.technician import (
    CardNotEnrolled,
    CardProofFailed,
    LockedOut,
    TechnicianAuth,
    WrongPin,
)
from drivers.smartcard.virtualcard import TechnicianApplet
from terminal.assembly import technician
from terminal.assembly.technician import CardRequired, DeviceStates, TechnicianGate
from terminal.diagnostics import CheckResult
from terminal.events import EventLog
from tests.technician.conftest import PIN, CardSlot, FakeClock, technician_config


@pytest.fixture(autouse=True)
def log(monkeypatch: pytest.MonkeyPatch) -> EventLog:
    """A fresh event log for each test, so earlier tests' events cannot shift what is compared."""
    fresh = EventLog()
    monkeypatch.setattr(technician, "record", fresh.record)
    return fresh


def names(log: EventLog) -> list[tuple[str, dict]]:
    return [(e.event.name, e.fields) for e in log.recent()]


def gate(tmp_path: Path, auth: TechnicianAuth, slot: CardSlot, clock: FakeClock, **settings: object) -> TechnicianGate:
    return TechnicianGate(technician_config(tmp_path, **settings), auth, slot.open, clock=clock)


def test_right_card_and_right_pin_log_in_and_are_recorded(tmp_path: Path, auth: TechnicianAuth, slot: CardSlot,
                                                          clock: FakeClock, enrolled_applet: TechnicianApplet,
        log: EventLog) -> None:
    g = gate(tmp_path, auth, slot, clock)
    slot.applet = enrolled_applet
    log_start = len(log.recent())
    login = g.login(PIN)
    assert g.logged_in and login.card_id == enrolled_applet.card_id.hex()
    name, fields = names(log)[log_start:][-1]
    assert name == "TECH_LOGIN" and fields == {"method": "card+pin", "card": login.card_id[:8]}


def test_wrong_card_with_right_pin_is_refused(tmp_path: Path, auth: TechnicianAuth, slot: CardSlot,
                                             clock: FakeClock, enrolled_applet: TechnicianApplet,
        log: EventLog) -> None:
    g = gate(tmp_path, auth, slot, clock, allow_pin_only=True)
    auth.set_pin_only(PIN)
    slot.applet = TechnicianApplet()  # a technician card, but enrolled on another terminal
    log_start = len(log.recent())
    with pytest.raises(CardNotEnrolled):
        g.login(PIN)
    assert not g.logged_in
    assert names(log)[log_start:] == [("TECH_LOGIN_FAILED", {"reason": "CardNotEnrolled"})]


def test_cloned_card_id_without_the_key_is_refused(tmp_path: Path, auth: TechnicianAuth, slot: CardSlot,
                                                   clock: FakeClock, enrolled_applet: TechnicianApplet) -> None:
    slot.applet = TechnicianApplet(card_id=enrolled_applet.card_id)  # same ID, its own key
    slot.open().public_key(generate_if_missing=True)
    with pytest.raises(CardProofFailed):
        gate(tmp_path, auth, slot, clock).login(PIN)


def test_right_card_with_wrong_pin_is_refused(tmp_path: Path, auth: TechnicianAuth, slot: CardSlot,
                                             clock: FakeClock, enrolled_applet: TechnicianApplet,
        log: EventLog) -> None:
    g = gate(tmp_path, auth, slot, clock)
    slot.applet = enrolled_applet
    log_start = len(log.recent())
    with pytest.raises(WrongPin):
        g.login("000000")
    assert not g.logged_in
    assert names(log)[log_start:] == [("TECH_LOGIN_FAILED", {"reason": "WrongPin"})]


def test_no_card_needs_a_card_unless_pin_only_is_allowed(tmp_path: Path, auth: TechnicianAuth, slot: CardSlot,
                                                        clock: FakeClock) -> None:
    auth.set_pin_only(PIN)
    with pytest.raises(CardRequired) as refused:
        gate(tmp_path, auth, slot, clock).login(PIN)
    assert "技术人员卡" in refused.value.advice_zh
    g = gate(tmp_path, auth, slot, clock, allow_pin_only=True)
    g.login(PIN)
    assert g.logged_in


def test_lockout_grows_and_a_success_resets_it(tmp_path: Path, auth: TechnicianAuth, slot: CardSlot,
                                               clock: FakeClock, enrolled_applet: TechnicianApplet,
        log: EventLog) -> None:
    g = gate(tmp_path, auth, slot, clock)
    slot.applet = enrolled_applet
    log_start = len(log.recent())
    for _ in range(2):  # the first two failures cost nothing
        with pytest.raises(WrongPin):
            g.login("111111")
        assert auth.retry_after() == 0
    with pytest.raises(WrongPin):
        g.login("111111")  # the third locks for 30 s
    assert auth.retry_after() == pytest.approx(30)
    assert names(log)[log_start:][-1] == ("TECH_LOCKOUT", {"retry_after_s": 30})

    clock.advance(29)
    with pytest.raises(LockedOut) as locked:
        g.login(PIN)  # even the right PIN is not looked at while locked
    assert locked.value.retry_after == pytest.approx(1)
    assert "1 秒后再试" in locked.value.advice_zh
    clock.advance(1)
    with pytest.raises(WrongPin):
        g.login("111111")  # fourth failure: 60 s
    assert auth.retry_after() == pytest.approx(60)
    clock.advance(60)
    with pytest.raises(WrongPin):
        g.login("111111")  # fifth: 120 s
    assert auth.retry_after() == pytest.approx(120)

    # A restart (a new gate and auth on the same store) does not forget the lockout.
    again = TechnicianAuth(auth.path, clock=clock, scrypt_n=2 ** 8)
    assert again.retry_after() == pytest.approx(120)
    clock.advance(120)
    g.login(PIN)
    assert g.logged_in and auth.retry_after() == 0
    g.logout("done")
    with pytest.raises(WrongPin):
        g.login("111111")  # counting starts from zero again: no delay after one failure
    assert auth.retry_after() == 0


def test_idle_exit_and_touch(tmp_path: Path, auth: TechnicianAuth, slot: CardSlot, clock: FakeClock,
                             enrolled_applet: TechnicianApplet,
        log: EventLog) -> None:
    g = gate(tmp_path, auth, slot, clock, idle_seconds=60)
    slot.applet = enrolled_applet
    g.login(PIN)
    clock.advance(59)
    assert not g.tick()
    g.touch()
    clock.advance(59)
    assert not g.tick() and g.idle_remaining() == pytest.approx(1)
    log_start = len(log.recent())
    clock.advance(1)
    assert g.tick() and not g.logged_in
    assert names(log)[log_start:] == [("TECH_LOGOUT", {"reason": "idle", "card": enrolled_applet.card_id.hex()[:8]})]
    assert not g.tick()  # logged out once only


def test_self_test_is_recorded_but_only_touches_keep_the_session(tmp_path: Path, auth: TechnicianAuth, slot: CardSlot,
                                                     clock: FakeClock, enrolled_applet: TechnicianApplet,
        log: EventLog) -> None:
    g = gate(tmp_path, auth, slot, clock, idle_seconds=60)
    slot.applet = enrolled_applet
    g.login(PIN)
    clock.advance(50)
    log_start = len(log.recent())
    g.self_test("printer", "test-page", "printed")
    assert names(log)[log_start:] == [("SELF_TEST", {"device": "printer", "action": "test-page", "outcome": "printed"})]
    clock.advance(10)
    assert g.tick()  # a check finishing is not a technician at the screen


def test_device_states_keep_since_until_the_status_changes() -> None:
    now = [datetime(2026, 11, 21, 10, 0, tzinfo=UTC)]
    states = DeviceStates(lambda: now[0])
    states.update([CheckResult("printer", "ok", "正常")])
    now[0] += timedelta(minutes=5)
    states.update([CheckResult("printer", "ok", "正常")])
    assert states.get("printer").since.minute == 0  # type: ignore[union-attr]  # the printer state was recorded just above
    now[0] += timedelta(minutes=5)
    states.update([CheckResult("printer", "fault", "缺纸")])
    state = states.get("printer")
    assert state is not None and state.since.minute == 10 and state.result.summary == "缺纸"

