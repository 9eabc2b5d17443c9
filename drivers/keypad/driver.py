"""Rating keypads: a serial keypad with LEDs and a beeper, or a USB-HID keypad that types 1-5.

Both run a reader thread and deliver `RatingEvent`s through a callback on that thread (the UI
marshals it with Kivy's Clock). The serial keypad's replies to commands go to a queue so LED and
beep calls can wait for their `OK` without ever mixing a key press up with a reply.
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import serial

from drivers.events import EventSink
from drivers.keypad import codec
from terminal.cases import Rating
from terminal.devices import DeviceAddress
from terminal.errors import DeviceMissing
from terminal.events import EventId

if TYPE_CHECKING:
    from drivers.keypad.simulator import KeypadSimulator

logger = logging.getLogger(__name__)

EVIOCGRAB = 0x40044590  # _IOW('E', 0x90, int): keep the digits away from the touch UI's text fields


@dataclass(frozen=True)
class KeypadSettings:
    """What the keypad driver needs; built from the configuration above the drivers."""

    address: DeviceAddress
    timeout: float = 1.0  # a serial keypad's answer to HELLO?, LED and beep commands


@dataclass(frozen=True)
class RatingEvent:
    """A key press turned into a 好差评 level."""

    rating: Rating
    source: Literal["serial", "hid"]
    at: float


RatingCallback = Callable[[RatingEvent], None]


class _ReaderThread:
    """Start/stop plumbing shared by both keypad kinds."""

    def __init__(self, events: EventSink, on_rating: RatingCallback, on_lost: Callable[[], None] | None) -> None:
        self.events = events
        self.on_rating = on_rating
        self.on_lost = on_lost
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _start_thread(self, name: str) -> None:
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        raise NotImplementedError

    def _deliver(self, press: codec.KeyPress, source: Literal["serial", "hid"]) -> None:
        logger.info("keypad.key source=%s rating=%d", source, press.key)
        self.on_rating(RatingEvent(press.rating, source, time.monotonic()))

    def _lost(self, why: str) -> None:
        if not self._stop.is_set():
            self.events.record(EventId.DEVICE_LOST, device="keypad", reason=why)
            if self.on_lost:
                self.on_lost()

    def prompt(self) -> Future[bool]:
        """The rating screen opened: invite a press (serial keypads blink all keys). Never blocks."""
        return done_future(False)

    def acknowledge(self, rating: Rating) -> Future[bool]:
        """A rating was taken: light its key and beep. Never blocks; the future says if the keypad confirmed."""
        return done_future(False)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)


def done_future(value: bool) -> Future[bool]:
    """A future that is already done: for commands a keypad cannot or need not wait on."""
    future: Future[bool] = Future()
    future.set_result(value)
    return future


class SerialKeypad(_ReaderThread):
    """A keypad speaking the line protocol of `codec` on a serial port (or a pty in tests)."""

    def __init__(self, settings: KeypadSettings, events: EventSink, on_rating: RatingCallback, *,
                 on_lost: Callable[[], None] | None = None, port_url: str | None = None) -> None:
        super().__init__(events, on_rating, on_lost)
        self.address = settings.address
        self.timeout = settings.timeout
        self.port_url = port_url or settings.address.target  # `open_keypad` points a `sim` keypad at its pty
        self.hello: codec.Hello | None = None
        self.simulator: KeypadSimulator | None = None  # set by `open_keypad` for a `sim` address
        self._port: serial.SerialBase | None = None
        self._replies: queue.Queue[codec.Hello | codec.Reply] = queue.Queue()
        self._write_lock = threading.Lock()
        self._commands = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keypad-cmd")
        self.malformed = 0

    def start(self) -> SerialKeypad:
        try:
            self._port = serial.serial_for_url(self.port_url, baudrate=self.address.baud, timeout=0.1,
                                               write_timeout=self.timeout)
        except (serial.SerialException, ValueError) as e:
            raise DeviceMissing(f"keypad at {self.address.raw} cannot be opened: {type(e).__name__}",
                                device="keypad") from e
        self._start_thread("keypad-serial")
        return self

    def _run(self) -> None:
        assert self._port is not None
        splitter = codec.LineSplitter()
        while not self._stop.is_set():
            try:
                data = self._port.read(64)
            except (serial.SerialException, OSError):
                self._lost("read_failed")
                return
            for line in splitter.feed(data):
                message = codec.parse_line(line)
                if isinstance(message, codec.KeyPress):
                    self._deliver(message, "serial")
                elif isinstance(message, codec.Hello):
                    self.hello = message
                    self._replies.put(message)
                elif isinstance(message, codec.Reply):
                    self._replies.put(message)
                elif line.strip():
                    self.malformed += 1

    def _command(self, data: bytes, want: type) -> codec.Hello | codec.Reply | None:
        """Send one command and wait for its reply; None when the keypad stays silent."""
        while not self._replies.empty():  # a late reply to an earlier command is not this one's
            self._replies.get_nowait()
        assert self._port is not None
        with self._write_lock:
            try:
                self._port.write(data)
            except (serial.SerialException, OSError):
                return None
        deadline = time.monotonic() + self.timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                reply = self._replies.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(reply, want):
                return reply
        return None

    def query_hello(self) -> codec.Hello | None:
        """Ask the keypad who it is (also a liveness check)."""
        reply = self._command(codec.hello_query(), codec.Hello)
        return reply if isinstance(reply, codec.Hello) else None

    def set_led(self, key: int | Literal["ALL"], state: codec.LedState) -> bool:
        reply = self._command(codec.led(key, state), codec.Reply)
        return isinstance(reply, codec.Reply) and reply.ok

    def beep(self, milliseconds: int = 100) -> bool:
        reply = self._command(codec.beep(milliseconds), codec.Reply)
        return isinstance(reply, codec.Reply) and reply.ok

    def prompt(self) -> Future[bool]:
        return self._commands.submit(self.set_led, "ALL", "BLINK")

    def acknowledge(self, rating: Rating) -> Future[bool]:
        def light_and_beep() -> bool:
            return self.set_led("ALL", "OFF") and self.set_led(rating.value, "ON") and self.beep(100)
        return self._commands.submit(light_and_beep)

    def stop(self) -> None:
        super().stop()
        self._commands.shutdown(wait=True)
        if self._port is not None:
            self._port.close()
        if self.simulator is not None:
            self.simulator.stop()


def find_event_device(vendor: int, product: int, sys_root: Path = Path("/sys/class/input")) -> Path:
    """The /dev/input/eventN of the USB keypad with these IDs."""
    for event_dir in sorted(sys_root.glob("event*")):
        ids = event_dir / "device" / "id"
        try:
            found = (int((ids / "vendor").read_text(), 16), int((ids / "product").read_text(), 16))
        except (OSError, ValueError):
            continue
        if found == (vendor, product):
            return Path("/dev/input") / event_dir.name
    raise DeviceMissing(f"no input device with USB ID {vendor:04x}:{product:04x}", device="keypad")


class HidKeypad(_ReaderThread):
    """A USB-HID keypad read as raw `struct input_event`s from its event device (no evdev package)."""

    def __init__(self, path: Path, events: EventSink, on_rating: RatingCallback, *,
                 on_lost: Callable[[], None] | None = None) -> None:
        super().__init__(events, on_rating, on_lost)
        self.path = path
        self._fd = -1


    def start(self) -> HidKeypad:
        try:
            self._fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as e:
            raise DeviceMissing(f"keypad input {self.path} cannot be opened: {e.strerror}", device="keypad") from e
        if self.path.is_char_device():
            try:
                fcntl.ioctl(self._fd, EVIOCGRAB, 1)
            except OSError:
                logger.warning("keypad.grab_failed path=%s", self.path)
        self._start_thread("keypad-hid")
        return self

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._fd], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self._fd, codec.INPUT_EVENT.size * 64)
            except BlockingIOError:
                continue
            except OSError:  # ENODEV: unplugged
                self._lost("read_failed")
                return
            if not data:  # the writer of a FIFO went away, or the end of a recorded file
                self._lost("end_of_input")
                return
            presses, pending = codec.parse_input_events(pending + data)
            for press in presses:
                self._deliver(press, "hid")

    def stop(self) -> None:
        super().stop()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


Keypad = SerialKeypad | HidKeypad
