"""`terminal demo [--out DIR]`: a whole citizen session end to end, simulated devices, offscreen, nobody there.

Writes a screenshot of every screen (normal and elderly mode), the receipt PNG and demo.json
(case number, screens visited, seconds per step); the case must reach the reference central
server the demo starts on a free 127.0.0.1 port. Exit status 0 only when all of that happened.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
from pathlib import Path

from terminal.config import Config

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("demo")
    parser.add_argument("--out", type=Path, default=Path("demo-out"), help="folder for screenshots and demo.json")
    parser.add_argument("--display", metavar="WxH", help="the panel to render for, e.g. 1080x1920 (portrait) or "
                                                         "1920x1080; its diagonal from display.diagonal_inches, "
                                                         "else the usual panel of that size")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, config: Config) -> int:
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")  # the demo prints its own summary
    from ui.demo import DemoFailed, panel_config, run_demo  # Kivy only when the demo runs

    if args.display:
        config = panel_config(config, args.display)

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="terminal-demo-") as work:
        try:
            summary = run_demo(config, args.out, Path(work))
        except DemoFailed as failure:
            print(f"demo failed: {failure}")
            return 1
    print(json.dumps({k: summary[k] for k in ("ok", "case_no", "printed", "progress", "delivered")},
                     ensure_ascii=False))
    return 0 if summary["ok"] else 1
