"""The diagnostics registry and its runner, shared by `terminal diag`, the readiness report and the
technician screens.

Checks are registered by name in `CHECKS` as "module:function" so that a command does not import
every driver at start. Device checks live with their drivers and see only their own settings
(`wiring` maps the configuration onto them); the other checks get the configuration.
"""

from __future__ import annotations

import importlib
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from terminal.assembly import wiring
from terminal.config import Config
from terminal.devices import DeviceAddress
from terminal.diagnostics import DEVICE_CHECKS, CheckOptions, CheckResult
from terminal.errors import DeviceMissing, TerminalError

logger = logging.getLogger(__name__)

# name -> "module:function". A device check (its name in DEVICE_CHECKS) is (settings, options, events);
# any other check is (config, address or None, options).
CHECKS: dict[str, str] = {
    "system": "terminal.system_health:check",
    "outbox": "sync.diag:check_outbox",
    "network": "sync.diag:check_network",
    "idcard": "drivers.idcard.diag:check",
    "printer": "drivers.printer.diag:check",
    "keypad": "drivers.keypad.diag:check",
    "smartcard": "drivers.smartcard.diag:check",
    "camera": "drivers.camera.diag:check",
    "a4printer": "drivers.a4printer.diag:check",
}


def resolve(name: str) -> Callable[..., CheckResult]:
    module, _, function = CHECKS[name].partition(":")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]  # registry lookup


def run_check(name: str, config: Config, address: DeviceAddress | None, options: CheckOptions) -> CheckResult:
    """Run one check; an error becomes a result in words, so a technician never sees a traceback."""
    try:
        if name in DEVICE_CHECKS:
            settings = wiring.device_settings(name, config, address)
            return resolve(name)(settings, wiring.check_options(name, config, options), wiring.event_sink())
        return resolve(name)(config, address, options)
    except DeviceMissing as e:
        return CheckResult(name, "absent", e.for_people())
    except TerminalError as e:
        return CheckResult(name, "fault", e.for_people())
    except Exception as e:  # a bug in a check must not hide the other checks' results
        logger.exception("check crashed check=%s", name)
        return CheckResult(name, "fault", f"检查程序出错，请把日志交给维护人员。({type(e).__name__})")


def run_checks(names: list[str], config: Config, address: DeviceAddress | None,
               options: CheckOptions) -> list[CheckResult]:
    return [run_check(name, config, address, options) for name in names]


def run_check_from_screen(config: Config, device: str, **options: Any) -> CheckResult:
    """A check as the technician screens run it: the camera's saved frame (which may show a document
    someone left on the platen) goes to a throwaway folder instead of the data folder."""
    with tempfile.TemporaryDirectory(prefix="tech-check-") as scratch:
        out = Path(scratch) / "frame.jpg" if device == "camera" else None
        result = run_check(device, config, None, CheckOptions(out=out, **options))
    result.details.pop("frame", None)  # that file is gone
    return result
