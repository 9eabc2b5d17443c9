"""Diagnostics logic shared by `terminal diag` and the technician screens.

A check looks at one device or subsystem and returns a `CheckResult`; results never contain
personal data. Checks are registered by name in `CHECKS` as "module:function" so that the
core does not import every driver at start.
"""

from __future__ import annotations

import argparse
import importlib
import logging
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal

from terminal.config import Config
from terminal.devices import DeviceAddress
from terminal.errors import DeviceMissing, TerminalError

logger = logging.getLogger(__name__)

Status = Literal["ok", "warning", "fault", "absent"]

# name -> "module:function"; the function is (config, address or None, options) -> CheckResult.
CHECKS: dict[str, str] = {
    "system": "terminal.system_health:check",
    "outbox": "sync.diag:check_outbox",
    "network": "sync.diag:check_network",
    "idcard": "drivers.idcard.diag:check",
    "printer": "drivers.printer.diag:check",
    "keypad": "drivers.keypad.diag:check",
    "smartcard": "drivers.smartcard.diag:check",
    "camera": "drivers.camera.diag:check",
}


@dataclass
class CheckResult:
    """One check's outcome: a state, one Chinese sentence for people, details for technicians."""

    device: str
    status: Status
    summary: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


CheckFunction = Callable[[Config, DeviceAddress | None, argparse.Namespace], CheckResult]


def resolve(name: str) -> CheckFunction:
    module, _, function = CHECKS[name].partition(":")
    return getattr(importlib.import_module(module), function)


def run_check(name: str, config: Config, address: DeviceAddress | None,
              options: argparse.Namespace) -> CheckResult:
    """Run one check; an error becomes a result in words, so a technician never sees a traceback."""
    try:
        return resolve(name)(config, address, options)
    except DeviceMissing as e:
        return CheckResult(name, "absent", e.for_people())
    except TerminalError as e:
        return CheckResult(name, "fault", e.for_people())
    except Exception as e:  # a bug in a check must not hide the other checks' results
        logger.exception("check crashed check=%s", name)
        return CheckResult(name, "fault", f"检查程序出错，请把日志交给维护人员。({type(e).__name__})")


def run_checks(names: list[str], config: Config, address: DeviceAddress | None,
               options: argparse.Namespace) -> list[CheckResult]:
    return [run_check(name, config, address, options) for name in names]
