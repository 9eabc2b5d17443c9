"""`gov-central --data DIR` in one command; an operator added from the command line logs in."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.central.conftest import login
from tests.sync.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


def test_one_folder_start_with_an_operator_then_clean_stop(tmp_path: Path) -> None:
    data = tmp_path / "county"
    added = subprocess.run([sys.executable, "-m", "gov_central.cli", "--data", str(data), "--add-operator", "测试管理员",
                            "--role", "管理员"], input="测试密码-0123456789\n", text=True, capture_output=True,
                           cwd=REPO, timeout=60)
    assert added.returncode == 0, added.stderr
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gov_central.cli", "--data", str(data), "--listen",
                             f"127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert proc.stdout is not None
        assert "listening" in proc.stdout.readline()
        assert "platform.catalog_keys" in proc.stdout.readline()
        _, csrf = login(f"http://127.0.0.1:{port}", "测试管理员", "测试密码-0123456789")
        assert csrf
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    assert {"catalog.key", "central.sqlite", "central.sqlite.files"} <= {p.name for p in data.iterdir()}
    assert (data / "catalog.key").stat().st_mode & 0o777 == 0o600


def test_short_password_and_missing_store_are_refused(tmp_path: Path) -> None:
    short = subprocess.run([sys.executable, "-m", "gov_central.cli", "--data", str(tmp_path), "--add-operator", "x"],
                           input="short\n", text=True, capture_output=True, cwd=REPO, timeout=60)
    assert short.returncode == 2 and "10 characters" in short.stderr
    none = subprocess.run([sys.executable, "-m", "gov_central.cli"], text=True, capture_output=True, cwd=REPO,
                          timeout=60)
    assert none.returncode == 2 and "--data" in none.stderr
