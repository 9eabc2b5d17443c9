"""`terminal diag idcard` as a technician runs it: a separate process on a real pty."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tty
from collections.abc import Callable
from pathlib import Path

from drivers.idcard.simulator import SamSimulator


def run_cli(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "terminal"] + (["--config", str(config)] if config else []) + list(args)
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_diag_read_against_simulator_on_a_pty(make_simulator: Callable[..., SamSimulator]) -> None:
    simulator = make_simulator(link=None, card="hmt")
    assert simulator.path.startswith("/dev/pts/")
    result = run_cli("diag", "idcard", "--device", simulator.path, "--read", "--json")
    assert result.returncode == 0, result.stderr
    check = json.loads(result.stdout)["checks"][0]
    details = check["details"]
    assert check["status"] == "ok" and details["sam_id"].startswith("05.01-")
    for key in ("card_type", "name_masked", "sex", "nation", "birth", "id_masked", "id_valid", "valid_to", "expired"):
        assert key in details
    assert details["card_type"] == "hmt" and details["name_masked"] == "测*港*"
    assert details["id_masked"].startswith("8100") and "*" in details["id_masked"] and details["id_valid"] is True
    assert "测试港澳" not in result.stdout  # never the full name


def test_diag_plain_and_expired_card(make_simulator: Callable[..., SamSimulator]) -> None:
    simulator = make_simulator(link=None, card="expired")
    plain = run_cli("diag", "idcard", "--device", simulator.path)
    assert plain.returncode == 0 and "ok" in plain.stdout and "SAM 05.01-" in plain.stdout
    read = run_cli("diag", "idcard", "--device", simulator.path, "--read")
    assert read.returncode == 0 and "warning" in read.stdout and "过期" in read.stdout


def test_silent_reader_gives_one_line_error_not_traceback(tmp_path: Path) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    config = tmp_path / "terminal.toml"
    config.write_text("[timeouts]\ndevice_seconds = 0.3\n")
    try:
        result = run_cli("diag", "idcard", "--device", os.ttyname(slave), config=config)
    finally:
        os.close(master)
        os.close(slave)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "fault" in lines[0]
    assert "没有应答" in lines[0] and "no answer" in lines[0]


def test_missing_port_is_absent(tmp_path: Path) -> None:
    result = run_cli("diag", "idcard", "--device", str(tmp_path / "ttyUSB9"), "--json")
    check = json.loads(result.stdout)["checks"][0]
    assert check["status"] == "absent" and "找不到" in check["summary"]
