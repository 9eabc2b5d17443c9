"""An ESC/POS receipt printer in software, on a pty or a TCP port, with fault switches.

It parses the byte stream the way a printer does (GB18030 text after FS &, GS v 0 raster,
GS ( k QR codes, cuts), answers DLE EOT 1/2/3/4 from its state, and draws what it printed on a
`PaperCanvas` so tests can decode the QR code and read the text. Faults (OctoPrint-style):
paper_end, paper_near_end, cover_open, offline, error, no_answer, garbage, slow, drop (close the
link mid-job, TCP), paper_out_mid_job (the roll runs out part way through) and mute_mid_job
(the printer stops answering part way through).
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from PIL import Image

from drivers.printer import codec
from terminal.fonts import find_cjk_font
from terminal.receipt_png import PaperCanvas, qr_image
from terminal.receipts import Align

logger = logging.getLogger(__name__)

ALIGNMENTS: Mapping[int, Align] = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}  # ESC a n
FAULTS = frozenset({"paper_end", "paper_near_end", "cover_open", "offline", "error", "no_answer", "garbage",
                    "slow", "drop", "paper_out_mid_job", "mute_mid_job"})
_MID_JOB = {"paper_out_mid_job": "paper_end", "mute_mid_job": "no_answer"}  # switch on part way through a job
# `terminal run --simulate` and the soak run a simulator for months: it remembers the last slips only.
KEPT_SLIPS = 3
KEPT_RECEIVED_BYTES = 1 << 20

# ESC x and GS x commands we accept: number of parameter bytes that follow.
_ESC_ARGS = {b"@": 0, b"a": 1, b"E": 1, b"3": 1, b"J": 1, b"d": 1, b"2": 0, b"M": 1, b"t": 1, b"!": 1,
             b"-": 1, b"G": 1, b"R": 1, b"{": 1, b"V": 1, b"p": 3, b"e": 1, b"r": 1}
_GS_ARGS = {b"!": 1, b"B": 1, b"H": 1, b"f": 1, b"h": 1, b"w": 1, b"L": 2, b"W": 2, b"b": 1, b"r": 1}
_FS_ARGS = {b"&": 0, b".": 0, b"!": 1, b"-": 1, b"C": 1, b"W": 1, b"S": 2}


@dataclass
class PrintedLine:
    """One line as the printer printed it: the raw text bytes and their GB18030 reading."""

    raw: bytes
    text: str
    align: str
    scale: int
    bold: bool


@dataclass
class Paper:
    """What reached the paper, in order: the last `KEPT_SLIPS` cut slips and whatever follows them."""

    lines: list[PrintedLine] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    images: list[Image.Image] = field(default_factory=list)
    cuts: int = 0  # every cut since power-on, including those of slips no longer kept
    _slip_ends: list[tuple[int, int, int]] = field(default_factory=list, compare=False, repr=False)

    def cut(self) -> None:
        """The knife: a slip ends here; the oldest slip beyond `KEPT_SLIPS` is forgotten."""
        self.cuts += 1
        self._slip_ends.append((len(self.lines), len(self.qr_codes), len(self.images)))
        if len(self._slip_ends) > KEPT_SLIPS:
            lines, qr_codes, images = self._slip_ends.pop(0)
            del self.lines[:lines], self.qr_codes[:qr_codes], self.images[:images]
            self._slip_ends = [(a - lines, b - qr_codes, c - images) for a, b, c in self._slip_ends]


class EscPosInterpreter:
    """Feed it bytes; it prints to `paper` and `canvas`, and returns the status bytes to send back."""

    def __init__(self, width_dots: int, status: Callable[[int], bytes], can_print: Callable[[], bool],
                 font_path: Path | None = None) -> None:
        self.width_dots = width_dots
        self._status = status
        self._can_print = can_print
        self.canvas = PaperCanvas(width_dots, font_path or find_cjk_font(), kept_cuts=KEPT_SLIPS)
        self.paper = Paper()
        self.unknown_commands = 0
        self.discarded_bytes = 0
        self._buffer = b""
        self._line = b""
        self._qr_data = b""
        self._qr_module = 3
        self._reset()

    def _reset(self) -> None:
        self.chinese = False
        self.align: Align = "left"
        self.scale = 1
        self.bold = False

    def feed(self, data: bytes) -> bytes:
        """Process `data`; incomplete commands wait for the next call. Returns the answers."""
        self._buffer += data
        answers = b""
        while self._buffer:
            used, answer = self._step(self._buffer)
            if used == 0:
                break
            self._buffer = self._buffer[used:]
            answers += answer
        return answers

    def _step(self, buf: bytes) -> tuple[int, bytes]:
        first = buf[:1]
        if first == codec.DLE:
            if len(buf) < 3:
                return 0, b""
            if buf[1:2] == codec.EOT and buf[2] in codec.STATUS_QUERIES:
                return 3, self._status(buf[2])
            return 1, b""
        if first in (codec.ESC, codec.GS, codec.FS):
            return self._command(buf)
        if first == codec.LF:
            self._print_line()
            return 1, b""
        if first == b"\r":
            return 1, b""
        return self._text(buf)

    def _text(self, buf: bytes) -> tuple[int, bytes]:
        lead = buf[0]
        size = 1
        if self.chinese and 0x81 <= lead <= 0xFE:
            if len(buf) < 2:
                return 0, b""
            size = 4 if 0x30 <= buf[1] <= 0x39 else 2
            if len(buf) < size:
                return 0, b""
        self._line += buf[:size]
        return size, b""

    def _command(self, buf: bytes) -> tuple[int, bytes]:
        if len(buf) < 2:
            return 0, b""
        prefix, name = buf[:1], buf[1:2]
        if prefix == codec.GS and name == b"v":
            return self._raster(buf)
        if prefix == codec.GS and name == b"(":
            return self._function(buf)
        if prefix == codec.GS and name == b"V":
            if len(buf) < 3:
                return 0, b""
            used = 4 if buf[2] in (65, 66, 97, 98, 103, 104) else 3
            if len(buf) < used:
                return 0, b""
            self._flush_partial_line()
            if self._can_print():
                self.paper.cut()
                self.canvas.cut()
            return used, b""
        table = {codec.ESC: _ESC_ARGS, codec.GS: _GS_ARGS, codec.FS: _FS_ARGS}[prefix]
        if name not in table:
            self.unknown_commands += 1
            return 1, b""
        used = 2 + table[name]
        if len(buf) < used:
            return 0, b""
        self._apply(prefix + name, buf[2:used])
        return used, b""

    def _apply(self, command: bytes, args: bytes) -> None:
        if command == codec.INIT:
            self._flush_partial_line()
            self._reset()
        elif command == codec.CHINESE_ON:
            self.chinese = True
        elif command == codec.CHINESE_OFF:
            self.chinese = False
        elif command == codec.ESC + b"a":
            self.align = ALIGNMENTS.get(args[0], "left")
        elif command == codec.ESC + b"E":
            self.bold = bool(args[0] & 1)
        elif command == codec.GS + b"!":
            self.scale = max(1, (args[0] & 0x0F) + 1)
        elif command == codec.ESC + b"J" and self._can_print():
            self.canvas.feed(args[0])
        elif command == codec.ESC + b"d" and self._can_print():
            self.canvas.feed(args[0] * 32)

    def _raster(self, buf: bytes) -> tuple[int, bytes]:
        if len(buf) < 8:
            return 0, b""
        width_bytes = buf[4] | buf[5] << 8
        height = buf[6] | buf[7] << 8
        used = 8 + width_bytes * height
        if len(buf) < used:
            return 0, b""
        if self._can_print() and width_bytes and height:
            bits = Image.frombytes("1", (width_bytes * 8, height), buf[8:used])
            picture = bits.point(lambda v: 0 if v else 255, mode="L")  # 1 = black dot
            self.paper.images.append(picture)
            self.canvas.image(picture, self.align)
        return used, b""

    def _function(self, buf: bytes) -> tuple[int, bytes]:
        if len(buf) < 5:
            return 0, b""
        length = buf[3] | buf[4] << 8
        used = 5 + length
        if len(buf) < used:
            return 0, b""
        body = buf[5:used]
        if buf[2:3] == b"k" and len(body) >= 2 and body[0] == 49:  # QR code (cn = 49)
            fn = body[1]
            if fn == 67 and len(body) >= 3:
                self._qr_module = body[2]
            elif fn == 80:
                self._qr_data = body[3:]
            elif fn == 81 and self._can_print():
                data = self._qr_data.decode("utf-8", errors="replace")
                self.paper.qr_codes.append(data)
                self.canvas.image(qr_image(data, self._qr_module), self.align)
        return used, b""

    def _flush_partial_line(self) -> None:
        if self._line:
            self._print_line()

    def _print_line(self) -> None:
        raw, self._line = self._line, b""
        if not self._can_print():
            self.discarded_bytes += len(raw) + 1
            return
        text = raw.decode("gb18030" if self.chinese else "latin-1", errors="replace")
        self.paper.lines.append(PrintedLine(raw, text, self.align, self.scale, self.bold))
        self.canvas.text(text, self.align, self.scale, self.bold)


def status_answer(faults: set[str] | frozenset[str], n: int) -> bytes:
    """What a printer with these fault switches answers to DLE EOT n (also used by `fake.FakePrinter`)."""
    if "no_answer" in faults:
        return b""
    if "garbage" in faults:
        return b"\xff"
    paper: codec.Paper = "out" if "paper_end" in faults else "near_end" if "paper_near_end" in faults else "ok"
    return bytes([codec.status_byte(n, offline=not can_print(faults), cover_open="cover_open" in faults,
                                    paper=paper, error="error" in faults)])


def can_print(faults: set[str] | frozenset[str]) -> bool:
    return not ({"paper_end", "cover_open", "offline", "error"} & faults)


class PrinterSimulator:
    """The simulated printer: state, fault switches and the links (pty, TCP) it listens on."""

    def __init__(self, width_dots: int = 576, faults: frozenset[str] | set[str] = frozenset(),
                 font_path: Path | None = None) -> None:
        unknown = set(faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown printer simulator faults: {', '.join(sorted(unknown))}")
        self.faults: set[str] = set(faults)
        self.slow_seconds = 0.5
        self.mid_job_after_bytes = 200     # when paper_out_mid_job and mute_mid_job strike
        self.drop_after_bytes = 200        # for drop
        self.status_queries = 0
        self.received = bytearray()
        self.received_limit = KEPT_RECEIVED_BYTES  # `received` holds the latest bytes only (tests read one job's)
        self._lock = threading.RLock()
        self._job_bytes = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._closers: list[Callable[[], None]] = []
        self.printer = EscPosInterpreter(width_dots, self._answer, self._can_print, font_path)

    # --- state -------------------------------------------------------------------------------------
    def set_faults(self, *faults: str) -> None:
        """Replace the fault switches (for tests that change state between jobs)."""
        with self._lock:
            unknown = set(faults) - FAULTS
            if unknown:
                raise ValueError(f"unknown printer simulator faults: {', '.join(sorted(unknown))}")
            self.faults = set(faults)

    def _can_print(self) -> bool:
        return can_print(self.faults)

    def _answer(self, n: int) -> bytes:
        self.status_queries += 1
        return status_answer(self.faults, n)

    def handle(self, data: bytes) -> bytes:
        """Process bytes from a link; returns what to send back."""
        with self._lock:
            if "slow" in self.faults:
                time.sleep(self.slow_seconds)
            self.received += data
            del self.received[:-self.received_limit]
            out = b""
            for i in range(len(data)):  # byte-wise so a mid-job fault lands at an exact offset
                self._job_bytes += 1
                if self._job_bytes > self.mid_job_after_bytes:
                    for delayed, fault in _MID_JOB.items():
                        if delayed in self.faults:
                            self.faults.discard(delayed)
                            self.faults.add(fault)
                out += self.printer.feed(data[i:i + 1])
            return out

    def picture(self) -> Image.Image:
        """What has been printed so far, as a picture."""
        with self._lock:
            return self.printer.canvas.picture(margin_dots=16)

    # --- links -------------------------------------------------------------------------------------
    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def start_tcp(self, host: str = "127.0.0.1") -> int:
        """Listen on a free port on `host`; returns the port. One client at a time, like a real printer."""
        server = socket.create_server((host, 0))
        server.settimeout(0.2)
        self._closers.append(server.close)
        self._spawn(lambda: self._serve_tcp(server), "printer-sim-tcp")
        port: int = server.getsockname()[1]
        return port

    def _serve_tcp(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                self._job_bytes = 0
                conn.settimeout(0.2)
                received = 0
                while not self._stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    received += len(data)
                    if "drop" in self.faults and received > self.drop_after_bytes:
                        self.handle(data[: len(data) - (received - self.drop_after_bytes)])
                        conn.shutdown(socket.SHUT_RDWR)
                        break
                    answer = self.handle(data)
                    if answer:
                        try:
                            conn.sendall(answer)
                        except OSError:
                            break

    def start_pty(self) -> str:
        """Open a pty pair; returns the path the driver opens as its serial port."""
        master, slave = os.openpty()
        tty.setraw(slave)
        path = os.ttyname(slave)
        self._closers += [partial(os.close, master), partial(os.close, slave)]  # slave kept open: no EIO on reopen
        self._spawn(lambda: self._serve_pty(master), "printer-sim-pty")
        return path

    def _serve_pty(self, master: int) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if "drop" in self.faults:  # a pulled cable: nothing is read or answered any more
                continue
            answer = self.handle(data)
            if answer:
                os.write(master, answer)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        for close in self._closers:
            try:
                close()
            except OSError:
                pass

    def __enter__(self) -> PrinterSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """`python -m drivers.printer.simulator [--pty] [--fault a,b] [--out printed.png]`: a printer to poke at.

    Prints the address to give `terminal diag printer --device`; then reads `fault a,b`, `save PATH`
    and `quit` lines on stdin. The picture is saved to --out on quit.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="ESC/POS receipt printer simulator")
    parser.add_argument("--pty", action="store_true", help="listen on a pty instead of a TCP port")
    parser.add_argument("--width", type=int, default=576, choices=(576, 384))
    parser.add_argument("--fault", default="", help=f"comma-separated: {', '.join(sorted(FAULTS))}")
    parser.add_argument("--out", default="printed.png")
    args = parser.parse_args()
    with PrinterSimulator(args.width, {f for f in args.fault.split(",") if f}) as sim:
        print(sim.start_pty() if args.pty else f"tcp://127.0.0.1:{sim.start_tcp()}", flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "fault":
                sim.set_faults(*[f for f in argument.split(",") if f])
            elif command == "save":
                sim.picture().save(argument or args.out)
            elif command == "quit":
                break
        sim.picture().save(args.out)


if __name__ == "__main__":
    main()
