"""The device boundary, read from the code's own imports: screens see protocols, drivers never see
`Config`, and the technician views import each other without a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEVICE_KINDS = ("camera", "idcard", "keypad", "printer", "smartcard")


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at the top, inside functions or under TYPE_CHECKING."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_driver_file_imports_the_configuration() -> None:
    offenders = {module_name(p) for p in (REPO / "drivers").rglob("*.py")
                 if {"terminal.config", "terminal.config.Config"} & imports_of(p)}
    assert offenders == set()


def test_no_driver_imports_its_own_simulator_at_module_top() -> None:
    """Only a package's factory (`drivers/<kind>/__init__.py`), inside `open_<kind>`, picks the simulator."""
    for kind in DEVICE_KINDS:
        simulators = {f"drivers.{kind}.simulator", f"drivers.{kind}.virtualcard"}
        driver = ast.parse((REPO / "drivers" / kind / "driver.py").read_text(encoding="utf-8"))
        top = {n.module for n in driver.body if isinstance(n, ast.ImportFrom)}
        assert not top & simulators, kind


def test_screens_and_technician_views_see_device_packages_only() -> None:
    files = [REPO / "ui" / "hardware.py", *(REPO / "ui" / "technician").glob("*.py")]
    for path in files:
        device_imports = {m for m in imports_of(path) if m.startswith("drivers.")}
        deep = {m for m in device_imports if m.split(".")[1] in DEVICE_KINDS and len(m.split(".")) > 2
                and m.rsplit(".", 1)[0] not in {f"drivers.{k}" for k in DEVICE_KINDS}}
        assert deep == set(), (path.name, deep)


def test_no_import_cycle_among_the_technician_views() -> None:
    views = {module_name(p): p for p in (REPO / "ui" / "technician").glob("*.py")}
    graph = {name: {m for m in imports_of(path) if m in views} for name, path in views.items()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph[start])

    assert [name for name in graph if reaches(name, name, set())] == []
