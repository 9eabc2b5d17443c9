"""Fixtures for the A4 printer tests: a real ippeveprinter and a real private cupsd in front of it.

The binaries come from Debian's cups, cups-ipp-utils, cups-client, poppler-utils and dbus-daemon
(bootstrap.sh installs them); a test skips with the missing program's name only if they are absent.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.a4printer import A4PrinterSettings
from drivers.a4printer.driver import IppA4Printer
from drivers.a4printer.simulator import IppEvePrinter, PrivateCups, binaries_missing
from terminal.devices import parse_address


class Sink:
    """Records events as (id, fields)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def record(self, event: object, **fields: Any) -> None:
        self.events.append((getattr(event, "value", str(event)), fields))


def need(*programs: str) -> None:
    missing = binaries_missing(*programs)
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (apt: cups cups-ipp-utils cups-client poppler-utils "
                    "dbus-daemon; bootstrap.sh installs them)")


@pytest.fixture(scope="module")
def ippeve() -> Iterator[IppEvePrinter]:
    need("ippeveprinter", "dbus-daemon", "pdfinfo", "pdftotext")
    with IppEvePrinter() as printer:
        yield printer


@pytest.fixture
def printer_sim(ippeve: IppEvePrinter) -> Iterator[IppEvePrinter]:
    """The module's ippeveprinter with its faults cleared before the test."""
    ippeve.set_faults()
    yield ippeve


@pytest.fixture(scope="module")
def cups(ippeve: IppEvePrinter) -> Iterator[PrivateCups]:
    need("cupsd", "lpadmin", "lpstat", "cupsdisable", "cupsenable")
    with PrivateCups(ippeve) as scheduler:
        yield scheduler


def driver(uri: str, sink: Sink | None = None, **settings: Any) -> IppA4Printer:
    return IppA4Printer(A4PrinterSettings(parse_address(uri, "a4printer"), **settings), sink or Sink())


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def pdf_text(path: Path) -> str:
    """The text pdftotext extracts, whitespace removed (layout breaks lines anywhere)."""
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", out)


def is_a4(info: dict[str, str]) -> bool:
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    return abs(width - 595.28) < 1 and abs(height - 841.89) < 1
