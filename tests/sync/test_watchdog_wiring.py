"""`terminal sync serve` under a service manager: READY=1, then WATCHDOG=1 only while the pull API serves."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sync.outbox import Outbox
from sync.service import SyncService
from terminal import config as config_module
from tests.sync.conftest import free_port
from tests.sync.helpers import make_case, write_secret


def _receive(sock: socket.socket, wanted: bytes, limit: int = 50) -> list[bytes]:
    seen: list[bytes] = []
    for _ in range(limit):
        message = sock.recv(4096)
        seen.append(message)
        if wanted in message:
            return seen
    raise AssertionError(f"{wanted!r} never arrived: {seen}")


def test_sync_serve_notifies_ready_then_pings(tmp_path: Path) -> None:
    secret = write_secret(tmp_path / "secret")
    conf = tmp_path / "terminal.toml"
    conf.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\nmin_free_mb = 10\n'
                    f'[sync_api]\nlisten = "127.0.0.1:{free_port()}"\ncredentials = "{secret}"\n', encoding="utf-8")
    notify_path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    sock.settimeout(20)
    env = {**os.environ, "NOTIFY_SOCKET": str(notify_path), "WATCHDOG_USEC": "600000"}
    child = subprocess.Popen([sys.executable, "-m", "terminal", "--config", str(conf), "sync", "serve"], env=env)
    try:
        first = _receive(sock, b"READY=1")
        assert b"push loop and pull API up" in first[-1]
        _receive(sock, b"WATCHDOG=1")
        _receive(sock, b"WATCHDOG=1")
    finally:
        child.send_signal(signal.SIGTERM)
        assert child.wait(20) == 0
        sock.close()


def test_service_is_unhealthy_once_the_pull_api_dies(tmp_path: Path) -> None:
    secret = write_secret(tmp_path / "secret")
    config = config_module.from_dict({
        "storage": {"data_dir": str(tmp_path / "data"), "min_free_mb": 10},
        "sync_api": {"listen": f"127.0.0.1:{free_port()}", "credentials": str(secret)},
    })
    service = SyncService(config, Outbox.from_config(config))
    health: list[bool] = []

    def tick() -> None:
        health.append(service.healthy())
        if len(health) == 1:
            assert service.api_server is not None
            service.api_server.stop()  # the API thread ends: the next tick must see it
        else:
            service.stop.set()

    service.run(on_tick=tick)
    assert health[0] is True and health[-1] is False


class BlackHole:
    """A platform that accepts every TCP connection and never answers a byte."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.listener.close()
        for sock in self.held:
            sock.close()


def test_loop_keeps_ticking_against_a_platform_that_never_answers(tmp_path: Path) -> None:
    """Heartbeat, catalog check and a push round, each to a black hole, still leave the watchdog fed in time.

    One request ends within its deadline (3 x timeout_seconds, at most 50 s), so the longest gap
    between ticks is three deadlines; with the default 15 s that is 135 s, inside WatchdogSec=180.
    """
    hole = BlackHole()
    secret = write_secret(tmp_path / "secret")
    config = config_module.from_dict({
        "storage": {"data_dir": str(tmp_path / "data"), "min_free_mb": 10},
        "platform": {"url": hole.url, "credentials": str(secret), "timeout_seconds": 1, "push_interval_seconds": 1},
    })
    outbox = Outbox.from_config(config)
    outbox.submit(make_case(1))
    service = SyncService(config, outbox)
    assert service.client is not None
    deadline = service.client.settings.deadline_seconds
    ticks: list[float] = []

    def tick() -> None:
        ticks.append(time.monotonic())
        if ticks[-1] - ticks[0] > 4 * deadline:
            service.stop.set()

    try:
        service.run(on_tick=tick)
        assert outbox.record(make_case(1).case_no).state == "queued"
    finally:
        hole.close()
        outbox.close()
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert max(gaps) < 3 * deadline + 1.5, gaps
    assert len(hole.held) >= 3  # heartbeat, catalog and push each reached the platform
