"""The `terminal` command (also `python -m terminal`)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from terminal import __version__, config as config_module
from terminal.errors import TerminalError

# Each module registers one subcommand; later work adds its module here.
COMMAND_MODULES = (
    "terminal.commands.version",
    "terminal.commands.diag",
    "terminal.commands.catalog",
    "terminal.commands.sync",
    "terminal.commands.outbox",
    "terminal.commands.tech",
    "terminal.commands.run",
    "terminal.commands.scan",
    "terminal.commands.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="terminal", description="24小时政务自助服务终端 firmware")
    parser.add_argument("--config", help=f"TOML configuration file (default: ${config_module.ENV_VAR} or built-in)")
    parser.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        config = config_module.load(args.config)
        if args.command in ("diag", "sync", "outbox", "tech", "run"):  # they use the data folder: check it first
            config_module.ensure_data_dir(config.storage, writable=False)
        return int(args.handler(args, config) or 0)
    except TerminalError as e:
        print(f"terminal: {e.for_people()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


__all__ = ["main", "build_parser", "__version__"]
