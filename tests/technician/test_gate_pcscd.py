"""Runs tests/technician/pcscd_gate_check.py (the gate on a real pcscd) in its own process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.smartcard.conftest import VPCD_DRIVER

HERE = Path(__file__).resolve().parent


def test_gate_on_a_real_pcscd_in_its_own_process() -> None:
    if not shutil.which("pcscd") or not VPCD_DRIVER.exists():
        pytest.skip("pcscd or vsmartcard-vpcd is not installed (bootstrap.sh installs both)")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE / "pcscd_gate_check.py")]
    done = subprocess.run(command, cwd=HERE.parents[1], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
