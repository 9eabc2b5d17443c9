"""ID-card reader (SAM module, GA/T 467): what the rest of the product may call, its value types, one factory.

Screens, the technician mode and diagnostics use `CardReader` and `open_idcard` only; the codec,
the driver and the wire-level simulator are this package's business. `fake.FakeCardReader` is
the in-memory stand-in for session and UI tests.
"""

from __future__ import annotations

import shutil
import tempfile
from functools import partial
from pathlib import Path
from typing import Protocol

from drivers.events import EventSink
from drivers.idcard.driver import EventCallback, EventKind, IdCardReader, IdCardSettings, ReaderEvent
from terminal.identity import Identity

__all__ = ["CardReader", "EventCallback", "EventKind", "IdCardSettings", "ReaderEvent", "open_idcard"]


class CardReader(Protocol):
    """An ID-card reader: polling with events on its own thread, and synchronous calls for diagnostics."""

    def start(self) -> None:
        """Poll for cards until `stop`; events go to the callback given to `open_idcard`."""

    def stop(self) -> None:
        """Stop polling and let go of the port (may take up to the device timeout)."""

    def sam_id(self) -> str: ...

    def status(self) -> str:
        """The SAM's own state in words; raises SamFault when it reports a failure."""

    def read_once(self, wait_seconds: float) -> Identity | None:
        """Read the card on the reader, waiting up to `wait_seconds`; None when none came."""

    def __enter__(self) -> CardReader: ...

    def __exit__(self, *exc: object) -> None: ...


def open_idcard(settings: IdCardSettings, events: EventSink, on_event: EventCallback | None = None) -> IdCardReader:
    """The reader at `settings.address`; `sim` starts the wire-level simulator on a pty in this process
    (`sim?card=none` starts it empty, `sim?fault=...` sets its faults) and sets the reader's `.simulator`."""
    if not settings.address.is_simulated:
        return IdCardReader(settings, events, on_event=on_event)
    from drivers.idcard.simulator import SamSimulator  # the factory chooses; the driver never imports it

    folder = Path(tempfile.mkdtemp(prefix="idcard-sim-"))
    card = settings.address.options.get("card", "resident")
    simulator = SamSimulator(faults=settings.address.faults, card=None if card == "none" else card,
                             link=folder / "idcard").start()
    reader = IdCardReader(settings, events, on_event=on_event, port_url=simulator.path)
    reader.simulator = simulator
    reader.stop_with(simulator.stop)
    reader.stop_with(partial(shutil.rmtree, folder, ignore_errors=True))
    return reader
