"""An in-memory `CardReader` for session and UI tests: no pty, no thread, events at once.

It answers like the wire-level simulator (same SAM ID, same fabricated cards), so a screen test
written against the fake sees what it would see through the real driver and `sim`.
"""

from __future__ import annotations

from drivers.idcard.codec import Status, decode_identity, format_sam_id, status_text
from drivers.idcard.driver import EventCallback, ReaderEvent
from drivers.idcard.simulator import SAM_ID_BYTES, TEST_CARDS
from terminal.errors import DeviceMissing
from terminal.identity import Identity


def fabricated_identity(card: str) -> Identity:
    """The identity the simulator's card `card` (a key of TEST_CARDS) decodes to."""
    payload = TEST_CARDS[card].payload()
    return decode_identity(payload.text, payload.photo)


class FakeCardReader:
    """Cards are placed and removed by the test; events go to `on_event` synchronously while started."""

    def __init__(self, on_event: EventCallback | None = None, card: str | None = "resident") -> None:
        self._on_event = on_event or (lambda event: None)
        self.card = fabricated_identity(card) if card else None
        self.started = False
        self.plugged = True

    def _emit(self, event: ReaderEvent) -> None:
        if self.started:
            self._on_event(event)

    def start(self) -> None:
        self.started = True
        if self.card is not None:
            self._emit(ReaderEvent("card-placed"))
            self._emit(ReaderEvent("card-read", identity=self.card))

    def stop(self) -> None:
        self.started = False

    def __enter__(self) -> FakeCardReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- what the test does to the reader

    def place(self, card: str) -> None:
        self.card = fabricated_identity(card)
        self._emit(ReaderEvent("card-placed"))
        self._emit(ReaderEvent("card-read", identity=self.card))

    def remove(self) -> None:
        self.card = None
        self._emit(ReaderEvent("card-removed"))

    def unplug(self) -> None:
        self.plugged = False
        self._emit(ReaderEvent("reader-lost", error=DeviceMissing("fake reader unplugged", device="idcard")))

    def replug(self) -> None:
        self.plugged = True
        self._emit(ReaderEvent("reader-back"))

    # ---- the protocol's synchronous calls

    def _check_plugged(self) -> None:
        if not self.plugged:
            raise DeviceMissing("fake reader unplugged", device="idcard")

    def sam_id(self) -> str:
        self._check_plugged()
        return format_sam_id(SAM_ID_BYTES)

    def status(self) -> str:
        self._check_plugged()
        return status_text(Status.OK)

    def read_once(self, wait_seconds: float) -> Identity | None:
        self._check_plugged()
        return self.card
