"""Technician login logic on the in-process simulated card: enrolment, PIN, lockout (injected clock)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.smartcard import SmartCardSettings, open_smartcard
from drivers.smartcard.codec import Apdu, ConditionsNotSatisfied, WrongLength, check_status
from drivers.smartcard.technician import (
    CardNotEnrolled,
    CardProofFailed,
    LockedOut,
    LockoutPolicy,
    TechnicianAuth,
    TechnicianCard,
    WeakPin,
    WrongPin,
)
from drivers.smartcard.virtualcard import SimulatedChannel, TechnicianApplet
from terminal.devices import parse_address


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(tmp_path: Path, clock: Clock) -> TechnicianAuth:
    return TechnicianAuth(tmp_path / "technician_cards.json", clock=clock, scrypt_n=2 ** 10)


def card_for(applet: TechnicianApplet) -> TechnicianCard:
    return TechnicianCard(SimulatedChannel(applet))


def test_store_holds_public_key_and_salted_pin_hash_only(auth: TechnicianAuth) -> None:
    applet = TechnicianApplet()
    card_id = auth.enrol(card_for(applet), "李工", "13572468")
    text = auth.path.read_text()
    assert "13572468" not in text and auth.path.stat().st_mode & 0o777 == 0o600
    entry = json.loads(text)["cards"][card_id]
    assert entry["pin"]["kdf"] == "scrypt" and len(entry["public_key"]) > 80
    assert auth.enrolled() == {card_id: "李工"}
    assert auth.login(card_for(applet), "13572468").label == "李工"


def test_a_second_enrolment_keeps_the_card_key(auth: TechnicianAuth) -> None:
    applet = TechnicianApplet()
    card = card_for(applet)
    auth.enrol(card, "a", "111111")
    first_key = card.public_key()
    auth.enrol(card_for(applet), "a", "222222")
    assert card_for(applet).public_key() == first_key
    with pytest.raises(ConditionsNotSatisfied):  # the card refuses to make a second key
        check_status(card_for(applet).channel.transmit(Apdu(0x80, 0x47, 0x80, 0x00, le=0).encode()))


def test_weak_pins_are_refused(auth: TechnicianAuth) -> None:
    for pin in ("12345", "abcdef", "1234567890123"):
        with pytest.raises(WeakPin):
            auth.enrol(card_for(TechnicianApplet()), "x", pin)


def test_wrong_card_or_wrong_pin_is_refused(auth: TechnicianAuth) -> None:
    applet = TechnicianApplet()
    card_id = auth.enrol(card_for(applet), "王工", "864200")
    with pytest.raises(WrongPin):
        auth.login(card_for(applet), "864201")
    clone = TechnicianApplet(card_id=bytes.fromhex(card_id))  # same ID, its own key
    card_for(clone).public_key(generate_if_missing=True)
    with pytest.raises(CardProofFailed):
        auth.login(card_for(clone), "864200")
    keyless = TechnicianApplet(card_id=bytes.fromhex(card_id))  # same ID, no key at all
    with pytest.raises(CardProofFailed):
        auth.authenticate_card(card_for(keyless))


def test_lockout_delay_grows_and_success_resets(auth: TechnicianAuth, clock: Clock) -> None:
    applet = TechnicianApplet()
    auth.enrol(card_for(applet), "赵工", "975310")
    delays = []
    for _ in range(6):
        with pytest.raises(WrongPin):
            auth.login(card_for(applet), "000000")
        delays.append(auth.retry_after())
        if delays[-1]:
            with pytest.raises(LockedOut):
                auth.login(card_for(applet), "975310")  # even the right PIN is not looked at while locked
        clock.now += delays[-1]
    assert delays == [0, 0, 30, 60, 120, 240]
    assert auth.login(card_for(applet), "975310").label == "赵工"
    assert auth.retry_after() == 0
    assert LockoutPolicy().delay(30) == 3600


def test_lockout_survives_a_restart_and_counts_unknown_cards(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "store.json"
    first = TechnicianAuth(path, clock=clock, scrypt_n=2 ** 10)
    first.enrol(card_for(TechnicianApplet()), "x", "123456")
    for _ in range(3):
        with pytest.raises(CardNotEnrolled):
            first.authenticate_card(card_for(TechnicianApplet()))
    restarted = TechnicianAuth(path, clock=clock, scrypt_n=2 ** 10)
    with pytest.raises(LockedOut) as raised:
        restarted.authenticate_card(card_for(TechnicianApplet()))
    assert raised.value.retry_after == 30 and "30 秒" in raised.value.advice_zh


def test_pin_only_login(auth: TechnicianAuth) -> None:
    with pytest.raises(WrongPin):
        auth.verify_pin_only("123456")  # none set
    auth.set_pin_only("24680246")
    assert auth.verify_pin_only("24680246").card_id == ""
    with pytest.raises(WrongPin):
        auth.verify_pin_only("24680247")


def test_sim_address_opens_the_in_process_card() -> None:
    channel = open_smartcard(SmartCardSettings(parse_address("sim", "smartcard")))
    card = TechnicianCard(channel)
    assert len(card.card_id()) == 16
    with pytest.raises(WrongLength):
        card.sign(b"short")

