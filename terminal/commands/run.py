"""`terminal run [--simulate] [--windowed]`: start the kiosk's touch screen.

Kivy is imported only here, lazily, so the rest of the command works on machines without it.
"""

from __future__ import annotations

import argparse
import dataclasses

from terminal import events
from terminal.assembly.technician_tools import event_log_path
from terminal.config import Config, ensure_data_dir, with_simulated_devices


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run")
    parser.add_argument("--simulate", action="store_true", help="use the built-in simulator for every device")
    parser.add_argument("--windowed", action="store_true", help="a window of display.width x height, not full screen")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, config: Config) -> int:
    if args.simulate:
        config = with_simulated_devices(config)
    if args.windowed:
        config = dataclasses.replace(config, display=dataclasses.replace(config.display, fullscreen=False))
    ensure_data_dir(config.storage, writable=True)  # cases, keys and logs go there: refuse in words, not later
    from ui.window import prepare

    prepare(config, windowed=args.windowed)  # a missing CJK font stops here with a clear message
    from ui.kiosk import make_kiosk

    events.EVENTS.configure(event_log_path(config, "kiosk"))
    events.record(events.EventId.TERMINAL_STARTED, process="kiosk", simulate=args.simulate)
    try:
        make_kiosk(config).run()
    finally:
        events.record(events.EventId.TERMINAL_STOPPING, process="kiosk")
    return 0
