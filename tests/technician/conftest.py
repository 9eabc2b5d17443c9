"""Technician-mode fixtures: a clock the tests move, an auth store with fast scrypt, simulated cards."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.smartcard import NoCard
from drivers.smartcard.technician import LockoutPolicy, TechnicianAuth, TechnicianCard
from drivers.smartcard.virtualcard import SimulatedChannel, TechnicianApplet
from terminal import config as config_module
from terminal.config import Config

PIN = "246813"


class FakeClock:
    """Wall and monotonic time that only moves when a test says so."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CardSlot:
    """What lies on the simulated PC/SC reader: an applet, or nothing."""

    def __init__(self) -> None:
        self.applet: TechnicianApplet | None = None

    def open(self) -> TechnicianCard:
        if self.applet is None:
            raise NoCard("no card", device="smartcard")
        return TechnicianCard(SimulatedChannel(self.applet))


def technician_config(tmp_path: Path, **technician: object) -> Config:
    base = config_module.from_dict({})
    return dataclasses.replace(
        base, storage=dataclasses.replace(base.storage, data_dir=tmp_path / "data"),
        technician=dataclasses.replace(base.technician, **technician))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def auth(tmp_path: Path, clock: FakeClock) -> TechnicianAuth:
    return TechnicianAuth(tmp_path / "data" / "technician_cards.json", clock=clock, policy=LockoutPolicy(),
                          scrypt_n=2 ** 8)


@pytest.fixture
def slot() -> CardSlot:
    return CardSlot()


@pytest.fixture
def enrolled_applet(auth: TechnicianAuth) -> TechnicianApplet:
    applet = TechnicianApplet()
    auth.enrol(TechnicianCard(SimulatedChannel(applet)), "team-1", PIN)
    return applet


MakeConfig = Callable[..., Config]
