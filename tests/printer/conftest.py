"""Fixtures for the printer tests: a fabricated case and a simulated printer on a pty or TCP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.printer.samples import sample_case
from drivers.printer.simulator import PrinterSimulator
from terminal import config as config_module
from terminal.cases import Case
from terminal.devices import DeviceAddress, parse_address


@pytest.fixture
def case() -> Case:
    return sample_case(missing=("近期一寸免冠彩色照片",))


@pytest.fixture
def config() -> config_module.Config:
    return config_module.from_dict({})


@pytest.fixture(params=["tcp", "pty"])
def simulated(request: pytest.FixtureRequest) -> Iterator[tuple[PrinterSimulator, DeviceAddress]]:
    """A printer simulator and the address the driver uses to reach it."""
    sim = PrinterSimulator(576)
    raw = f"tcp://127.0.0.1:{sim.start_tcp()}" if request.param == "tcp" else sim.start_pty()
    yield sim, parse_address(raw, "printer")
    sim.stop()
