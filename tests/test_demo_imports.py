"""The kiosk driven by ui.demo (the soak, the leak test, `terminal demo`) does not carry the reference
central server in its memory: FastAPI and gov_central load only when start_central runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SERVER = ("fastapi", "starlette", "uvicorn", "gov_central")
PROBE = "import json, sys, ui.demo; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"


def test_importing_the_demo_loads_no_central_server() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "terminal" in loaded  # the probe does see the demo's own imports
    assert not loaded & set(SERVER), sorted(loaded & set(SERVER))


def test_start_central_still_serves(tmp_path: Path) -> None:
    from urllib.request import urlopen

    from ui.demo import start_central

    central, secret_file = start_central(tmp_path)
    try:
        assert secret_file.read_bytes()
        with urlopen(central.url + "/docs", timeout=10) as answer:
            assert answer.status == 200
    finally:
        central.stop()
