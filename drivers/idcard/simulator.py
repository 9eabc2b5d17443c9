"""A SAM ID-card reader that speaks the real GA/T 467 wire protocol on a pty.

The driver under test opens the pty's slave side exactly as it opens /dev/ttyUSB0, so every
byte goes through the real codec and pyserial. Fault switches (FAULTS) reproduce what real
readers do on a kiosk: no card, card pulled away mid-read, line noise, answers cut in pieces,
corrupted checksums, slow answers, a module that never answers, and an adapter that is unplugged
and comes back under the same name (`unplug()` / `replug()`, which needs a `link` path, as udev
gives /dev/terminal-idcard).

Run alone: `python -m drivers.idcard.simulator --link /tmp/idcard` prints the port path, then
reads commands on stdin: `place NAME`, `remove`, `unplug`, `replug`, `quit`.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import random
import select
import sys
import threading
import time
import tty
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from drivers.idcard.codec import (
    PHOTO_SIZE,
    CardPayload,
    Command,
    FrameDecoder,
    IdCardProtocolError,
    Request,
    Status,
    encode_answer,
    encode_read_data,
    encode_text,
)
from terminal.identity import CardType
from terminal.idnumber import make_id_number

log = logging.getLogger(__name__)

FAULTS = frozenset({"no_card", "removed_mid_read", "garbage", "split_writes", "bad_checksum", "slow", "silent",
                    "sam_fault"})
SAM_ID_BYTES = bytes([5, 0, 1, 0]) + (20170815).to_bytes(4, "little") + (203847).to_bytes(4, "little") + \
    (3825401829).to_bytes(4, "little")


@dataclass(frozen=True)
class FabricatedCard:
    """A fabricated card: its text fields as the chip stores them, and an opaque stand-in photo."""

    card_type: CardType
    fields: dict[str, str]

    def payload(self) -> CardPayload:
        # Deterministic noise of the right size: never a real WLT image.
        photo = bytes((i * 37 + 11) % 256 for i in range(PHOTO_SIZE))
        return CardPayload(encode_text(self.fields, self.card_type), photo, bytes(1024))


def _resident(name: str, sex: str, nation: str, birth: date, sequence: int, valid_from: str, valid_to: str) -> FabricatedCard:
    return FabricatedCard("resident", {
        "name": name, "sex": sex, "nation": nation, "birth": f"{birth:%Y%m%d}",
        "address": "河南省济源市示范镇测试路1号", "id_number": make_id_number("419001", birth, sequence),
        "authority": "济源市公安局", "valid_from": valid_from, "valid_to": valid_to,
    })


TEST_CARDS: dict[str, FabricatedCard] = {
    "resident": _resident("测试样例", "2", "01", date(1990, 1, 1), 4, "20200101", "20400101"),
    "long_term": _resident("测试长期", "1", "03", date(1960, 5, 20), 11, "20150301", "长期"),
    "expired": _resident("测试过期", "1", "05", date(1985, 3, 15), 15, "20050101", "20150101"),
    "hmt": FabricatedCard("hmt", {
        "name": "测试港澳", "sex": "1", "birth": "19880808", "address": "广东省深圳市测试区测试路2号",
        "id_number": make_id_number("810000", date(1988, 8, 8), 21), "authority": "深圳市公安局",
        "valid_from": "20190101", "valid_to": "20290101",
        "pass_number": "H12345678", "issue_count": "01",
    }),
    "foreigner": FabricatedCard("foreigner", {
        "name_en": "TEST, SAMPLE", "sex": "2", "id_number": "USA110085061501", "nationality": "USA",
        "name": "测试外籍", "valid_from": "20180101", "valid_to": "20280101", "birth": "19850615",
        "card_version": "01", "authority": "1100",
    }),
}


class SamSimulator:
    """The reader: a serving thread behind a pty, with cards placed and removed by the caller."""

    def __init__(self, *, faults: Iterable[str] = (), card: str | None = "resident", link: Path | None = None,
                 slow_seconds: float = 0.5, baud: int | None = None) -> None:
        unknown = set(faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown simulator faults {sorted(unknown)}; known: {sorted(FAULTS)}")
        self.faults = set(faults)
        self.link = link
        self.slow_seconds = slow_seconds
        self.baud = baud  # pace answers like a real 115200 line (benchmarks); None: as fast as the pty goes
        self.corrupt_reads = 0  # how many coming read answers get a bad checksum
        self.requests: collections.deque[tuple[int, int]] = collections.deque(maxlen=256)
        self._card: FabricatedCard | None = None
        self._card_read = False  # after a read the SAM no longer "finds" the card until it is lifted
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_name = ""
        self._wake_r, self._wake_w = os.pipe()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="idcard-simulator", daemon=True)
        if card is not None:
            self.place(card)

    # ------------------------------------------------------------ life cycle

    @property
    def path(self) -> str:
        """What the driver opens: the stable link if there is one, else the pty's slave name."""
        return str(self.link) if self.link else self._slave_name

    def start(self) -> SamSimulator:
        self._open_pty()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        self._close_pty()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def __enter__(self) -> SamSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def unplug(self) -> None:
        """The adapter vanishes: the pty closes under the driver and the device name disappears."""
        self._close_pty()
        os.write(self._wake_w, b"x")

    def replug(self) -> None:
        """The adapter comes back under the same link name (a new pty behind it), its SAM freshly powered."""
        with self._lock:
            self._card_read = False
        self._open_pty()
        os.write(self._wake_w, b"x")

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: a serial line, not a terminal
        with self._lock:
            self._master, self._slave, self._slave_name = master, slave, os.ttyname(slave)
        if self.link:
            temporary = self.link.with_name(self.link.name + ".new")
            temporary.unlink(missing_ok=True)
            temporary.symlink_to(self._slave_name)
            temporary.replace(self.link)

    def _close_pty(self) -> None:
        with self._lock:
            fds = [fd for fd in (self._master, self._slave) if fd is not None]
            self._master = self._slave = None
        if self.link:
            self.link.unlink(missing_ok=True)
        for fd in fds:
            os.close(fd)

    # ------------------------------------------------------------ cards

    def place(self, card: str | FabricatedCard) -> None:
        with self._lock:
            self._card = TEST_CARDS[card] if isinstance(card, str) else card
            self._card_read = False
            if "bad_checksum" in self.faults:
                self.corrupt_reads = 1

    def remove(self) -> None:
        with self._lock:
            self._card = None

    # ------------------------------------------------------------ serving

    def _serve(self) -> None:
        decoder = FrameDecoder()
        while not self._stopping.is_set():
            master = self._master
            watched = [self._wake_r] + ([master] if master is not None else [])
            readable, _, _ = select.select(watched, [], [])
            if self._wake_r in readable:
                os.read(self._wake_r, 64)
                decoder.clear()
                continue
            try:
                data = os.read(master, 4096) if master is not None else b""
            except OSError:  # closed by unplug() between select and read
                continue
            decoder.feed(data)
            self._answer_all(decoder)

    def _answer_all(self, decoder: FrameDecoder) -> None:
        while True:
            try:
                for body in decoder.frames():
                    self._answer(Request.from_body(body))
                return
            except IdCardProtocolError:
                self._send(encode_answer(Status.CHECKSUM_ERROR))

    def _answer(self, request: Request) -> None:
        self.requests.append(request.code)
        if "silent" in self.faults:
            return
        with self._lock:
            frame = self._reply(request)
        if frame:
            self._send(frame)

    def _reply(self, request: Request) -> bytes:
        """The answer frame for one command (called with the lock held)."""
        card = None if "no_card" in self.faults else self._card
        command = request.command
        if "sam_fault" in self.faults:
            return encode_answer(Status.SAM_SELF_TEST_FAILED)
        if command in (Command.RESET_SAM, Command.SAM_STATUS):
            return encode_answer(Status.OK)
        if command is Command.SAM_ID:
            return encode_answer(Status.OK, SAM_ID_BYTES)
        if command is Command.FIND_CARD:
            found = card is not None and not self._card_read
            return encode_answer(Status.CARD_FOUND, bytes(4)) if found else encode_answer(Status.FIND_FAILED)
        if command is Command.SELECT_CARD:
            return encode_answer(Status.OK, bytes(8)) if card else encode_answer(Status.SELECT_FAILED)
        if command in (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT):
            if card is None:
                return encode_answer(Status.CARD_OPERATION_FAILED)
            if "removed_mid_read" in self.faults:
                self._card = None
                return encode_answer(Status.CARD_OPERATION_FAILED)
            self._card_read = True
            frame = encode_answer(Status.OK, encode_read_data(
                card.payload(), with_fingerprint=command is Command.READ_TEXT_PHOTO_FINGERPRINT))
            if self.corrupt_reads > 0:
                self.corrupt_reads -= 1
                frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
            return frame
        return encode_answer(Status.BAD_COMMAND)

    def _send(self, frame: bytes) -> None:
        if "slow" in self.faults:
            self._stopping.wait(self.slow_seconds)
        if "garbage" in self.faults:
            frame = bytes(random.choice(range(0x00, 0xAA)) for _ in range(random.randint(1, 40))) + frame
        chunk = random.randint(1, 7) if "split_writes" in self.faults else 256
        master = self._master
        if master is None:
            return
        try:
            for start in range(0, len(frame), chunk):
                piece = frame[start:start + chunk]
                os.write(master, piece)
                if self.baud:
                    time.sleep(len(piece) * 10 / self.baud)
                elif chunk < 256 and random.random() < 0.125:
                    time.sleep(0.001)  # now and then a gap, so the driver sees frames in pieces
        except OSError:
            log.debug("event=simulator_write_failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SAM ID-card reader simulator on a pty")
    parser.add_argument("--card", default="resident", help=f"card placed at start: {', '.join(TEST_CARDS)} or none")
    parser.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS))
    parser.add_argument("--link", type=Path, help="stable symlink to the pty (lets unplug/replug keep the name)")
    parser.add_argument("--baud", type=int, help="pace answers like a serial line at this rate")
    args = parser.parse_args(argv)
    simulator = SamSimulator(faults=args.fault, card=None if args.card == "none" else args.card, link=args.link,
                             baud=args.baud).start()
    print(simulator.path, flush=True)
    actions = {"remove": simulator.remove, "unplug": simulator.unplug, "replug": simulator.replug}
    for line in sys.stdin:
        word, _, rest = line.strip().partition(" ")
        if word == "quit":
            break
        if word == "place":
            simulator.place(rest or "resident")
        elif word in actions:
            actions[word]()
        print("ok", flush=True)
    simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
