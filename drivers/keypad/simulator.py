"""A serial rating keypad on a pty, speaking the line protocol in `codec`, with fault switches.

Faults: no_answer (keys still arrive, commands get no reply), garbage (noise lines and bytes
around every line it sends), slow (replies late), drop (nothing in or out: a pulled cable),
no_hello (does not announce itself at start).
"""

from __future__ import annotations

import os
import queue
import select
import threading
import time
import tty

from drivers.keypad import codec

FAULTS = frozenset({"no_answer", "garbage", "slow", "drop", "no_hello"})
MODEL, FIRMWARE = "RK5SIM", "1.0"
_NOISE = b"\x00\xffKEY 9\nKEY\n" + b"#" * 40 + b"\n"


class KeypadSimulator:
    """Press keys with `press(n)`; LED and beep commands are recorded in `leds` and `beeps`."""

    def __init__(self, faults: frozenset[str] | set[str] = frozenset()) -> None:
        unknown = set(faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown keypad simulator faults: {', '.join(sorted(unknown))}")
        self.faults: set[str] = set(faults)
        self.slow_seconds = 0.5
        self.leds: dict[int, str] = {key: "OFF" for key in range(1, codec.KEYS + 1)}
        self.beeps: list[int] = []
        self.commands: queue.Queue[bytes] = queue.Queue()  # every command received, for tests to wait on
        self._master = -1
        self._slave = -1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start_pty(self) -> str:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self._thread = threading.Thread(target=self._serve, name="keypad-sim", daemon=True)
        self._thread.start()
        if "no_hello" not in self.faults:
            self._send(f"HELLO {MODEL} {FIRMWARE} KEYS={codec.KEYS}".encode("ascii"))
        return os.ttyname(self._slave)

    def set_faults(self, *faults: str) -> None:
        unknown = set(faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown keypad simulator faults: {', '.join(sorted(unknown))}")
        self.faults = set(faults)

    def _send(self, line: bytes) -> None:
        if "drop" in self.faults:
            return
        data = line + b"\r\n"
        if "garbage" in self.faults:
            data = _NOISE + data + _NOISE
        with self._lock:
            os.write(self._master, data)

    def press(self, key: int) -> None:
        """A citizen presses key `key` (1 = 非常满意 ... 5 = 非常不满意)."""
        self._send(f"KEY {key}".encode("ascii"))

    def _reply(self, command: bytes) -> bytes:
        text = command.rstrip(b"\r").decode("ascii", errors="replace")
        parts = text.split()
        if text == "HELLO?":
            return f"HELLO {MODEL} {FIRMWARE} KEYS={codec.KEYS}".encode("ascii")
        if len(parts) == 3 and parts[0] == "LED" and parts[2] in ("ON", "OFF", "BLINK"):
            keys = range(1, codec.KEYS + 1) if parts[1] == "ALL" else [int(parts[1])] if parts[1] in "12345" else []
            for key in keys:
                self.leds[key] = parts[2]
            return b"OK" if keys else b"ERR BADARG"
        if len(parts) == 2 and parts[0] == "BEEP" and parts[1].isdigit():
            self.beeps.append(int(parts[1]))
            return b"OK"
        return b"ERR BADCMD"

    def _serve(self) -> None:
        splitter = codec.LineSplitter()
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self._master, 256)
            except OSError:
                return
            if "drop" in self.faults:
                continue
            for command in splitter.feed(data):
                self.commands.put(command)
                reply = self._reply(command)
                if "no_answer" in self.faults:
                    continue
                if "slow" in self.faults:
                    time.sleep(self.slow_seconds)
                self._send(reply)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> KeypadSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """`python -m drivers.keypad.simulator [--fault a,b]`: prints the pty path, then `press N`, `fault a,b`,
    `quit` on stdin."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="serial rating keypad simulator")
    parser.add_argument("--fault", default="", help=f"comma-separated: {', '.join(sorted(FAULTS))}")
    args = parser.parse_args()
    with KeypadSimulator({f for f in args.fault.split(",") if f}) as sim:
        print(sim.start_pty(), flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "press" and argument in ("1", "2", "3", "4", "5"):
                sim.press(int(argument))
            elif command == "fault":
                sim.set_faults(*[f for f in argument.split(",") if f])
            elif command == "quit":
                break


if __name__ == "__main__":
    main()
