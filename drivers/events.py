"""The event sink every driver is handed: where device-lost, paper-out and similar events go.

Drivers never reach for the process-wide log themselves; whoever builds a driver passes the
sink in (the kiosk passes `terminal.events.EVENTS`, tests pass a list-backed sink).
"""

from __future__ import annotations

from typing import Any, Protocol

from terminal.events import EventId


class EventSink(Protocol):
    """Anything with `record(event, **fields)`, such as `terminal.events.EventLog`."""

    def record(self, event: EventId, **fields: Any) -> object: ...
