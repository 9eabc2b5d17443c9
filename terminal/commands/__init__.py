"""Subcommands of the `terminal` command, one module each, listed in `terminal.cli.COMMAND_MODULES`.

Each module has `register(subparsers)`, which adds its parser and sets `handler`:
a function `(args, config) -> int` returning the exit status.
"""
