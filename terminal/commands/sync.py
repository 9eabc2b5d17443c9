"""`terminal sync status|push|serve|central`: deliver the outbox, serve the pull API, run the reference platform."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading

from terminal.config import Config
from terminal.errors import ConfigError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("sync")
    actions = parser.add_subparsers(dest="sync_action", required=True, metavar="ACTION")

    status = actions.add_parser("status", help="outbox counts, oldest queued case, last push/pull, alarms")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=run_status)

    push = actions.add_parser("push", help="push every due record once; exit 1 if any failed")
    push.set_defaults(handler=run_push)

    serve = actions.add_parser("serve", help="push loop, pull API, catalog checks and heartbeats until stopped")
    serve.set_defaults(handler=run_serve)

    enrol = actions.add_parser("enrol", help="trade the county console's one-time code for this terminal's secret")
    enrol.add_argument("code", help="the code shown once on the console's 终端注册 page")
    enrol.set_defaults(handler=run_enrol)

    rotate = actions.add_parser("rotate", help="ask the platform for a new secret, signed with the current one")
    rotate.set_defaults(handler=run_rotate)

    # The server is the platform's package (central/, command gov-central), not the kiosk's: its options
    # are parsed there, so this placeholder takes them all as they are.
    central = actions.add_parser("central", help="the reference central server, where installed (gov-central)",
                                 add_help=False, prefix_chars="\0")
    central.add_argument("options", nargs="*", help="gov-central's options; see gov-central --help")
    central.set_defaults(handler=run_central)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def run_status(args: argparse.Namespace, config: Config) -> int:
    from sync.outbox import Outbox
    outbox = Outbox.from_config(config)
    stats = outbox.stats()
    if args.json:
        print(json.dumps(stats.to_json(), ensure_ascii=False, indent=2))
    else:
        print("  ".join(f"{state}={n}" for state, n in stats.counts.items()))
        print(f"oldest queued: {stats.oldest_queued_age_s if stats.oldest_queued_age_s is not None else '-'} s;"
              f" queued bytes: {stats.queued_bytes}; disk free: {stats.disk_free_mb} MB")
        print(f"last push: {stats.last_push or '-'}; last pull: {stats.last_pull or '-'};"
              f" last error: {stats.last_error or '-'}")
        for alarm in stats.alarms:
            print(f"ALARM {alarm.level}: {alarm.summary_zh}")
    return 1 if any(a.level == "fault" for a in stats.alarms) else 0


def run_enrol(args: argparse.Namespace, config: Config) -> int:
    from sync.enrolment import enrol

    print(f"本终端的密钥已保存到 {enrol(config, args.code)} (this terminal's own secret is kept there)")
    return 0


def run_rotate(args: argparse.Namespace, config: Config) -> int:
    from sync.enrolment import rotate

    print(f"新的密钥已保存到 {rotate(config)} (a new secret is kept there; the old one works a few minutes more)")
    return 0


def run_push(args: argparse.Namespace, config: Config) -> int:
    from sync.client import ClientSettings, PlatformClient
    from sync.outbox import Outbox
    from sync.push import Pusher
    outbox = Outbox.from_config(config)
    client = PlatformClient(ClientSettings.from_config(config))
    result = Pusher(outbox, client).round()
    print(f"delivered {len(result.delivered)}, failed {len(result.failed)}, still queued {outbox.stats().counts['queued']}")
    for record_id, problem in result.failed.items():
        print(f"  {record_id}: {problem}")
    return 0 if result.ok else 1


def run_serve(args: argparse.Namespace, config: Config) -> int:
    from terminal.config import ensure_data_dir
    ensure_data_dir(config.storage, writable=True)  # a read-only or unusable folder: one sentence, not a traceback
    from sync.outbox import Outbox
    from sync.service import SyncService
    from terminal import events
    from terminal.assembly.technician_tools import event_log_path
    from terminal.watchdog import Watchdog
    stop = _stop_on_signals()
    events.EVENTS.configure(event_log_path(config, "sync"))  # the technician screens and the report read it
    events.record(events.EventId.TERMINAL_STARTED, process="sync")
    service = SyncService(config, Outbox.from_config(config), stop=stop)
    try:
        service.run(on_tick=Watchdog(service.healthy, ready_status="push loop and pull API up").tick)
    finally:
        events.record(events.EventId.TERMINAL_STOPPING, process="sync")
    return 0


def run_central(args: argparse.Namespace, config: Config) -> int:
    """`gov-central` with this configuration's platform secret unless `--secret` is given."""
    try:
        from gov_central.cli import main as central_main
    except ImportError:
        raise ConfigError("the reference central server is not installed here (a kiosk does not carry it);"
                          " on a development machine: pip install -e ./central") from None
    options = list(args.options)
    if "--secret" not in options and config.platform.credentials:
        options += ["--secret", str(config.platform.credentials)]
    if "--terminal-id" not in options:
        options += ["--terminal-id", config.terminal.id]
    return central_main(options, prog="terminal sync central")
