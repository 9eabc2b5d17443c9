"""ID-card reader figures: driver overhead against the serial wire time, and idle polling CPU.

The simulator runs in a separate process (so its CPU is not counted) on a pty, pacing its
answers like a 115200-baud line. Printed:
- exchange: find + select + read of one card, wall time against the wire time of the same bytes
  at 115200 8N1 (10 bits a byte); the difference is what the driver and the pty add;
- the same without pacing: pure software time of the whole exchange;
- placed -> decoded through the polling thread (includes waiting for the next poll);
- CPU share of the polling loop with no card (process CPU time / wall time).

Run: .venv/bin/python bench/idcard_read.py [--reads 20] [--idle-seconds 5]
"""

from __future__ import annotations

import argparse
import queue
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.idcard import IdCardSettings, ReaderEvent
from drivers.idcard.driver import IdCardReader
from terminal.devices import parse_address
from terminal.events import EventLog

BAUD = 115200


class SimulatorProcess:
    """`python -m drivers.idcard.simulator` in its own process, driven through stdin."""

    def __init__(self, link: Path, baud: int | None) -> None:
        command = [sys.executable, "-m", "drivers.idcard.simulator", "--card", "none", "--link", str(link)]
        self.process = subprocess.Popen(command + (["--baud", str(baud)] if baud else []), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
        assert self.process.stdout is not None
        self.path = self.process.stdout.readline().strip()

    def send(self, line: str) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        self.process.stdout.readline()

    def close(self) -> None:
        if self.process.poll() is None:
            self.send("quit")
        self.process.wait(timeout=5)


def exchange_figures(link: Path, baud: int | None, reads: int) -> tuple[float, float]:
    """Median wall time and wire time (ms) of find + select + read."""
    simulator = SimulatorProcess(link, baud)
    walls, wires = [], []
    try:
        settings = IdCardSettings(parse_address(simulator.path), poll_interval=0.05, timeout=3.0)
        with IdCardReader(settings, EventLog()) as reader:
            simulator.send("place resident")
            for _ in range(reads):
                simulator.send("remove")
                simulator.send("place resident")
                before = reader.port.wire_bytes
                start = time.perf_counter()
                identity = reader.read_once(wait_seconds=1.0)
                walls.append((time.perf_counter() - start) * 1000)
                assert identity is not None
                wires.append((reader.port.wire_bytes - before) * 10 / BAUD * 1000)
    finally:
        simulator.close()
    return statistics.median(walls), statistics.median(wires)


def placed_to_decoded(link: Path, reads: int, poll_ms: int) -> float:
    simulator = SimulatorProcess(link, BAUD)
    events: queue.Queue[tuple[float, ReaderEvent]] = queue.Queue()
    times = []
    try:
        settings = IdCardSettings(parse_address(simulator.path), poll_interval=poll_ms / 1000, timeout=3.0)
        with IdCardReader(settings, EventLog(), on_event=lambda e: events.put((time.perf_counter(), e))) as reader:
            reader.start()
            for _ in range(reads):
                start = time.perf_counter()
                simulator.send("place resident")
                while True:
                    stamp, event = events.get(timeout=5)
                    if event.kind == "card-read":
                        times.append((stamp - start) * 1000)
                        break
                simulator.send("remove")
                while events.get(timeout=5)[1].kind != "card-removed":
                    pass
    finally:
        simulator.close()
    return statistics.median(times)


def idle_cpu(link: Path, seconds: float, poll_ms: int) -> float:
    simulator = SimulatorProcess(link, BAUD)
    try:
        with IdCardReader(IdCardSettings(parse_address(simulator.path), poll_interval=poll_ms / 1000, timeout=3.0),
                          EventLog()) as reader:
            reader.start()
            time.sleep(0.5)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            time.sleep(seconds)
            return (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    finally:
        simulator.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args()
    link = Path(tempfile.mkdtemp(prefix="idcard-bench-")) / "terminal-idcard"

    wall, wire = exchange_figures(link, BAUD, args.reads)
    print(f"find+select+read at {BAUD} baud (paced simulator): median wall {wall:.1f} ms, "
          f"wire time of the same bytes {wire:.1f} ms, overhead {wall - wire:.1f} ms")
    raw_wall, _ = exchange_figures(link, None, args.reads)
    print(f"find+select+read, unpaced pty (pure software time): median {raw_wall:.2f} ms")
    for poll_ms in (300, 50):
        placed = placed_to_decoded(link, max(5, args.reads // 2), poll_ms)
        print(f"card placed -> identity decoded via polling thread (poll {poll_ms} ms): median {placed:.1f} ms")
    for poll_ms in (300, 50):
        share = idle_cpu(link, args.idle_seconds, poll_ms)
        print(f"idle polling CPU share (poll {poll_ms} ms, no card): {share * 100:.2f} % of one core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
