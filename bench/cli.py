"""Start-up of the `terminal` command: wall time and peak memory of `--help`, `version` and a heavy subcommand.

    .venv/bin/python bench/cli.py [--runs 20]

Each command runs --runs times in a fresh process, after 2 warm-up runs (the way hyperfine does);
prints mean ± standard deviation, min and max in milliseconds, and the largest peak resident memory of a run.
The target for `--help` and `version` is at most 300 ms (issue 12).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TERMINAL = [sys.executable, "-m", "terminal"]
COMMANDS = (["--help"], ["version"], ["catalog", "search", "hkdj", "--limit", "1"])


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one run in a fresh process."""
    started = time.perf_counter()
    child = subprocess.Popen(TERMINAL + argv, stdout=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"terminal {' '.join(argv)} exited with {child.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    for argv in COMMANDS:
        for _ in range(2):
            timed(argv)
        samples = [timed(argv) for _ in range(runs)]
        times = [seconds * 1000 for seconds, _ in samples]
        peak_mb = max(mb for _, mb in samples)
        print(f"terminal {' '.join(argv):<34} {statistics.mean(times):7.1f} ms ± {statistics.stdev(times):5.1f}"
              f"  (min {min(times):6.1f}, max {max(times):6.1f}, {runs} runs)  peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
