"""The `terminal` command (also `python -m terminal`): the top of the composition root.

Start-up is cheap on purpose: `terminal --help` and `terminal version` import no OpenCV, numpy,
pypinyin, pyscard or Kivy. Each subcommand's module (and what it pulls in) is imported only when
that subcommand runs; the other subcommands appear in the help as a name and a line of text.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from terminal import __version__, config as config_module
from terminal.errors import TerminalError

# name -> (module with `register(sub)`, one line for `terminal --help`); a new subcommand adds a row.
COMMANDS: dict[str, tuple[str, str]] = {
    "version": ("terminal.commands.version", "print the firmware version"),
    "diag": ("terminal.commands.diag", "check devices and subsystems; non-zero exit when something is at fault"),
    "catalog": ("terminal.commands.catalog", "list, search and show catalog items"),
    "sync": ("terminal.commands.sync",
             "deliver cases to the platform; serve the pull API; reference central server"),
    "outbox": ("terminal.commands.outbox", "list the outbox, verify its hashes and database, rotate its key"),
    "tech": ("terminal.commands.tech", "enrol technician PINs and cards for diagnostics mode"),
    "run": ("terminal.commands.run", "start the touch screen for citizens"),
    "scan": ("terminal.commands.scan", "find, straighten and compress the page in image files"),
    "demo": ("terminal.commands.demo", "run a whole citizen session with simulated devices, offscreen"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with `command` fully registered (its module imported) and the others as names only."""
    parser = argparse.ArgumentParser(prog="terminal", description="24小时政务自助服务终端 firmware")
    parser.add_argument("--config", help=f"TOML configuration file (default: ${config_module.ENV_VAR} or built-in)")
    parser.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        if name == command:
            importlib.import_module(module).register(sub)
        else:  # a placeholder: its own options and --help are parsed once it is the chosen command
            sub.add_parser(name, help=summary, add_help=False, prefix_chars="\0")
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named in `argv`, found without importing any subcommand (None when absent)."""
    known, _ = build_parser().parse_known_args(argv)  # `--help` before a command prints the list and exits
    command: str | None = known.command
    return command


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(chosen_command(argv)).parse_args(argv)
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


__all__ = ["COMMANDS", "__version__", "build_parser", "main"]
