"""Twelve plain applications in one kiosk process, offscreen; the live objects and resident memory
after each, as JSON. Used by tests/test_ui_leak.py. Usage: python -m tests.leak_probe OUT_DIR

The applications are bench/soak.py's, without faults or extras, so that every one leaves the same
things behind; frames are drawn as fast as they can be (no clock in the verdict). The process runs
with the memory settings of the kiosk's systemd unit, like the soak.
"""

from __future__ import annotations

import faulthandler
import json
import sys
import traceback
from dataclasses import asdict
from pathlib import Path

from bench.soak import as_the_unit_starts_it, run

APPLICATIONS = 12


def main(out: Path) -> None:
    faulthandler.dump_traceback_later(600, exit=True)  # a hang shows where it hangs instead of stalling the suite
    rows, home_mb = run(APPLICATIONS, seed=1, fast=True, work=out, faults=False)
    print(json.dumps({"home_mb": home_mb, "rows": [asdict(row) for row in rows]}), flush=True)


if __name__ == "__main__":
    as_the_unit_starts_it()
    try:
        main(Path(sys.argv[1]))
    except BaseException:  # Kivy swallows stderr without a console log: say what broke on stdout
        print(traceback.format_exc(), flush=True)
        raise
