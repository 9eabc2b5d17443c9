"""The A4 printer's value types: settings, printer state, typed errors and what happened to a job.

`printer-state-reasons` keywords (RFC 8011 5.4.12, PWG 5100.9) become one of our reasons; a
printer that does not answer is "unknown", never "ok". A reason that stops printing is a typed
`DeviceFault` whose Chinese advice says what the citizen can do instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from terminal.devices import DeviceAddress
from terminal.errors import DeviceError, DeviceFault, DeviceMissing, DeviceTimeout

Reason = Literal["media_empty", "media_jam", "door_open", "toner_low", "toner_empty", "offline", "unknown"]
JobState = Literal["not-sent", "pending", "pending-held", "processing", "processing-stopped", "canceled", "aborted",
                   "completed", "unknown"]
FINAL_JOB_STATES: frozenset[str] = frozenset({"canceled", "aborted", "completed"})

# printer-state-reasons keyword (without -error/-warning/-report) -> our reason
KEYWORDS: dict[str, Reason] = {
    "media-empty": "media_empty", "media-needed": "media_empty", "input-tray-missing": "media_empty",
    "media-jam": "media_jam", "input-tray-jam": "media_jam", "output-tray-jam": "media_jam",
    "door-open": "door_open", "cover-open": "door_open", "interlock-open": "door_open",
    "toner-low": "toner_low", "marker-supply-low": "toner_low", "ink-low": "toner_low",
    "toner-empty": "toner_empty", "marker-supply-empty": "toner_empty",
    "offline": "offline", "shutdown": "offline", "paused": "offline", "moving-to-paused": "offline",
    "connecting-to-device": "offline", "stopped": "offline",
}
WARNINGS: frozenset[Reason] = frozenset({"toner_low"})  # the printer still prints

REASON_ZH: dict[str, str] = {
    "media_empty": "打印机缺纸", "media_jam": "打印机卡纸", "door_open": "打印机机盖打开",
    "toner_low": "墨粉不足", "toner_empty": "墨粉用完", "offline": "打印机脱机或暂停",
    "unknown": "打印机没有响应",
}


def _split(keyword: str) -> tuple[str, str]:
    """("media-empty", "error") for "media-empty-error"; no suffix is an error (RFC 8011 5.4.12)."""
    for severity in ("error", "warning", "report"):
        if keyword.endswith("-" + severity):
            return keyword[: -len(severity) - 1], severity
    return keyword, "error"


def reasons_from_keywords(keywords: Iterable[str], *, errors_only: bool = False) -> tuple[Reason, ...]:
    """Our reasons for IPP `printer-state-reasons` such as "media-empty-error"; "none" gives ().

    `errors_only` keeps the error-level ones: a "-report" is what the printer last saw (a CUPS queue
    keeps it after the job that met it) and does not stop the next job from being tried."""
    found: list[Reason] = []
    for keyword in keywords:
        base, severity = _split(keyword)
        reason = KEYWORDS.get(base)
        if reason is not None and reason not in found and (severity == "error" or not errors_only):
            found.append(reason)
    return tuple(found)


@dataclass(frozen=True)
class A4Status:
    """What the printer says about itself; `known` is False when it did not answer."""

    known: bool = False
    state: str = "unknown"  # idle, processing, stopped (printer-state)
    keywords: tuple[str, ...] = ()  # printer-state-reasons as the printer sent them

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return reasons_from_keywords(self.keywords)

    @property
    def faults(self) -> tuple[Reason, ...]:
        """Every reported reason that stops printing: what explains a job that failed."""
        if not self.known:
            return ("unknown",)
        faults = tuple(r for r in self.reasons if r not in WARNINGS)
        return faults or (("offline",) if self.state == "stopped" else ())

    @property
    def blocking(self) -> tuple[Reason, ...]:
        """What stops a job from being sent: no answer, a stopped printer or an error-level reason."""
        if not self.known:
            return ("unknown",)
        blocking = tuple(r for r in reasons_from_keywords(self.keywords, errors_only=True) if r not in WARNINGS)
        return blocking or (("offline",) if self.state == "stopped" else ())

    @property
    def stalling(self) -> tuple[Reason, ...]:
        """What holds a job that is already sent (a printer out of paper waits with "media-needed-warning"):
        every reason but a "-report" and toner-low, and a stopped printer. The job is then canceled, so it
        never prints later for someone who has gone."""
        if not self.known:
            return ()  # one missed answer while a job runs is not a reason to cancel it
        stalling = tuple(r for r in reasons_from_keywords(k for k in self.keywords if _split(k)[1] != "report")
                         if r not in WARNINGS)
        return stalling or (("offline",) if self.state == "stopped" else ())

    @property
    def warnings(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r in WARNINGS)

    @property
    def ready(self) -> bool:
        return not self.blocking

    def describe_zh(self) -> str:
        if self.ready:
            noted = [REASON_ZH[r] for r in (*self.warnings, *self.faults)]
            return "打印机正常" + (f"（上次报告：{'、'.join(noted)}）" if noted else "")
        return "、".join(REASON_ZH[f] for f in self.blocking)

    def to_json(self) -> dict[str, object]:
        return {"known": self.known, "state": self.state, "reasons": list(self.reasons),
                "blocking": list(self.blocking), "printer_state_reasons": list(self.keywords)}


class A4PrinterFault(DeviceFault):
    """The A4 printer cannot print now; subclasses say why and what the citizen can do."""

    reason: Reason = "offline"
    advice_zh = "打印机暂时不能使用，没有打印，也不计入打印页数。请稍后再试，或到窗口请工作人员帮助。"

    def __init__(self, message: str) -> None:
        super().__init__(message, device="a4printer")


class MediaEmpty(A4PrinterFault):
    reason: Reason = "media_empty"
    advice_zh = "打印机缺纸，没有打印，也不计入打印页数。请到窗口请工作人员加纸后再打印。"


class MediaJam(A4PrinterFault):
    reason: Reason = "media_jam"
    advice_zh = "打印机卡纸，没有打印完，不计入打印页数。请到窗口请工作人员处理后再打印。"


class DoorOpen(A4PrinterFault):
    reason: Reason = "door_open"
    advice_zh = "打印机机盖没有关好，没有打印，不计入打印页数。请到窗口请工作人员关好机盖后再打印。"


class TonerEmpty(A4PrinterFault):
    reason: Reason = "toner_empty"
    advice_zh = "打印机墨粉用完，没有打印，不计入打印页数。请到窗口请工作人员帮助。"


class PrinterOffline(A4PrinterFault):
    reason: Reason = "offline"


class PrinterSilent(DeviceTimeout):
    """No answer: whether anything printed is not known, and it is never taken as printed."""

    reason: Reason = "unknown"
    advice_zh = "打印机没有响应，无法确认是否打印，不计入打印页数。如没有取到纸张，请稍后重试或到窗口请工作人员帮助。"

    def __init__(self, message: str) -> None:
        super().__init__(message, device="a4printer")


ERRORS: dict[Reason, type[A4PrinterFault]] = {
    "media_empty": MediaEmpty, "media_jam": MediaJam, "door_open": DoorOpen, "toner_empty": TonerEmpty,
    "offline": PrinterOffline,
}


def error_for(status: A4Status, *, failed: bool = False) -> DeviceError | None:
    """The typed error for a printer that cannot print (None when it can); after a `failed` job, every
    reported reason explains it, not only the error-level ones."""
    reasons = status.faults if failed else status.blocking
    if not reasons:
        return None
    first = reasons[0]
    if first == "unknown":
        return PrinterSilent("A4 printer did not answer")
    return ERRORS.get(first, PrinterOffline)(f"A4 printer not ready: {', '.join(reasons)}")


@dataclass(frozen=True)
class A4PrinterSettings:
    """What the driver needs: the printer's IPP URI (ipp://host:port/path, a CUPS queue or a printer);
    no address means the terminal has no A4 printer."""

    address: DeviceAddress | None
    timeout: float = 5.0
    job_timeout: float = 120.0  # longest a job may take before it counts as not printed
    poll_interval: float = 0.2
    user: str = "gov-terminal"
    font_path: Path | None = None  # the CJK font embedded in test pages

    @property
    def uri(self) -> str:
        if self.address is None:
            raise missing("no A4 printer configured (devices.a4printer.address is empty)")
        scheme = "ipps" if self.address.scheme == "ipps" else "ipp"
        return f"{scheme}://{self.address.target}"


@dataclass(frozen=True)
class A4Job:
    """A PDF to print; `kind` names the document for logs (never personal data)."""

    pdf: bytes
    kind: str
    pages: int


@dataclass(frozen=True)
class A4Result:
    """What happened to one job: `printed` only when the printer said completed; pages as it counted them."""

    kind: str
    state: JobState
    pages: int
    error: DeviceError | None
    status: A4Status
    job_id: int | None = None
    seconds: float = 0.0

    @property
    def printed(self) -> bool:
        return self.state == "completed" and self.error is None

    @property
    def advice_zh(self) -> str:
        if self.printed:
            return f"已打印{self.pages}页，请从打印机出纸口取走。"
        if self.error is not None:
            return self.error.advice_zh
        if self.state == "canceled":
            return "打印已取消，没有计入打印页数。"
        return "打印没有完成，不计入打印页数。请稍后再试，或到窗口请工作人员帮助。"


def missing(message: str) -> DeviceMissing:
    return DeviceMissing(message, advice_zh="没有找到打印机，不能打印。请到窗口请工作人员帮助。", device="a4printer")
