"""`gov-central` (also `terminal sync central` where this package is installed): run the central service.

One folder is enough (`--data DIR`: SQLite, attachments, nothing else to set up); a county points
it at PostgreSQL with `--database postgresql://...` and `--files DIR`. The options of the reference
server (docs/sync-protocol.md section 9: `--db FILE --secret FILE`) still work. Imports of the
server itself (FastAPI, uvicorn) happen only when it runs, so `--help` is quick.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sync.auth import read_secret
from terminal.errors import ConfigError, TerminalError

if TYPE_CHECKING:
    from gov_central.server import CentralStore


def build_parser(prog: str = "gov-central") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="the central service: terminals' endpoints and console")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--data", type=Path, help="one folder for everything: central.sqlite and its attachments")
    where.add_argument("--db", type=Path, help="SQLite file (created if missing), attachments in <file>.files/")
    where.add_argument("--database", metavar="URL", help="postgresql://... (a county); needs --files")
    parser.add_argument("--files", type=Path, help="attachment folder (with --database)")
    parser.add_argument("--listen", default="127.0.0.1:8800", help="address for terminals and the console"
                        " (default 127.0.0.1:8800)")
    parser.add_argument("--secret", type=Path,
                        help="file with a secret shared by terminals not enrolled (demo mode; `terminal sync central`"
                             " gives platform.credentials); without it only enrolled terminals are served")
    parser.add_argument("--complaint-reply-hours", type=float, default=24.0,
                        help="有诉即办: hours to answer a complaint before it is flagged overdue (default 24)")
    parser.add_argument("--terminal-retention-days", type=float, default=30,
                        help="the terminals' storage.retention_days: a backlog alarm at 80 %% of it (default 30)")
    parser.add_argument("--catalog-key", type=Path, help="the platform's Ed25519 catalog signing key (kept out of the"
                        " database); with --catalog-dir the console publishes catalogs")
    parser.add_argument("--new-catalog-key", metavar="FILE", type=Path, help="write a new signing key to FILE (0600),"
                        " print its public key for the terminals' platform.catalog_keys, and exit")
    parser.add_argument("--purge-days", type=float, metavar="DAYS", help="delete records delivered more than DAYS"
                        " ago (rows, decisions, attachments), print how many, and exit")
    parser.add_argument("--add-operator", metavar="NAME", help="create or reset a console operator (password read from"
                        " standard input) and exit")
    parser.add_argument("--role", choices=("管理员", "业务审核", "运维"), default="管理员", help="with --add-operator")
    parser.add_argument("--catalog-dir", type=Path, help="folder of signed catalogs <region>.signed.json to serve")
    parser.add_argument("--pull", metavar="URL", help="also pull from this terminal's sync API")
    parser.add_argument("--terminal-id", help="the pulled terminal's id, for its tokens (needed with --pull)")
    parser.add_argument("--pull-ca", type=Path, help="CA bundle for the terminal's pull API certificate")
    parser.add_argument("--pull-interval", type=float, default=30.0, help="seconds between pulls")
    parser.add_argument("--cert", type=Path, help="TLS certificate for the push endpoints")
    parser.add_argument("--key", type=Path, help="TLS key for the push endpoints")
    return parser


def serve(args: argparse.Namespace) -> int:
    """Listen (and pull, with --pull) until SIGTERM or SIGINT."""
    from gov_central.server import Puller
    from gov_central.service import create_service
    from sync.httpserver import ServerThread, parse_listen

    if args.pull and not (args.terminal_id and args.secret):
        raise ConfigError("--pull needs --terminal-id and --secret: the pull tokens are signed for one terminal")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    secret = read_secret(args.secret, "--secret") if args.secret else None
    store = open_store(args)
    public = one_folder_catalogs(args) if args.data else ""
    host, port = parse_listen(args.listen)
    server = ServerThread(create_service(store, secret, catalog_dir=args.catalog_dir,
                                         complaint_reply_hours=args.complaint_reply_hours,
                                         catalog_key=args.catalog_key), host, port,
                          certfile=args.cert, keyfile=args.key, log_level="info").start()
    print(f"central server listening on {host}:{server.port}, database {store.db.kind},"
          f" console http{'s' if args.cert else ''}://{host}:{server.port}/console/", flush=True)
    if public:
        print(f"catalog signing public key (the terminals' platform.catalog_keys): {public}", flush=True)
    try:
        if args.pull and secret:
            Puller(store, args.pull, args.terminal_id, secret,
                   verify=str(args.pull_ca) if args.pull_ca else True).run(stop, args.pull_interval)
        else:
            stop.wait()
    finally:
        server.stop()
        store.close()
    return 0


def open_store(args: argparse.Namespace) -> CentralStore:
    from gov_central.server import CentralStore

    if not (args.database or args.db or args.data):
        raise ConfigError("one of --data FOLDER, --db FILE or --database URL is required")
    if args.database:
        if not args.files:
            raise ConfigError("--database needs --files: the attachment folder")
        return CentralStore(args.database, args.files, terminal_retention_days=args.terminal_retention_days)
    return CentralStore(args.db or args.data / "central.sqlite", terminal_retention_days=args.terminal_retention_days)


def one_folder_catalogs(args: argparse.Namespace) -> str:
    """With --data, catalogs are published to <data>/catalogs, signed with <data>/catalog.key (made once);
    returns the key's public half."""
    from gov_central.catalogs import load_key, new_key, public_key

    args.catalog_dir = args.catalog_dir or args.data / "catalogs"
    if args.catalog_key is None:
        args.catalog_key = args.data / "catalog.key"
        if not args.catalog_key.exists():
            new_key(args.catalog_key)
    return public_key(load_key(args.catalog_key))


def purge(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        print(f"purged {store.purge(args.purge_days)} records delivered more than {args.purge_days:g} days ago")
    finally:
        store.close()
    return 0


def add_operator(args: argparse.Namespace) -> int:
    from gov_central.operators import Operators

    store = open_store(args)
    try:
        Operators(store.db).add(args.add_operator, args.role, sys.stdin.readline().rstrip("\n"))
    except ValueError as error:
        print(f"gov-central: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"operator {args.add_operator} ({args.role}) saved")
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "gov-central") -> int:
    args = build_parser(prog).parse_args(argv)
    if args.new_catalog_key:
        from gov_central.catalogs import new_key
        print(new_key(args.new_catalog_key))
        return 0
    try:
        if args.purge_days is not None:
            return purge(args)
        return add_operator(args) if args.add_operator else serve(args)
    except TerminalError as error:
        print(f"{prog}: {error.for_people()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
