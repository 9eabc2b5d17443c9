"""Run a Kivy probe module in a child process (one window per process) and read its JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_probe(module: str, out: Path, timeout: float, *args: str) -> dict:
    """`python -m module OUT ARGS...`; its last stdout line is the report. Kivy's console log stays off."""
    env = dict(os.environ, KIVY_HOME=str(out / "kivy"), KIVY_NO_CONSOLELOG="1", KIVY_NO_ARGS="1")
    done = subprocess.run([sys.executable, "-m", module, str(out), *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_main(main: Callable[[Path], dict]) -> None:
    """A probe's `__main__`: run `main(OUT_DIR)` and print its report as the last stdout line; a failure's
    traceback goes to stdout too (Kivy swallows stderr without a console log)."""
    try:
        report = main(Path(sys.argv[1]))
    except BaseException:
        print(traceback.format_exc(), flush=True)
        raise
    print(json.dumps(report, ensure_ascii=False, default=str), flush=True)


def probe_main(main: Callable[[Path], None]) -> None:
    """A probe module's entry: `main(OUT_DIR)`; Kivy swallows stderr without a console log, so
    what broke is printed on stdout too."""
    try:
        main(Path(sys.argv[1]))
    except BaseException:
        print(traceback.format_exc(), flush=True)
        raise
