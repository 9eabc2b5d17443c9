"""`terminal version`: the firmware version."""

from __future__ import annotations

import argparse

from terminal import __version__
from terminal.config import Config


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("version")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, config: Config) -> int:
    print(__version__)
    return 0
