"""The committed OpenAPI file matches the code; the sync and outbox commands work end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync import openapi
from sync.outbox import Outbox
from terminal import cli
from tests.sync.conftest import Central
from tests.sync.helpers import make_case, write_secret


def test_committed_openapi_matches_the_code() -> None:
    committed = openapi.DOC.read_text(encoding="utf-8")
    assert committed == openapi.render(), "docs/openapi.json is stale: run `python -m sync.openapi`"
    paths = json.loads(committed)["paths"]
    assert {"/v1/outbox", "/v1/records/{record_id}", "/v1/records/{record_id}/attachments/{name}",
            "/v1/catalog/{region}", "/v1/heartbeat"} <= set(paths)
    assert "409" in paths["/v1/records/{record_id}"]["put"]["responses"]


def _config(tmp_path: Path, central: Central | None = None) -> Path:
    path = tmp_path / "terminal.toml"
    secret = write_secret(tmp_path / "platform.secret")
    platform = f'[platform]\nurl = "{central.url}"\ncredentials = "{secret}"\n' if central else ""
    path.write_text(f'[terminal]\nid = "T0001"\n[storage]\ndata_dir = "{tmp_path / "data"}"\nmin_free_mb = 10\n'
                    + platform, encoding="utf-8")
    return path


def test_outbox_and_sync_commands(tmp_path: Path, central: Central, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, central)
    box = Outbox(tmp_path / "data", min_free_mb=10)
    case = make_case(1)
    box.submit(case)
    box.close()
    assert cli.main(["--config", str(config), "outbox", "list"]) == 0
    listing = capsys.readouterr().out
    assert case.case_no in listing and "queued" in listing
    assert case.applicant.id_number not in listing and case.applicant.name not in listing
    assert cli.main(["--config", str(config), "outbox", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert cli.main(["--config", str(config), "sync", "push"]) == 0
    assert "delivered 1" in capsys.readouterr().out
    assert cli.main(["--config", str(config), "sync", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["counts"]["purged"] == 1 and status["last_push"]
    assert cli.main(["--config", str(config), "outbox", "rotate-key"]) == 0
    assert "k2" in capsys.readouterr().out
    assert cli.main(["--config", str(config), "diag", "outbox", "network", "--json"]) == 0
    checks = {c["device"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["outbox"]["status"] == "ok" and checks["network"]["status"] == "ok"


def test_verify_command_fails_on_a_damaged_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    box = Outbox(tmp_path / "data", min_free_mb=10)
    box.submit(make_case(2))
    victim = next(box.files.glob("*"))
    victim.write_bytes(victim.read_bytes()[:-1])
    box.close()
    assert cli.main(["--config", str(config), "outbox", "verify"]) == 1
    assert "problems: 1" in capsys.readouterr().out


def test_central_command_serves_pushes_until_sigterm(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from sync.push import Pusher
    from tests.sync.conftest import free_port, make_client

    port = free_port()
    config = _config(tmp_path)  # no platform url; the secret comes from --secret
    proc = subprocess.Popen([sys.executable, "-m", "terminal", "--config", str(config), "sync", "central",
                             "--db", str(tmp_path / "central.sqlite"), "--listen", f"127.0.0.1:{port}",
                             "--secret", str(tmp_path / "platform.secret")],
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert "listening" in proc.stdout.readline()
        box = Outbox(tmp_path / "data", min_free_mb=10)
        box.submit(make_case(3))
        assert Pusher(box, make_client(f"http://127.0.0.1:{port}"), retry_base=0.01).round().ok
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    from gov_central.server import CentralStore
    assert list(CentralStore(tmp_path / "central.sqlite").completed()) == [make_case(3).case_no]
