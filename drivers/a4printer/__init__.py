"""A4 printer (IPP: a CUPS queue or an IPP Everywhere printer): what the product may call, one factory.

Screens, the technician mode and diagnostics use `A4Printer` and `open_a4printer`; the IPP codec,
the driver and the ippeveprinter-based simulator are this package's business. `fake.FakeA4Printer`
is the in-memory stand-in for session and UI tests. Documents arrive as PDF bytes (`terminal.a4pdf`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Protocol

from drivers.a4printer.model import (
    A4Job,
    A4PrinterFault,
    A4PrinterSettings,
    A4Result,
    A4Status,
    JobState,
    PrinterSilent,
    Reason,
    missing,
)
from drivers.events import EventSink
from terminal.devices import parse_address

__all__ = [
    "A4Job",
    "A4Printer",
    "A4PrinterFault",
    "A4PrinterSettings",
    "A4Result",
    "A4Status",
    "JobState",
    "PrinterSilent",
    "Reason",
    "open_a4printer",
]


class A4Printer(Protocol):
    """An A4 printer: blocking calls for worker threads, `submit` for everyone else."""

    def connect(self) -> None:
        """Ask the printer once; raises PrinterSilent when it does not answer."""

    def status(self) -> A4Status: ...

    def print_job(self, job: A4Job, on_state: Callable[[JobState], None] | None = None) -> A4Result:
        """Check, send, follow the job to its end; never raises for printer trouble, the result says it."""

    def submit(self, job: A4Job, callback: Callable[[A4Result], None] | None = None) -> Future[A4Result]: ...

    def close(self) -> None: ...


def open_a4printer(settings: A4PrinterSettings, events: EventSink) -> A4Printer:
    """The IPP driver for `settings.address`; `sim` starts ippeveprinter (the simulator) on a local port.

    With `sim`, printed PDFs are not kept (`sim?keep=1` keeps them in the simulator's folder).
    """
    from drivers.a4printer.driver import IppA4Printer

    address = settings.address
    if address is None:
        raise missing("no A4 printer configured (devices.a4printer.address is empty)")
    if not address.is_simulated:
        return IppA4Printer(settings, events)
    from drivers.a4printer.simulator import IppEvePrinter

    simulator = IppEvePrinter(address.faults, keep=address.options.get("keep") == "1").start()
    printer = IppA4Printer(replace(settings, address=parse_address(simulator.uri, "a4printer")), events)
    printer.simulator = simulator
    return printer
