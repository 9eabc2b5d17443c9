"""`terminal sync serve`'s loop: push, pull API and heartbeat in one process, with the watchdog hook."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
import requests

from sync.auth import make_token
from sync.outbox import Outbox
from sync.service import SyncService, start_pull_api
from terminal import config as config_module
from terminal.errors import ConfigError
from tests.sync.conftest import Central, free_port
from tests.sync.helpers import SECRET, TERMINAL_ID, make_case, write_secret


def _config(tmp_path: Path, central: Central, listen: str) -> config_module.Config:
    secret = write_secret(tmp_path / "secret")
    return config_module.from_dict({
        "terminal": {"id": TERMINAL_ID}, "storage": {"data_dir": str(tmp_path / "data"), "min_free_mb": 10},
        "platform": {"url": central.url, "credentials": str(secret), "push_interval_seconds": 1},
        "sync_api": {"listen": listen, "credentials": str(secret)},
    })


def test_serve_pushes_serves_pull_api_and_ticks(tmp_path: Path, central: Central) -> None:
    port = free_port()
    config = _config(tmp_path, central, f"127.0.0.1:{port}")
    outbox = Outbox.from_config(config)
    cases = [make_case(n) for n in range(3)]
    for case in cases:
        outbox.submit(case)
    service = SyncService(config, outbox, device_status=lambda: {"printer": "ok"})
    drained = threading.Event()
    ticks = []

    def tick() -> None:
        ticks.append(1)
        heartbeat = central.store._row("SELECT terminal_id FROM heartbeats")
        if outbox.stats().counts["purged"] == len(cases) and heartbeat is not None:
            drained.set()

    runner = threading.Thread(target=service.run, args=(tick,))
    runner.start()
    try:
        assert drained.wait(20)
        answer = requests.get(f"http://127.0.0.1:{port}/v1/outbox", timeout=5,
                              headers={"Authorization": f"Bearer {make_token(SECRET, TERMINAL_ID)}"})
        assert answer.status_code == 200 and answer.json()["records"] == []
    finally:
        service.stop.set()
        runner.join(10)
    assert not runner.is_alive() and len(ticks) >= 2  # before and after the round, and while waiting
    assert set(central.store.completed()) == {c.case_no for c in cases}
    assert central.store._row("SELECT terminal_id FROM heartbeats")["terminal_id"] == TERMINAL_ID


def test_pull_api_off_loopback_needs_tls(tmp_path: Path, central: Central) -> None:
    config = _config(tmp_path, central, "0.0.0.0:8700")
    with pytest.raises(ConfigError, match="tls_cert"):
        start_pull_api(config, Outbox.from_config(config))
    no_pull = dataclasses.replace(config, sync_api=dataclasses.replace(config.sync_api, credentials=None))
    assert start_pull_api(no_pull, Outbox.from_config(no_pull)) is None
