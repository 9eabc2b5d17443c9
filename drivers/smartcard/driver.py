"""PC/SC smart cards through pcscd (pyscard's `smartcard.scard` layer): readers, insert/remove, APDUs.

The low-level layer is used on purpose: every call's result code is checked and turned into a
typed error (pcscd missing, reader gone, no card), and the monitor thread blocks in pcscd's
SCardGetStatusChange rather than polling, so an idle terminal spends no CPU on it.
`drivers.smartcard.open_smartcard` chooses between this driver and, for `sim` (no pcscd
needed, for laptops), the virtual card application in this process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from smartcard import scard

from drivers.events import EventSink
from drivers.smartcard import NoCard, PcscUnavailable
from drivers.smartcard.codec import DEVICE, INS_GET_RESPONSE, Apdu, split_response
from terminal.errors import DeviceFault, DeviceMissing
from terminal.events import EventId

log = logging.getLogger(__name__)


def _failed(what: str, result: int) -> str:
    return f"{what} failed: {scard.SCardGetErrorMessage(result)} (0x{result & 0xFFFFFFFF:08X})"


class _Context:
    """A PC/SC context; pcscd missing becomes PcscUnavailable."""

    def __init__(self) -> None:
        result, self.handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if result != scard.SCARD_S_SUCCESS:
            raise PcscUnavailable(_failed("connecting to pcscd", result), device=DEVICE)

    def readers(self) -> list[str]:
        result, names = scard.SCardListReaders(self.handle, [])
        if result == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if result != scard.SCARD_S_SUCCESS:
            raise PcscUnavailable(_failed("listing readers", result), device=DEVICE)
        return list(names)

    def release(self) -> None:
        scard.SCardReleaseContext(self.handle)


def list_readers() -> list[str]:
    """Names of the PC/SC readers pcscd knows now."""
    context = _Context()
    try:
        return context.readers()
    finally:
        context.release()


def find_reader(prefix: str) -> str:
    """The full name of the reader whose name starts with `prefix` (pcscd appends slot numbers)."""
    names = list_readers()
    for name in names:
        if name.startswith(prefix):
            return name
    raise DeviceMissing(f"no PC/SC reader named {prefix!r}; readers: {', '.join(names) or 'none'}", device=DEVICE)


class PcscChannel:
    """A connection to the card in one reader."""

    def __init__(self, reader: str) -> None:
        self.reader = reader
        self._context = _Context()
        result, self._card, protocol = scard.SCardConnect(
            self._context.handle, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if result != scard.SCARD_S_SUCCESS:
            self._context.release()
            if result in (scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD):
                raise NoCard(_failed(f"connecting to the card in {reader}", result), device=DEVICE)
            if result == scard.SCARD_E_UNKNOWN_READER:
                raise DeviceMissing(_failed(f"connecting to {reader}", result), device=DEVICE)
            raise DeviceFault(_failed(f"connecting to the card in {reader}", result), device=DEVICE)
        self._pci = scard.SCARD_PCI_T0 if protocol == scard.SCARD_PROTOCOL_T0 else scard.SCARD_PCI_T1
        result, _, _, _, atr = scard.SCardStatus(self._card)
        self.atr = bytes(atr) if result == scard.SCARD_S_SUCCESS else b""

    def transmit(self, apdu: bytes) -> bytes:
        """Send one APDU; follows 61 XX (GET RESPONSE) and 6C XX (resend with the right Le) like T=0 needs."""
        raw = self._transmit_once(apdu)
        for _ in range(16):
            _, sw = split_response(raw)
            if sw >> 8 == 0x6C:
                raw = self._transmit_once(apdu[:-1] + bytes([sw & 0xFF]))
            elif sw >> 8 == 0x61:
                data = raw[:-2]
                raw = data + self._transmit_once(Apdu(0x00, INS_GET_RESPONSE, le=sw & 0xFF).encode())
            else:
                break
        return raw

    def _transmit_once(self, apdu: bytes) -> bytes:
        result, answer = scard.SCardTransmit(self._card, self._pci, list(apdu))
        if result in (scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD):
            raise NoCard(_failed("sending to the card", result), device=DEVICE)
        if result != scard.SCARD_S_SUCCESS:
            raise DeviceFault(_failed("sending to the card", result), device=DEVICE)
        return bytes(answer)

    def close(self) -> None:
        scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
        self._context.release()


# ---------------------------------------------------------------- insertion / removal


@dataclass(frozen=True)
class CardEvent:
    kind: Literal["card-inserted", "card-removed", "reader-lost"]
    reader: str
    atr: bytes = b""


class CardMonitor:
    """Reports card insertion and removal in the readers present at start, from its own thread."""

    WAIT_MS = 1000  # pcscd wakes us on any change; the timeout only bounds how long stop() can take

    def __init__(self, events: EventSink, on_event: Callable[[CardEvent], None],
                 readers: list[str] | None = None) -> None:
        self.events = events
        self._on_event = on_event
        self._context = _Context()
        self.readers = readers if readers is not None else self._context.readers()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="smartcard-monitor", daemon=True)

    def start(self) -> CardMonitor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        scard.SCardCancel(self._context.handle)
        self._thread.join(timeout=5)
        self._context.release()

    def _run(self) -> None:
        states = [(reader, scard.SCARD_STATE_UNAWARE) for reader in self.readers]
        present = {reader: False for reader in self.readers}
        while not self._stop.is_set() and states:
            result, changed = scard.SCardGetStatusChange(self._context.handle, self.WAIT_MS, states)
            if result in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                continue
            if result != scard.SCARD_S_SUCCESS:
                log.warning("event=smartcard_monitor_failed reason=%s", scard.SCardGetErrorMessage(result))
                self.events.record(EventId.DEVICE_LOST, device=DEVICE, reason=f"0x{result & 0xFFFFFFFF:08X}")
                for reader in present:
                    self._on_event(CardEvent("reader-lost", reader))
                return
            states = []
            for reader, event_state, atr in changed:
                now = bool(event_state & scard.SCARD_STATE_PRESENT)
                if now != present[reader]:
                    present[reader] = now
                    self._on_event(CardEvent("card-inserted" if now else "card-removed", reader, bytes(atr)))
                states.append((reader, event_state & ~scard.SCARD_STATE_CHANGED))
