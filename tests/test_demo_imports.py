"""What the kiosk process carries from its start: the kiosk driven by ui.demo (the soak, the leak test,
`terminal demo`) not the reference central server (FastAPI and gov_central load only when
start_central runs), and the kiosk itself no library that only some citizens' steps need."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SERVER = ("fastapi", "starlette", "uvicorn", "gov_central")
# OpenCV when a camera opens, reportlab on the first A4 print, pypinyin in the speech and search
# helpers' processes, jieba never (ui.linebreak reads only its word list): tens of MB each, for months
ON_DEMAND = ("cv2", "reportlab", "pypinyin", "jieba", "zxingcpp", "scipy")


def loaded_by(module: str) -> set[str]:
    probe = f"import json, sys, {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    env = dict(os.environ, KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True,
                          env=env)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_demo_loads_no_central_server() -> None:
    loaded = loaded_by("ui.demo")
    assert "terminal" in loaded  # the probe does see the demo's own imports
    assert not loaded & set(SERVER), sorted(loaded & set(SERVER))


def test_the_kiosk_loads_no_library_only_some_steps_need() -> None:
    loaded = loaded_by("ui.kiosk")
    assert {"kivy", "terminal", "drivers"} <= loaded
    assert not loaded & set(ON_DEMAND), sorted(loaded & set(ON_DEMAND))


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
