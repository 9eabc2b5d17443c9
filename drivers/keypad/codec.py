"""Rating keypad (好差评评价器) protocols: our serial line protocol and Linux input events.

Serial line protocol (docs/hardware.md, "Rating keypad"): ASCII lines ending in LF (a CR before
it is ignored), at most 32 bytes. Device to host: `KEY n` (n = 1..5, once per press),
`HELLO model firmware KEYS=5` (at power-up and in answer to `HELLO?`), `OK`, `ERR code`.
Host to device: `HELLO?`, `LED n|ALL ON|OFF|BLINK`, `BEEP ms`. Anything else is malformed and
ignored; an over-long line is dropped up to the next LF, so the reader resyncs on its own.

USB-HID keypads type the digits 1-5: their Linux input events (`struct input_event`) are
parsed here as well, so both kinds yield the same `Rating`.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Literal

from terminal.cases import Rating

MAX_LINE = 32
KEYS = 5
LedState = Literal["ON", "OFF", "BLINK"]


@dataclass(frozen=True)
class KeyPress:
    key: int

    @property
    def rating(self) -> Rating:
        return Rating(self.key)


@dataclass(frozen=True)
class Hello:
    model: str
    firmware: str
    keys: int


@dataclass(frozen=True)
class Reply:
    ok: bool
    error: str = ""


DeviceLine = KeyPress | Hello | Reply

_KEY = re.compile(r"KEY ([1-5])")
_HELLO = re.compile(r"HELLO ([A-Za-z0-9_.-]{1,12}) ([A-Za-z0-9_.-]{1,10}) KEYS=([1-9])")
_ERR = re.compile(r"ERR ([A-Z_]{1,20})")


def parse_line(line: bytes) -> DeviceLine | None:
    """One line from the device (without its LF); None when it is not a valid line."""
    try:
        text = line.rstrip(b"\r").decode("ascii")
    except UnicodeDecodeError:
        return None
    if m := _KEY.fullmatch(text):
        return KeyPress(int(m.group(1)))
    if m := _HELLO.fullmatch(text):
        return Hello(m.group(1), m.group(2), int(m.group(3)))
    if text == "OK":
        return Reply(True)
    if m := _ERR.fullmatch(text):
        return Reply(False, m.group(1))
    return None


class LineSplitter:
    """Bytes in, complete lines out; over-long lines are dropped whole (they are noise)."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._buffer = b""
        self._dropping = False
        self.dropped = 0

    def feed(self, data: bytes) -> list[bytes]:
        lines = []
        self._buffer += data
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if self._dropping or len(line) > self.max_line:
                self._dropping = False
                self.dropped += 1
                continue
            lines.append(line)
        if len(self._buffer) > self.max_line:
            self._buffer = b""
            self._dropping = True
        return lines


def hello_query() -> bytes:
    return b"HELLO?\n"


def led(key: int | Literal["ALL"], state: LedState) -> bytes:
    if key != "ALL" and not (isinstance(key, int) and 1 <= key <= KEYS):
        raise ValueError(f"no LED {key!r}")
    if state not in ("ON", "OFF", "BLINK"):
        raise ValueError(f"no LED state {state!r}")
    return f"LED {key} {state}\n".encode("ascii")


def beep(milliseconds: int) -> bytes:
    return f"BEEP {max(10, min(2000, int(milliseconds)))}\n".encode("ascii")


# --- Linux input events (USB-HID keypads) ----------------------------------------------------------

INPUT_EVENT = struct.Struct("llHHi")  # struct timeval (two longs), __u16 type, __u16 code, __s32 value
EV_KEY = 0x01
KEY_PRESS = 1                          # 0 = release, 2 = autorepeat (ignored: one press, one rating)
# Top-row digits KEY_1..KEY_5 and keypad digits KEY_KP1..KEY_KP5 (linux/input-event-codes.h).
KEY_CODES = {2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 79: 1, 80: 2, 81: 3, 75: 4, 76: 5}


def input_event(code: int, value: int, event_type: int = EV_KEY, seconds: int = 0, micro: int = 0) -> bytes:
    """Pack one `struct input_event` (for simulators and tests)."""
    return INPUT_EVENT.pack(seconds, micro, event_type, code, value)


def parse_input_events(buffer: bytes) -> tuple[list[KeyPress], bytes]:
    """Key presses of digits 1-5 in `buffer`, and the incomplete tail to keep for the next read."""
    presses = []
    whole = len(buffer) - len(buffer) % INPUT_EVENT.size
    for _, _, event_type, code, value in INPUT_EVENT.iter_unpack(buffer[:whole]):
        if event_type == EV_KEY and value == KEY_PRESS and code in KEY_CODES:
            presses.append(KeyPress(KEY_CODES[code]))
    return presses, buffer[whole:]
