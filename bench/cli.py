"""Start-up of the `terminal` command: wall time and peak memory of `--help`, `version` and a heavy subcommand.

    .venv/bin/python bench/cli.py [--runs 20]

Each command runs --runs times in a fresh process, after 2 warm-up runs (the way hyperfine does);
prints mean ± standard deviation, min and max in milliseconds, and the child's peak resident memory.
The target for `--help` and `version` is at most 300 ms (issue 12).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TERMINAL = [sys.executable, "-m", "terminal"]
COMMANDS = (["--help"], ["version"], ["catalog", "search", "hkdj", "--limit", "1"])


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(TERMINAL + argv, check=True, stdout=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    for argv in COMMANDS:
        for _ in range(2):
            timed(argv)
        times = [timed(argv) * 1000 for _ in range(runs)]
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"terminal {' '.join(argv):<34} {statistics.mean(times):7.1f} ms ± {statistics.stdev(times):5.1f}"
              f"  (min {min(times):6.1f}, max {max(times):6.1f}, {runs} runs)  peak RSS so far {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
