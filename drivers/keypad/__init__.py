"""Rating keypad (好差评): what the rest of the product may call, its value types, one factory.

Screens, the technician mode and diagnostics use `RatingKeypad` and `open_keypad` only; the
serial and HID drivers and the wire-level simulator are this package's business.
`fake.FakeKeypad` is the in-memory stand-in for session and UI tests.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Protocol

from drivers.events import EventSink
from drivers.keypad.driver import (
    HidKeypad,
    KeypadSettings,
    RatingCallback,
    RatingEvent,
    SerialKeypad,
    find_event_device,
)
from terminal.cases import Rating

__all__ = ["KeypadSettings", "RatingCallback", "RatingEvent", "RatingKeypad", "open_keypad"]


class RatingKeypad(Protocol):
    """A started keypad: presses arrive as `RatingEvent`s on its thread; commands never block."""

    def prompt(self) -> Future[bool]:
        """The rating screen opened: invite a press (serial keypads blink all keys)."""

    def acknowledge(self, rating: Rating) -> Future[bool]:
        """A rating was taken: light its key and beep; the future says if the keypad confirmed."""

    def stop(self) -> None: ...


def open_keypad(settings: KeypadSettings, events: EventSink, on_rating: RatingCallback,
                on_lost: Callable[[], None] | None = None) -> SerialKeypad | HidKeypad:
    """Start the keypad at `settings.address`: serial or `sim` (the wire-level simulator on a pty,
    `.simulator` set) -> SerialKeypad; usb or file -> HidKeypad. Raises DeviceMissing."""
    address = settings.address
    if address.scheme in ("usb", "file"):
        path = find_event_device(*address.usb_ids) if address.scheme == "usb" else Path(address.target)
        return HidKeypad(path, events, on_rating, on_lost=on_lost).start()
    if not address.is_simulated:
        return SerialKeypad(settings, events, on_rating, on_lost=on_lost).start()
    from drivers.keypad.simulator import KeypadSimulator  # the factory chooses; the driver never imports it

    simulator = KeypadSimulator(address.faults)
    keypad = SerialKeypad(settings, events, on_rating, on_lost=on_lost, port_url=simulator.start_pty())
    keypad.simulator = simulator
    try:
        return keypad.start()
    except Exception:
        simulator.stop()
        raise
