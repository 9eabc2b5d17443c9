"""`gov-central` (also `terminal sync central` where this package is installed): run the reference server.

Options and their order are those of docs/sync-protocol.md section 9. Imports of the server itself
(FastAPI, uvicorn) happen only when it runs, so `--help` is quick.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from sync.auth import read_secret
from terminal.errors import ConfigError, TerminalError


def build_parser(prog: str = "gov-central") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="the reference central server (tests and demos)")
    parser.add_argument("--db", required=True, type=Path, help="SQLite file (created if missing)")
    parser.add_argument("--listen", default="127.0.0.1:8800", help="address for pushes (default 127.0.0.1:8800)")
    parser.add_argument("--secret", type=Path, required=True,
                        help="file with the terminals' shared secret (`terminal sync central` gives platform.credentials)")
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
    from gov_central.server import CentralStore, Puller, create_app
    from sync.httpserver import ServerThread, parse_listen

    if args.pull and not args.terminal_id:
        raise ConfigError("--pull needs --terminal-id: the pull tokens are signed for one terminal")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    secret = read_secret(args.secret, "--secret")
    store = CentralStore(args.db)
    host, port = parse_listen(args.listen)
    server = ServerThread(create_app(store, secret, args.catalog_dir), host, port, certfile=args.cert,
                          keyfile=args.key, log_level="info").start()
    print(f"central server listening on {host}:{server.port}, database {args.db}", flush=True)
    try:
        if args.pull:
            Puller(store, args.pull, args.terminal_id, secret,
                   verify=str(args.pull_ca) if args.pull_ca else True).run(stop, args.pull_interval)
        else:
            stop.wait()
    finally:
        server.stop()
        store.close()
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "gov-central") -> int:
    args = build_parser(prog).parse_args(argv)
    try:
        return serve(args)
    except TerminalError as error:
        print(f"{prog}: {error.for_people()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
