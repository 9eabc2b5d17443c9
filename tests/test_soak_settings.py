"""bench/soak.py and the leak test measure the kiosk as its systemd unit starts it: with the unit's
allocator and renderer settings, which glibc and Mesa read only when a process starts, and its
write locations (no Kivy log file, Mesa's shader cache in the runtime folder), so disk writes count
what a kiosk in the field writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.soak import REPO, RUNTIME, WRITE_SETTINGS, unit_memory_settings

SETTINGS = ("MALLOC_", "LP_", *WRITE_SETTINGS)
PROBE = ("import json, os; from bench.soak import as_the_unit_starts_it; as_the_unit_starts_it(); "
         f"print(json.dumps({{k: v for k, v in os.environ.items() if k.startswith({SETTINGS!r})}}))")


def test_the_unit_settings_are_read_from_its_environment_lines(tmp_path: Path) -> None:
    unit = tmp_path / "kiosk.service"
    unit.write_text("[Service]\nEnvironment=A=1 MALLOC_ARENA_MAX=2\nEnvironment=\"LP_NUM_THREADS=0\" KIVY_X=1\n"
                    "Environment=XDG_CACHE_HOME=%t/kiosk/cache\nExecStart=/bin/true MALLOC_TOP_PAD_=1\n", encoding="utf-8")
    assert unit_memory_settings(unit) == {"MALLOC_ARENA_MAX": "2", "LP_NUM_THREADS": "0",
                                          "XDG_CACHE_HOME": f"{RUNTIME}/soak-{os.getuid()}/kiosk/cache"}
    assert unit_memory_settings()  # the real unit has some


def test_a_process_without_them_runs_again_with_them() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == unit_memory_settings()
