"""The ID-card reader driver: a SAM module on a (USB-)serial port, polled on its own thread.

The UI never waits on the reader: `IdCardReader.start()` runs a thread that polls find-card,
selects and reads a card when one appears, and reports through `on_event` (the UI marshals the
call onto its own thread with Kivy's Clock). USB-serial adapters get unplugged and re-enumerated:
the thread closes the port, reports `reader-lost` once, keeps trying to reopen the same name and
reports `reader-back` once the module answers again.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import serial

from drivers.events import EventSink
from drivers.idcard.codec import (
    Answer,
    CardReadError,
    ChecksumError,
    Command,
    CommandRejected,
    FrameDecoder,
    SamFault,
    Status,
    check_answer,
    decode_identity,
    encode_command,
    format_sam_id,
    split_read_data,
    status_text,
)
from terminal.devices import DeviceAddress
from terminal.errors import DeviceMissing, DeviceTimeout, TerminalError
from terminal.events import EventId
from terminal.identity import Identity

if TYPE_CHECKING:
    from drivers.idcard.simulator import SamSimulator

log = logging.getLogger(__name__)

DEVICE = "idcard"
EventKind = Literal["card-placed", "card-read", "read-failed", "card-removed", "reader-lost", "reader-back"]


@dataclass(frozen=True)
class IdCardSettings:
    """What the reader driver needs; built from the configuration above the drivers."""

    address: DeviceAddress
    timeout: float = 3.0         # one command's answer
    poll_interval: float = 0.3   # between find-card polls
    read_fingerprint: bool = False


@dataclass(frozen=True)
class ReaderEvent:
    """What the reader thread reports. `error` carries the Chinese advice for `read-failed` and `reader-lost`."""

    kind: EventKind
    identity: Identity | None = None
    error: TerminalError | None = None


EventCallback = Callable[[ReaderEvent], None]


class SamPort:
    """One serial port to a SAM module and the command/answer exchange over it (synchronous)."""

    POLL_READ_SECONDS = 0.05  # longest single blocking read; the exchange deadline is checked between reads

    def __init__(self, url: str, timeout: float, baud: int = 115200) -> None:
        self.url = url
        self.timeout = timeout
        self.baud = baud
        self._serial: serial.Serial | None = None
        self._decoder = FrameDecoder()
        self.wire_bytes = 0  # bytes sent and received, for the benchmark's wire-time figure

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def open(self) -> None:
        if self._serial is not None:
            return
        try:
            self._serial = serial.serial_for_url(self.url, baudrate=self.baud, timeout=self.POLL_READ_SECONDS,
                                                 write_timeout=self.timeout)
        except (serial.SerialException, OSError, ValueError) as e:
            raise DeviceMissing(f"cannot open ID-card reader port {self.url}: {e}", device=DEVICE) from None

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError, termios.error):
                pass

    def exchange(self, command: Command, *expected: Status, data: bytes = b"") -> Answer:
        """Send `command`, return its answer if its status is `expected`; one retry after a garbled exchange."""
        try:
            return check_answer(self._exchange_once(command, data), *expected)
        except (ChecksumError, CommandRejected) as e:
            log.info("event=idcard_retry command=%s reason=%s", command.name, type(e).__name__)
            return check_answer(self._exchange_once(command, data), *expected)

    def _exchange_once(self, command: Command, data: bytes) -> Answer:
        self.open()
        port = self._serial
        assert port is not None
        frame = encode_command(command, data)
        try:
            self._decoder.clear()
            port.reset_input_buffer()
            port.write(frame)
            self.wire_bytes += len(frame)
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                chunk = port.read(port.in_waiting or 1)
                if chunk:
                    self.wire_bytes += len(chunk)
                    self._decoder.feed(chunk)
                    for body in self._decoder.frames():
                        return Answer.from_body(body)
        except (serial.SerialException, OSError, termios.error) as e:  # unplugged adapters fail in all three ways
            self.close()
            raise DeviceMissing(f"ID-card reader port {self.url} failed: {e}", device=DEVICE) from None
        raise DeviceTimeout(f"ID-card reader sent no answer to {command.name} within {self.timeout:g} s",
                            device=DEVICE)


class IdCardReader:
    """The reader: background polling with events, plus synchronous helpers for diagnostics.

    `port_url` overrides the address's port (`open_idcard` points it at the simulator's pty and
    sets `.simulator`, which lets a demo place cards).
    """

    def __init__(self, settings: IdCardSettings, events: EventSink, *, on_event: EventCallback | None = None,
                 port_url: str | None = None) -> None:
        self.address = settings.address
        self.poll_interval = settings.poll_interval
        self.read_fingerprint = settings.read_fingerprint
        self.events = events
        self._on_event = on_event or (lambda event: None)
        self.simulator: SamSimulator | None = None
        self._on_stop: list[Callable[[], None]] = []  # what the factory started with this reader
        url = port_url or settings.address.serial_url()
        baud = settings.address.baud if settings.address.scheme == "serial" else 115200
        self.port = SamPort(url, settings.timeout, baud)
        self._lock = threading.Lock()  # one exchange at a time: the thread and diagnostics share the port
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def stop_with(self, cleanup: Callable[[], None]) -> None:
        """Run `cleanup` when the reader stops (the factory's simulator and its folder)."""
        self._on_stop.append(cleanup)

    # ------------------------------------------------------------ background polling

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="idcard-reader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling, close the port and any simulator."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.port.timeout + 2)
            self._thread = None
        with self._lock:
            self.port.close()
        self.simulator = None
        cleanups, self._on_stop = self._on_stop, []
        for cleanup in cleanups:
            cleanup()

    def __enter__(self) -> IdCardReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _emit(self, event: ReaderEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # a broken listener must not stop the reader
            log.exception("event=idcard_listener_failed kind=%s", event.kind)

    def _run(self) -> None:
        card_present = False
        lost = False
        while not self._stop.is_set():
            try:
                with self._lock:
                    found = self._find_card()
                if lost:
                    lost = False
                    log.warning("event=reader_back device=idcard port=%s", self.port.url)
                    self.events.record(EventId.DEVICE_BACK, device=DEVICE, address=self.address.raw)
                    self._emit(ReaderEvent("reader-back"))
                card_present = self._track_card(found, card_present)
            except (DeviceMissing, DeviceTimeout, SamFault) as e:  # the reader is unusable until it answers well
                with self._lock:
                    self.port.close()
                if not lost:
                    lost = True
                    log.warning("event=reader_lost device=idcard port=%s reason=%s", self.port.url, type(e).__name__)
                    self.events.record(EventId.DEVICE_LOST, device=DEVICE, address=self.address.raw,
                                  reason=type(e).__name__)
                    self._emit(ReaderEvent("reader-lost", error=e))
                card_present = False
            except TerminalError as e:  # a garbled poll: try again at the next interval
                log.info("event=idcard_poll_failed reason=%s", type(e).__name__)
            self._stop.wait(self.poll_interval)

    def _track_card(self, found: bool, card_present: bool) -> bool:
        """Turn one find-card result into events; returns whether a card is now on the reader."""
        if found:
            if card_present:  # lifted and put back between two polls
                self._emit(ReaderEvent("card-removed"))
            self._emit(ReaderEvent("card-placed"))
            self._read_and_report()
            return True
        if card_present and not self._still_there():
            self._emit(ReaderEvent("card-removed"))
            return False
        return card_present

    def _read_and_report(self) -> None:
        try:
            with self._lock:
                self._select()
                identity = self._read()
        except (DeviceMissing, DeviceTimeout, SamFault):
            raise
        except TerminalError as e:
            log.info("event=idcard_read_failed reason=%s", type(e).__name__)
            self._emit(ReaderEvent("read-failed", error=e))
            return
        log.info("event=idcard_read card_type=%s", identity.card_type)
        self._emit(ReaderEvent("card-read", identity=identity))

    def _still_there(self) -> bool:
        """After a read the SAM stops "finding" a card that stays put; select still reaches it."""
        with self._lock:
            return self._selectable()

    # ------------------------------------------------------------ exchanges (lock held)

    def _find_card(self) -> bool:
        answer = self.port.exchange(Command.FIND_CARD, Status.CARD_FOUND, Status.FIND_FAILED)
        return answer.status == Status.CARD_FOUND

    def _select(self) -> None:
        self.port.exchange(Command.SELECT_CARD, Status.OK)

    def _read(self) -> Identity:
        command = Command.READ_TEXT_PHOTO_FINGERPRINT if self.read_fingerprint else Command.READ_TEXT_PHOTO
        answer = self.port.exchange(command, Status.OK)
        payload = split_read_data(answer.data, with_fingerprint=self.read_fingerprint)
        return decode_identity(payload.text, payload.photo)

    # ------------------------------------------------------------ synchronous helpers (diagnostics)

    def sam_id(self) -> str:
        with self._lock:
            return format_sam_id(self.port.exchange(Command.SAM_ID, Status.OK).data)

    def status(self) -> str:
        """The SAM's self-reported state as a Chinese and English sentence; raises SamFault when it failed."""
        with self._lock:
            return status_text(self.port.exchange(Command.SAM_STATUS, Status.OK).status)

    def read_once(self, wait_seconds: float) -> Identity | None:
        """Read the card on the reader, waiting up to `wait_seconds` for one; None when none came."""
        deadline = time.monotonic() + wait_seconds
        while True:
            with self._lock:
                if self._find_card() or self._selectable():
                    return self._read()
            if time.monotonic() >= deadline:
                return None
            self._stop.wait(self.poll_interval)

    def _selectable(self) -> bool:
        """Whether select reaches a card (lock held)."""
        try:
            self._select()
        except CardReadError:
            return False
        return True

