"""Every device kind has a registered self-test, and each gives the right state against its simulator,
working and with fault switches on; `terminal diag` exits non-zero on a fault and its JSON validates."""

from __future__ import annotations

import dataclasses
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from terminal import cli, config as config_module
from terminal.assembly.checks import CHECKS, run_check
from terminal.config import Config
from terminal.devices import parse_address
from terminal.diagnostics import CheckOptions
from tests.technician.conftest import technician_config

REPO = Path(__file__).resolve().parents[2]
KINDS = {"idcard", "smartcard", "camera", "printer", "keypad", "outbox", "network", "system"}


def quick(tmp_path: Path, **platform: object) -> Config:
    """Simulated devices, half-second device timeouts (faults answer fast), a private data folder."""
    config = config_module.with_simulated_devices(technician_config(tmp_path))
    return dataclasses.replace(config, timeouts=dataclasses.replace(config.timeouts, device_seconds=0.5),
                               platform=dataclasses.replace(config.platform, **platform))


def test_every_device_kind_is_registered() -> None:
    assert KINDS <= set(CHECKS)


@pytest.mark.parametrize("device,address,status", [
    ("idcard", "sim", "ok"),
    ("idcard", "sim?fault=silent", "fault"),
    ("idcard", "serial:///dev/nonexistent-idcard", "absent"),
    ("printer", "sim", "ok"),
    ("printer", "sim?fault=paper_near_end", "warning"),
    ("printer", "sim?fault=cover_open", "fault"),
    ("printer", "sim?fault=paper_end", "fault"),
    ("printer", "sim?fault=no_answer", "fault"),
    ("keypad", "sim", "ok"),
    ("keypad", "sim?fault=no_answer", "fault"),
    ("camera", "sim", "ok"),
    ("camera", "sim?fault=frozen", "fault"),
    ("smartcard", "sim", "ok"),
])
def test_device_check_against_its_simulator(tmp_path: Path, device: str, address: str, status: str) -> None:
    result = run_check(device, quick(tmp_path), parse_address(address, device), CheckOptions())
    assert result.status == status, result.summary
    assert result.summary and result.device == device


def test_outbox_check_working_and_unopenable(tmp_path: Path) -> None:
    assert run_check("outbox", quick(tmp_path), None, CheckOptions()).status == "ok"
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the data folder should be")
    config = quick(tmp_path)
    config = dataclasses.replace(config, storage=dataclasses.replace(config.storage, data_dir=blocked))
    assert run_check("outbox", config, None, CheckOptions()).status == "fault"


@pytest.fixture
def platform_stub() -> Iterator[str]:
    """Any HTTP server answering on 127.0.0.1 (the network check only asks whether the platform answers)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_network_check_absent_reachable_and_down(tmp_path: Path, platform_stub: str) -> None:
    secret = tmp_path / "platform.secret"
    secret.write_text("a-test-secret-of-enough-length-0123456789")
    assert run_check("network", quick(tmp_path), None, CheckOptions()).status == "absent"
    up = run_check("network", quick(tmp_path, url=platform_stub, credentials=secret), None, CheckOptions())
    assert up.status == "ok", up.summary
    down = run_check("network", quick(tmp_path, url=f"http://127.0.0.1:{closed_port()}", credentials=secret,
                                      timeout_seconds=1.0), None, CheckOptions())
    assert down.status == "fault" and "网络" in down.summary


def diag(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    conf = tmp_path / "terminal.toml"
    conf.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[timeouts]\ndevice_seconds = 0.5\n')
    code = cli.main(["--config", str(conf), "diag", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_diag_exit_status_and_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads((REPO / "docs" / "diag.schema.json").read_text(encoding="utf-8"))
    code, ok = diag(tmp_path, capsys, "printer", "--device", "sim?fault=paper_near_end")
    jsonschema.validate(ok, schema)
    assert code == 0 and ok["ok"] and ok["checks"][0]["status"] == "warning"  # a warning is not a fault
    code, broken = diag(tmp_path, capsys, "printer", "--device", "sim?fault=cover_open")
    jsonschema.validate(broken, schema)
    assert code == 1 and not broken["ok"] and broken["checks"][0]["status"] == "fault"
