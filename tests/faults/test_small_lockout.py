"""Technician lockout with a clock that was set ahead and then corrected: bounded by the policy, not weeks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.smartcard.technician import LockedOut, LockoutPolicy, TechnicianAuth, WrongPin

PIN = "246810"
MONTH = 30 * 86400.0


def test_lockout_from_a_clock_set_ahead_ends_after_the_policy_delay(tmp_path: Path) -> None:
    now = [1_800_000_000.0 + MONTH]  # the RTC (or a bad NTP answer) is a month ahead
    auth = TechnicianAuth(tmp_path / "technician_cards.json", clock=lambda: now[0], scrypt_n=2 ** 8)
    auth.set_pin_only(PIN)
    for _ in range(LockoutPolicy().free_attempts):
        with pytest.raises(WrongPin):
            auth.verify_pin_only("111111")
    assert auth.retry_after() == pytest.approx(30)

    now[0] -= MONTH  # the clock is corrected: the stored lock-until time lies a month in the future
    assert auth.retry_after() == pytest.approx(30)  # not 30 days
    restarted = TechnicianAuth(auth.path, clock=lambda: now[0], scrypt_n=2 ** 8)
    assert json.loads(auth.path.read_text())["locked_until"] == pytest.approx(now[0] + 30)  # clamped on disk
    with pytest.raises(LockedOut) as locked:
        restarted.verify_pin_only(PIN)
    assert locked.value.retry_after <= 30
    now[0] += 30
    assert restarted.verify_pin_only(PIN).label == "technician"


def test_longest_lockout_is_the_policy_maximum_whatever_the_store_says(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    auth = TechnicianAuth(tmp_path / "technician_cards.json", clock=lambda: now[0], scrypt_n=2 ** 8)
    auth.set_pin_only(PIN)
    store = json.loads(auth.path.read_text())
    store.update(failures=40, locked_until=now[0] + 365 * 86400)
    auth.path.write_text(json.dumps(store))
    assert auth.retry_after() == pytest.approx(LockoutPolicy().max_delay_seconds)
