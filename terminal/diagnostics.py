"""Diagnostics logic shared by `terminal diag` and the technician screens.

A check looks at one device or subsystem and returns a `CheckResult`; results never contain
personal data. The registry of checks and the code that runs them live a layer up, in
`terminal.assembly.checks`, because they reach the drivers and sync; this module holds only
what every check shares: the options, the result, and when a result is a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from terminal.config import Config
from terminal.devices import DeviceAddress
from terminal.privacy import NameMask

if TYPE_CHECKING:  # the receipt stack loads only when a test page is made
    from terminal.receipts import ReceiptDocument

logger = logging.getLogger(__name__)

Status = Literal["ok", "warning", "fault", "absent"]

ALL_DEVICE_KINDS = ("idcard", "printer", "keypad", "smartcard", "camera", "a4printer")
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
    return wanted is not None and not wanted.is_simulated  # None: a device this terminal does not have
