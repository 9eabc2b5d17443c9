"""`terminal run` under a service manager: READY=1 once the home screen is up, then pings from the UI loop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.kivy_probe import REPO


def test_kiosk_notifies_ready_and_pings_from_its_clock(tmp_path: Path) -> None:
    conf = tmp_path / "terminal.toml"
    conf.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\nmin_free_mb = 10\n', encoding="utf-8")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(60)
    env = dict(os.environ, KIVY_HOME=str(tmp_path / "kivy"), KIVY_NO_CONSOLELOG="1", KIVY_NO_ARGS="1",
               NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="1500000")
    kiosk = subprocess.Popen([sys.executable, "-m", "terminal", "--config", str(conf), "run", "--simulate",
                              "--windowed"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        messages = [notify.recv(4096) for _ in range(3)]
    finally:
        kiosk.kill()
        kiosk.wait(30)
        notify.close()
    assert messages[0].startswith(b"READY=1") and b"home screen up" in messages[0]
    assert messages[1:] == [b"WATCHDOG=1", b"WATCHDOG=1"]
