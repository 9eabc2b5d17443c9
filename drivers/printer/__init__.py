"""Receipt printer (ESC/POS): what the rest of the product may call, its value types, one factory.

Screens, the technician mode and diagnostics use `Printer` and `open_printer` only; the driver,
its links and the wire-level simulator are this package's business. `fake.FakePrinter` is the
in-memory stand-in for session and UI tests.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Protocol

from drivers.events import EventSink
from drivers.printer.codec import PrinterStatus
from drivers.printer.model import ADVICE_ZH, ChineseMode, Outcome, PrinterSettings, PrintJob, PrintResult
from terminal.devices import DeviceAddress, parse_address
from terminal.receipt_layout import PAPER_DOTS
from terminal.receipts import ReceiptDocument

__all__ = [
    "ADVICE_ZH",
    "ChineseMode",
    "Outcome",
    "PrintJob",
    "PrintResult",
    "Printer",
    "PrinterSettings",
    "PrinterStatus",
    "open_printer",
]


class Printer(Protocol):
    """A receipt printer: blocking calls for worker threads, `submit` for everyone else."""

    width_dots: int
    chinese_mode: ChineseMode

    def connect(self) -> None:
        """Open the link now; raises DeviceMissing when the printer is not there."""

    def status(self) -> PrinterStatus: ...

    def render(self, document: ReceiptDocument) -> PrintJob: ...

    def print_job(self, job: PrintJob) -> PrintResult:
        """Check, send, check again; never raises for printer trouble, the result says it."""

    def print_document(self, document: ReceiptDocument) -> PrintResult: ...

    def submit(self, what: ReceiptDocument | PrintJob,
               callback: Callable[[PrintResult], None] | None = None) -> Future[PrintResult]: ...

    def close(self) -> None: ...


def open_printer(settings: PrinterSettings, events: EventSink,
                 on_warning: Callable[[str, PrinterStatus], None] | None = None) -> Printer:
    """The driver for `settings.address`; a `sim` address gets the wire-level simulator on a local TCP port.

    The driver (and the simulator) load here, not at package import, so that value types and the
    fake come without the rendering stack.
    """
    from drivers.printer.driver import ReceiptPrinter

    address = settings.address
    if not address.is_simulated:
        return ReceiptPrinter(settings, events, on_warning=on_warning)
    from drivers.printer.simulator import PrinterSimulator  # the factory chooses; the driver never imports it

    simulator = PrinterSimulator(PAPER_DOTS[settings.paper_width_mm], address.faults, settings.font_path)
    port = parse_address(f"tcp://127.0.0.1:{simulator.start_tcp()}", "printer")
    wired = replace(settings, address=DeviceAddress(port.scheme, port.target, port.options, address.raw),
                    print_speed_mm_s=0.0)  # the simulator prints at once
    printer = ReceiptPrinter(wired, events, on_warning=on_warning)
    printer.simulator = simulator
    return printer
