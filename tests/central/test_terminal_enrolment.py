"""The terminal's side of enrolment: `terminal sync enrol CODE` and `terminal sync rotate` against a
running central service keep the terminal's own secret, and push then works with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gov_central.credentials import Registry
from sync.outbox import Outbox
from sync.push import Pusher
from tests.central.conftest import Service
from tests.sync.conftest import make_client
from tests.sync.helpers import make_case

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(f'[terminal]\nid = "TE001"\n\n[storage]\ndata_dir = "{tmp_path / "data"}"\nmin_free_mb = 10\n\n'
                    f'[platform]\nurl = "{url}"\ncredentials = "{tmp_path / "platform.credentials"}"\n', encoding="utf-8")
    return path


def _terminal(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "terminal", "--config", str(config), "sync", *args],
                          capture_output=True, text=True, timeout=60, cwd=REPO)


def test_enrol_keeps_the_terminal_secret_and_push_uses_it(service: Service, tmp_path: Path) -> None:
    config = _config(tmp_path, service.url)
    code = Registry(service.store.db).make_code("TE001", "测试运维")
    done = _terminal(config, "enrol", code)
    assert done.returncode == 0, done.stderr
    secret_file = tmp_path / "platform.credentials"
    assert secret_file.stat().st_mode & 0o077 == 0  # owner only
    secret = secret_file.read_bytes().strip()
    again = _terminal(config, "enrol", code)  # a one-time code
    assert again.returncode != 0 and "Traceback" not in again.stderr
    assert secret_file.read_bytes().strip() == secret  # a refused code leaves the kept secret alone

    rotated = _terminal(config, "rotate")
    assert rotated.returncode == 0, rotated.stderr
    new = secret_file.read_bytes().strip()
    assert new != secret and len(new) >= 16
    box = Outbox(tmp_path / "box", min_free_mb=10)
    try:
        box.submit(make_case(1, pages=1, terminal_id="TE001"))
        assert Pusher(box, make_client(service.url, secret=new, terminal_id="TE001"), retry_base=0.01).round().ok
    finally:
        box.close()

