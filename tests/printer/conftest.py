"""Fixtures for the printer tests: a fabricated case and a simulated printer on a pty or TCP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Iterator

import pytest

from drivers.printer.simulator import PrinterSimulator
from terminal import config as config_module
from terminal.cases import Case, CaseKind, Material, Page
from terminal.devices import DeviceAddress, parse_address
from terminal.identity import Identity
from terminal.idnumber import make_id_number

APPLICANT_NAME = "测试样例"
APPLICANT_ID = make_id_number("419001", date(1990, 1, 1), 4)


def make_case(kind: CaseKind = CaseKind.PROMISED, missing: tuple[str, ...] = ("近期一寸免冠彩色照片",)) -> Case:
    identity = Identity("resident", APPLICANT_NAME, "男", "01", date(1990, 1, 1), "河南省济源市示范镇测试路1号",
                        APPLICANT_ID, "济源市公安局", date(2020, 1, 1), None)
    page = Page(b"\xff\xd8 fabricated", 10, 10)
    return Case("T0001-20261120-0007", "T0001", "jiyuan", "J001", "城乡居民基本养老保险参保登记",
                "济源市人力资源和社会保障局", kind, datetime(2026, 11, 20, 14, 35), date(2026, 11, 27),
                identity, "13800138000",
                materials=(Material("m1", "居民身份证", (page, page)), Material("m2", "户口簿首页及本人页", (page,))),
                missing=missing)


@pytest.fixture
def case() -> Case:
    return make_case()


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
