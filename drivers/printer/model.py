"""The printer's value types: its settings, a job, and what happened to a job."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from drivers.printer.codec import PrinterStatus
from terminal.devices import DeviceAddress

Outcome = Literal["printed", "not_printed", "unknown"]
ChineseMode = Literal["gb18030", "raster"]

ADVICE_ZH = {
    "printed": "凭条已打印，请取走。",
    "paper_out": "打印机缺纸，凭条没有打印。请用手机拍下屏幕上的二维码，或到窗口领取凭条。",
    "cover_open": "打印机盖未关好，凭条没有打印。请到窗口领取凭条。",
    "offline": "打印机暂时不能使用，凭条没有打印。请用手机拍下屏幕上的二维码。",
    "error": "打印机故障，凭条没有打印。请用手机拍下屏幕上的二维码，或到窗口领取凭条。",
    "no_status": "打印机没有响应，无法确认凭条是否打印。如未取到凭条，请用手机拍下屏幕上的二维码。",
    "link_failed": "打印机连接中断，凭条没有打印完整。请稍后重打，或用手机拍下屏幕上的二维码。",
    "missing": "打印机没有连接，凭条没有打印。请用手机拍下屏幕上的二维码。",
}


def not_ready_reason(status: PrinterStatus) -> str:
    """Why a printer that is not ready cannot print: a key of ADVICE_ZH."""
    if status.online is None or status.paper == "unknown":
        return "no_status"
    if status.paper == "out":
        return "paper_out"
    if status.cover_open:
        return "cover_open"
    if status.error:
        return "error"
    return "offline"


@dataclass(frozen=True)
class PrinterSettings:
    """What the printer driver needs to know; built from the configuration above the drivers."""

    address: DeviceAddress
    paper_width_mm: int = 80
    chinese_mode: ChineseMode = "gb18030"
    timeout: float = 3.0
    print_speed_mm_s: float = 0.0  # 0: do not wait for the paper to move before the after-check
    font_path: Path | None = None


@dataclass(frozen=True)
class PrintJob:
    """Bytes to print; keep it to retry the same job."""

    data: bytes = field(repr=False)
    kind: str = "raw"
    length_mm: float = 0.0  # paper the slip takes: how long to let the printer print before the after-check
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


@dataclass(frozen=True)
class PrintResult:
    """What happened to one job; `printed` is True only when the printer confirmed it."""

    job: PrintJob
    outcome: Outcome
    reason: str
    before: PrinterStatus | None
    after: PrinterStatus | None
    bytes_sent: int
    seconds: float

    @property
    def printed(self) -> bool:
        return self.outcome == "printed"

    @property
    def retryable(self) -> bool:
        return not self.printed

    @property
    def advice_zh(self) -> str:
        return ADVICE_ZH.get(self.reason, ADVICE_ZH["error"])
