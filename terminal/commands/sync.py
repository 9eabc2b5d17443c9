"""`terminal sync status|push|serve|central`: deliver the outbox, serve the pull API, run the reference platform."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from pathlib import Path

from terminal.config import Config

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sync", help="deliver cases to the platform; serve the pull API; reference central server")
    actions = parser.add_subparsers(dest="sync_action", required=True, metavar="ACTION")

    status = actions.add_parser("status", help="outbox counts, oldest queued case, last push/pull, alarms")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=run_status)

    push = actions.add_parser("push", help="push every due record once; exit 1 if any failed")
    push.set_defaults(handler=run_push)

    serve = actions.add_parser("serve", help="push loop, pull API, catalog checks and heartbeats until stopped")
    serve.set_defaults(handler=run_serve)

    central = actions.add_parser("central", help="the reference central server (tests and demos)")
    central.add_argument("--db", required=True, type=Path, help="SQLite file (created if missing)")
    central.add_argument("--listen", default="127.0.0.1:8800", help="address for pushes (default 127.0.0.1:8800)")
    central.add_argument("--secret", type=Path,
                         help="file with the terminals' shared secret (default: this configuration's platform.credentials)")
    central.add_argument("--catalog-dir", type=Path, help="folder of signed catalogs <region>.signed.json to serve")
    central.add_argument("--pull", metavar="URL", help="also pull from this terminal's sync API")
    central.add_argument("--terminal-id", default="", help="the pulled terminal's id (for its tokens)")
    central.add_argument("--pull-ca", type=Path, help="CA bundle for the terminal's pull API certificate")
    central.add_argument("--pull-interval", type=float, default=30.0, help="seconds between pulls")
    central.add_argument("--cert", type=Path, help="TLS certificate for the push endpoints")
    central.add_argument("--key", type=Path, help="TLS key for the push endpoints")
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
    from terminal.watchdog import Watchdog
    from terminal import events
    from terminal.technician_tools import event_log_path
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
    from sync.auth import read_secret
    from sync.central import CentralStore, Puller, create_app
    from sync.httpserver import ServerThread, parse_listen
    stop = _stop_on_signals()
    secret = read_secret(args.secret or config.platform.credentials, "--secret")
    store = CentralStore(args.db)
    host, port = parse_listen(args.listen)
    server = ServerThread(create_app(store, secret, args.catalog_dir), host, port, certfile=args.cert,
                          keyfile=args.key, log_level="info").start()
    print(f"central server listening on {host}:{server.port}, database {args.db}", flush=True)
    try:
        if args.pull:
            Puller(store, args.pull, args.terminal_id or config.terminal.id, secret,
                   verify=str(args.pull_ca) if args.pull_ca else True).run(stop, args.pull_interval)
        else:
            stop.wait()
    finally:
        server.stop()
        store.close()
    return 0
