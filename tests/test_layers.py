"""The layers of docs/architecture.md are enforced: import-linter's contracts bite, the kiosk carries no platform.

`.ci/run` runs `lint-imports` on the tree itself; these tests prove the contracts would catch the
mistakes they are there for, on a copy of the tree with one mistake put in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import setuptools

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("terminal", "drivers", "sync", "ui")


def _copy_tree(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PACKAGES:
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    shutil.copytree(REPO / "central" / "gov_central", dest / "gov_central", ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _lint(tree: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """lint-imports on `tree` (first on the path, so the copy is analysed, not the installed tree)."""
    arguments = [str(LINT_IMPORTS), "--no-cache"] + [f"--contract={c}" for c in contracts]
    return subprocess.run(arguments, cwd=tree, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(tree)})


def _put_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("from __future__ import annotations\n",
                                   f"from __future__ import annotations\n\n{line}\n", 1), encoding="utf-8")


@pytest.mark.parametrize(("module", "line", "contract", "shown"), [
    ("drivers/printer/codec.py", "import ui", "drivers", "drivers.printer.codec -> ui"),
    ("drivers/keypad/codec.py", "import sync.outbox", "drivers", "drivers.keypad.codec -> sync.outbox"),
    ("drivers/printer/codec.py", "import ui", "layers", "drivers.printer.codec -> ui"),
    ("terminal/privacy.py", "import kivy", "domain", "terminal.privacy -> kivy"),
    ("sync/manifest.py", "import sync.outbox", "platform", "sync.manifest -> sync.outbox"),
    ("ui/theme.py", "import terminal.cli", "root", "ui.theme -> terminal.cli"),
    ("sync/push.py", "import gov_central.server", "kiosk", "sync.push -> gov_central.server"),
])
def test_a_contract_fails_on_the_import_it_forbids(tmp_path: Path, module: str, line: str, contract: str,
                                                   shown: str) -> None:
    tree = _copy_tree(tmp_path)
    assert shown not in _lint(tree, contract).stdout
    _put_import(tree / module, line)
    result = _lint(tree, contract)
    assert result.returncode == 1
    assert shown in result.stdout


def test_the_kiosk_install_does_not_carry_the_platform() -> None:
    """What setuptools packs for the kiosk (pyproject's find) and for the platform (central/) are apart."""
    kiosk_find = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    kiosk = setuptools.find_packages(str(REPO), include=kiosk_find["include"])
    platform_find = tomllib.loads((REPO / "central" / "pyproject.toml").read_text())["tool"]["setuptools"]
    platform = setuptools.find_packages(str(REPO / "central"), include=platform_find["packages"]["find"]["include"])
    assert "terminal" in kiosk and "sync" in kiosk
    assert not [p for p in kiosk if p.startswith("gov_central") or p.startswith("central")]
    assert platform == ["gov_central"]


def test_sync_central_without_the_platform_says_what_to_do() -> None:
    """On a kiosk (no gov_central installed) `terminal sync central` explains instead of a traceback."""
    code = ("import sys; sys.modules['gov_central'] = None\n"
            "from terminal.cli import main\n"
            "sys.exit(main(['sync', 'central', '--db', 'central.sqlite']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "not installed" in done.stderr and "Traceback" not in done.stderr
