"""Subcommands of the `terminal` command, one module each, listed in `terminal.cli.COMMANDS`.

Each module has `register(subparsers)`, which adds its parser and sets `handler`: a function
`(args, config) -> int` returning the exit status. A module is imported only when its subcommand
runs, so what it imports at its top costs nothing to the other subcommands; the one-line help in
`terminal --help` is the module's row in `COMMANDS`.
"""
