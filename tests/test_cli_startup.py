"""`terminal --help` and `terminal version` stay cheap: no subcommand's heavy imports at start-up."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from terminal.cli import COMMANDS, build_parser, main

HEAVY = ("cv2", "numpy", "pypinyin", "smartcard", "kivy", "jsonschema", "escpos", "fastapi", "drivers", "sync", "ui")

PROBE = """
import json, sys
from terminal.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as stop:
    status = stop.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(%r)))
print(json.dumps({"status": status, "heavy": heavy}))
"""


def _start(*argv: str) -> dict[str, object]:
    """Run the command in a fresh interpreter and report which heavy packages it loaded."""
    done = subprocess.run([sys.executable, "-c", PROBE % json.dumps(HEAVY), *argv], capture_output=True,
                          text=True, timeout=60, check=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("argv", [("--help",), ("version",), ("--log-level", "INFO", "version")])
def test_help_and_version_load_nothing_heavy(argv: tuple[str, ...]) -> None:
    assert _start(*argv) == {"status": 0, "heavy": []}


def test_a_subcommand_loads_what_it_needs_and_not_the_others() -> None:
    loaded = _start("catalog", "search", "hkdj", "--limit", "1")
    assert loaded["status"] == 0
    heavy = loaded["heavy"]
    assert isinstance(heavy, list)
    assert "jsonschema" in heavy  # the probe does see what a subcommand imports (pypinyin runs in a child)
    assert not {"cv2", "kivy", "smartcard", "pypinyin"} & set(heavy)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_row_registers_its_own_subcommand(name: str) -> None:
    """The module of each row registers the subcommand under the row's name (not a placeholder)."""
    parser = build_parser(name)
    choices = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert choices[name].add_help, f"{COMMANDS[name][0]} registered no subcommand {name!r}"


def test_help_after_a_command_is_that_command_s_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["catalog", "--help"])
    assert stop.value.code == 0
    assert "search" in capsys.readouterr().out
