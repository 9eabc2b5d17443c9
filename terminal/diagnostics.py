"""Diagnostics logic shared by `terminal diag` and the technician screens.

A check looks at one device or subsystem and returns a `CheckResult`; results never contain
personal data. Checks are registered by name in `CHECKS` as "module:function" so that the
core does not import every driver at start. Device checks live with their drivers and see only
their own settings (`terminal.wiring` maps the configuration onto them); the other checks get
the configuration.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Collection, Literal, Mapping

from terminal.config import Config
from terminal.devices import DeviceAddress
from terminal.errors import DeviceMissing, TerminalError
from terminal.privacy import NameMask

if TYPE_CHECKING:  # the receipt stack loads only when a test page is made
    from terminal.receipts import ReceiptDocument

logger = logging.getLogger(__name__)

Status = Literal["ok", "warning", "fault", "absent"]

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
}


ALL_DEVICE_KINDS = ("idcard", "printer", "keypad", "smartcard", "camera")
DEVICE_CHECKS = ALL_DEVICE_KINDS  # device checks take their own settings (see `run_check`)


@dataclass(frozen=True)
class CheckOptions:
    """What the caller asks of a check beyond its device settings (`terminal diag` flags, the screens)."""

    read: bool = False            # idcard: read one card; keypad: wait for one key press
    test_page: bool = False       # printer: also print a test page
    out: Path | None = None       # where to save a frame or the test page picture
    name_mask: NameMask = "alternate"  # idcard: how a read card's name is shown
    # printer: the test page for a status line such as {"状态": "纸量正常"}
    test_page_document: Callable[[Mapping[str, str]], ReceiptDocument] | None = None
    enrolled_cards: Callable[[], Collection[str]] = tuple  # smartcard: IDs of the cards enrolled here


@dataclass
class CheckResult:
    """One check's outcome: a state, one Chinese sentence for people, details for technicians."""

    device: str
    status: Status
    summary: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def is_failure(result: CheckResult, config: Config, address: DeviceAddress | None = None) -> bool:
    """A fault, or a device the configuration (or `--device`) names that is not there; a `sim` device never is."""
    if result.status == "fault":
        return True
    if result.status != "absent" or result.device not in ALL_DEVICE_KINDS:
        return False
    wanted = address or getattr(config.devices, result.device).address
    return not wanted.is_simulated


def resolve(name: str) -> Callable[..., CheckResult]:
    module, _, function = CHECKS[name].partition(":")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]  # registry lookup


def run_check(name: str, config: Config, address: DeviceAddress | None, options: CheckOptions) -> CheckResult:
    """Run one check; an error becomes a result in words, so a technician never sees a traceback."""
    try:
        if name in DEVICE_CHECKS:
            from terminal import wiring  # the driver packages load only when a device is checked

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
