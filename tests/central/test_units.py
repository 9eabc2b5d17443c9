"""The central service's systemd units verify, and their hardening scores as low as the kiosk's."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = ("gov-central.service", "gov-central-purge.service", "gov-central-purge.timer")
SOURCE = Path(__file__).resolve().parents[2] / "central" / "systemd"

pytestmark = pytest.mark.skipif(not shutil.which("systemd-analyze") or os.geteuid() != 0,
                                reason="needs systemd-analyze and root (as .ci/run has)")


def _root(tmp_path: Path) -> Path:
    """A root with the distribution's units, ours, the env file and the program ExecStart names."""
    root = tmp_path / "root"
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(SOURCE / unit, root / "etc/systemd/system" / unit)
    (root / "etc/gov-central").mkdir(parents=True)
    (root / "etc/gov-central/gov-central.env").write_text("GOV_CENTRAL_ARGS=--data /var/lib/gov-central\n")
    program = root / "opt/gov-central/venv/bin/gov-central"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    return root


def test_units_verify_and_are_hardened(tmp_path: Path) -> None:
    root = _root(tmp_path)
    done = subprocess.run(["systemd-analyze", "verify", f"--root={root}", *UNITS], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    for unit in (u for u in UNITS if u.endswith(".service")):
        done = subprocess.run(["systemd-analyze", "security", "--offline=true", f"--root={root}", unit],
                              capture_output=True, text=True, timeout=60)
        match = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout)
        assert match, done.stdout + done.stderr
        assert float(match.group(1)) <= 3.0, f"{unit}: exposure {match.group(1)}"
    # The ExecStart check is real: without the program the same call complains.
    (root / "opt/gov-central/venv/bin/gov-central").unlink()
    done = subprocess.run(["systemd-analyze", "verify", f"--root={root}", UNITS[0]], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "gov-central" in done.stderr
