"""Run a Kivy probe module in a child process (one window per process) and read its JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_probe(module: str, out: Path, timeout: float, *args: str) -> dict:
    """`python -m module OUT ARGS...`; its last stdout line is the report. Kivy's console log stays off."""
    env = dict(os.environ, KIVY_HOME=str(out / "kivy"), KIVY_NO_CONSOLELOG="1", KIVY_NO_ARGS="1")
    done = subprocess.run([sys.executable, "-m", module, str(out), *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])
