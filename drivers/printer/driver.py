"""The receipt printer driver: python-escpos for the link, raw DLE EOT reads for the truth.

Every job is checked before (a printer that is not ready gets no job) and after (paper that ran
out mid-job, a printer that went silent). The caller gets a `PrintResult` saying whether the
receipt was really printed: "printed", "not_printed" or "unknown" (a silent printer is never
taken as success). Jobs run on one worker thread and come back as futures or callbacks, so the
UI thread never waits on a printer. python-escpos 3.1's own `paper_status()` answers "paper
adequate" when the printer says nothing, which is why status is read here byte by byte.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import serial
from escpos import printer as escpos_printer

from drivers.printer import codec
from drivers.printer.render import ChineseMode, slip_length_mm, to_escpos
from drivers.printer.simulator import PrinterSimulator
from terminal import events
from terminal.config import Config
from terminal.devices import DeviceAddress, parse_address
from terminal.errors import DeviceMissing
from terminal.fonts import find_cjk_font
from terminal.receipt_layout import PAPER_DOTS
from terminal.receipts import ReceiptDocument

logger = logging.getLogger(__name__)

Outcome = Literal["printed", "not_printed", "unknown"]
MAX_PRINT_WAIT_SECONDS = 20.0

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
    before: codec.PrinterStatus | None
    after: codec.PrinterStatus | None
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


class _Link:
    """One open connection through a python-escpos printer object, plus raw status reads."""

    def __init__(self, device: Any, timeout: float) -> None:
        self.device = device
        self.timeout = timeout

    def write(self, data: bytes) -> None:
        self.device._raw(data)

    def flush(self) -> None:
        """Wait until the bytes have left this computer (serial); TCP sends synchronously."""

    def read_byte(self, timeout: float) -> int | None:
        raise NotImplementedError

    def drain(self) -> bytes:
        """Whatever is waiting unread: stale answers before a query, extra bytes after one."""
        return b""

    def close(self) -> None:
        self.device.close()


class _SerialLink(_Link):
    def write(self, data: bytes) -> None:
        self.device.device.write(data)

    def flush(self) -> None:
        self.device.device.flush()

    def read_byte(self, timeout: float) -> int | None:
        port: serial.Serial = self.device.device
        port.timeout = timeout
        data = port.read(1)
        return data[0] if data else None

    def drain(self) -> bytes:
        port: serial.Serial = self.device.device
        return port.read(port.in_waiting) if port.in_waiting else b""


class _NetworkLink(_Link):
    def write(self, data: bytes) -> None:
        self.device.device.settimeout(self.timeout)
        self.device.device.sendall(data)

    def read_byte(self, timeout: float) -> int | None:
        sock: socket.socket = self.device.device
        sock.settimeout(timeout)
        try:
            data = sock.recv(1)
        except socket.timeout:
            return None
        if not data:
            raise ConnectionResetError("printer closed the connection")
        return data[0]

    def drain(self) -> bytes:
        sock: socket.socket = self.device.device
        sock.settimeout(0)
        try:
            return sock.recv(256)
        except (BlockingIOError, socket.timeout):
            return b""
        finally:
            sock.settimeout(self.timeout)


class _UsbLink(_Link):
    def read_byte(self, timeout: float) -> int | None:
        try:
            data = self.device.device.read(self.device.in_ep, 16, int(timeout * 1000))
        except Exception:  # pyusb raises USBTimeoutError (a USBError) on no answer
            return None
        return data[0] if len(data) == 1 else (-1 if len(data) > 1 else None)


class _FileLink(_Link):
    """A file or /dev/usb/lp0: write-only, so status is always unknown."""

    def read_byte(self, timeout: float) -> int | None:
        return None


class ReceiptPrinter:
    """One receipt printer at `address`; blocking methods for the worker, `submit` for everyone else."""

    def __init__(self, address: DeviceAddress, *, paper_width_mm: int = 80, chinese_mode: ChineseMode = "gb18030",
                 timeout: float = 3.0, print_speed_mm_s: float = 0.0, font_path: Path | None = None,
                 on_warning: Callable[[str, codec.PrinterStatus], None] | None = None) -> None:
        self.address = address
        self.width_dots = PAPER_DOTS[paper_width_mm]
        self.chinese_mode = chinese_mode
        self.timeout = timeout
        self.print_speed_mm_s = print_speed_mm_s
        self.font_path = font_path
        self._closing = threading.Event()
        self.on_warning = on_warning
        self.simulator: PrinterSimulator | None = None
        self._link: _Link | None = None
        self._last_paper: str | None = None
        self._io = threading.RLock()  # one conversation with the printer at a time (worker, diag, screens)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="printer")

    @classmethod
    def from_config(cls, config: Config, address: DeviceAddress | None = None, **kwargs: Any) -> "ReceiptPrinter":
        settings = config.devices.printer
        address = address or settings.address
        kwargs.setdefault("font_path", find_cjk_font(config.display.font))
        kwargs.setdefault("print_speed_mm_s", 0 if address.is_simulated else settings.print_speed_mm_s)
        return cls(address, paper_width_mm=settings.paper_width_mm,
                   chinese_mode=settings.chinese_mode,  # type: ignore[arg-type]
                   timeout=config.timeouts.device_seconds, **kwargs)

    # --- link --------------------------------------------------------------------------------------
    def _open(self) -> _Link:
        if self._link is not None:
            return self._link
        addr = self.address
        try:
            if addr.scheme == "sim":
                if self.simulator is None:
                    self.simulator = PrinterSimulator(self.width_dots, addr.faults, self.font_path)
                    port = self.simulator.start_tcp()
                    addr = parse_address(f"tcp://127.0.0.1:{port}", "printer")
                    self.address = DeviceAddress(addr.scheme, addr.target, addr.options, self.address.raw)
                return self._open()
            if addr.scheme == "serial":
                device = escpos_printer.Serial(devfile=addr.target, baudrate=addr.baud, timeout=self.timeout)
                device.open()
                device.device.write_timeout = self.timeout
                link: _Link = _SerialLink(device, self.timeout)
            elif addr.scheme == "tcp":
                host, port = addr.host_port
                device = escpos_printer.Network(host, port, timeout=self.timeout)
                device.open()
                link = _NetworkLink(device, self.timeout)
            elif addr.scheme == "usb":
                vid, pid = addr.usb_ids
                device = escpos_printer.Usb(vid, pid, timeout=int(self.timeout * 1000))
                device.open()
                link = _UsbLink(device, self.timeout)
            else:
                device = escpos_printer.File(devfile=addr.target)
                device.open()
                link = _FileLink(device, self.timeout)
        except Exception as e:  # python-escpos wraps missing ports in its own DeviceNotFoundError
            raise DeviceMissing(f"printer at {self.address.raw} cannot be opened: {type(e).__name__}",
                                device="printer") from e
        if device.device is None:  # python-escpos logs and leaves `device` unset when the port is missing
            raise DeviceMissing(f"printer at {self.address.raw} cannot be opened", device="printer")
        self._link = link
        return link

    def connect(self) -> None:
        """Open the link now; raises DeviceMissing when the port, socket or USB device is not there."""
        self._open()

    def _drop_link(self) -> None:
        if self._link is not None:
            try:
                self._link.close()
            except Exception:  # closing a broken link may fail in any way; it is gone either way
                pass
            self._link = None

    def close(self) -> None:
        """Stop the worker and close the link (and the built-in simulator)."""
        self._closing.set()
        self._worker.shutdown(wait=True)
        self._drop_link()
        if self.simulator is not None:
            self.simulator.stop()

    # --- status ------------------------------------------------------------------------------------
    def _query(self, link: _Link, n: int) -> int | None:
        link.drain()
        link.write(codec.status_query(n))
        value = link.read_byte(self.timeout)
        if value is None:
            return None
        if value < 0 or link.drain():  # more than the one byte a printer sends: not a status answer
            return -1
        return value

    def status(self) -> codec.PrinterStatus:
        """Ask DLE EOT 1, 2, 4 (and 3 on error). A silent printer gives an all-unknown status quickly."""
        with self._io:
            return self._status()

    def _status(self) -> codec.PrinterStatus:
        try:
            link = self._open()
        except DeviceMissing:
            return codec.PrinterStatus()
        answers: dict[int, int | None] = {}
        try:
            for n in codec.ROUTINE_QUERIES:
                answers[n] = self._query(link, n)
                if answers[n] is None:  # mute: do not wait out every query
                    break
            status = codec.parse_status(answers)
            if status.error:
                answers[3] = self._query(link, 3)
                status = codec.parse_status(answers)
        except (OSError, serial.SerialException) as e:
            logger.warning("printer.status_failed address=%s error=%s", self.address.raw, type(e).__name__)
            self._drop_link()
            status = codec.parse_status(answers)
        self._note_paper(status)
        return status

    def _note_paper(self, status: codec.PrinterStatus) -> None:
        """Log changes once when they happen, not on every query: silence, paper near end, paper out."""
        if status.paper == self._last_paper:
            return
        if status.paper == "unknown":
            if self._last_paper is not None:
                events.record(events.EventId.DEVICE_LOST, device="printer", address=self.address.raw)
            self._last_paper = status.paper
            return
        if self._last_paper == "unknown":
            events.record(events.EventId.DEVICE_BACK, device="printer", address=self.address.raw)
        self._last_paper = status.paper
        if status.paper == "near_end":
            events.record(events.EventId.PAPER_NEAR_END, device="printer", address=self.address.raw)
            logger.warning("printer.paper_near_end address=%s", self.address.raw)
            if self.on_warning:
                self.on_warning("paper_near_end", status)
        elif status.paper == "out":
            events.record(events.EventId.PAPER_OUT, device="printer", address=self.address.raw)
            if self.on_warning:
                self.on_warning("paper_out", status)
        else:
            logger.info("printer.paper_ok address=%s", self.address.raw)

    # --- jobs --------------------------------------------------------------------------------------
    def render(self, document: ReceiptDocument) -> PrintJob:
        return PrintJob(to_escpos(document, self.width_dots, self.chinese_mode, self.font_path), document.kind,
                        slip_length_mm(document, self.width_dots))

    @staticmethod
    def _reason(status: codec.PrinterStatus) -> str:
        if status.online is None or status.paper == "unknown":
            return "no_status"
        if status.paper == "out":
            return "paper_out"
        if status.cover_open:
            return "cover_open"
        if status.error:
            return "error"
        return "offline"

    def print_job(self, job: PrintJob) -> PrintResult:
        """Blocking: check, send, check again. Never raises for printer trouble; the result says it."""
        with self._io:
            return self._print_job(job)

    def _print_job(self, job: PrintJob) -> PrintResult:
        started = time.monotonic()

        def result(outcome: Outcome, reason: str, before: codec.PrinterStatus | None,
                   after: codec.PrinterStatus | None, sent: int) -> PrintResult:
            res = PrintResult(job, outcome, reason, before, after, sent, time.monotonic() - started)
            if res.printed:
                logger.info("printer.job_printed job=%s kind=%s bytes=%d", job.job_id, job.kind, sent)
            else:
                events.record(events.EventId.PRINT_FAILED, device="printer", job=job.job_id, kind=job.kind,
                              outcome=outcome, reason=reason)
            return res

        try:
            self._open()
        except DeviceMissing:
            return result("not_printed", "missing", None, None, 0)
        before = self._status()
        if not before.ready:
            return result("not_printed", self._reason(before), before, None, 0)
        try:
            link = self._open()
            link.write(job.data)
            link.flush()
        except (OSError, serial.SerialException, DeviceMissing) as e:
            logger.warning("printer.job_link_failed job=%s error=%s", job.job_id, type(e).__name__)
            self._drop_link()
            return result("not_printed", "link_failed", before, None, 0)
        if self.print_speed_mm_s > 0:  # DLE EOT answers at once: give the paper time to move first
            self._closing.wait(min(MAX_PRINT_WAIT_SECONDS, job.length_mm / self.print_speed_mm_s))
        after = self._status()
        if after.ready:
            return result("printed", "printed", before, after, len(job.data))
        if after.online is None or after.paper == "unknown":
            return result("unknown", "no_status", before, after, len(job.data))
        return result("not_printed", self._reason(after), before, after, len(job.data))

    def print_document(self, document: ReceiptDocument) -> PrintResult:
        return self.print_job(self.render(document))

    def submit(self, what: ReceiptDocument | PrintJob,
               callback: Callable[[PrintResult], None] | None = None) -> "Future[PrintResult]":
        """Queue a document or a job (a retry) on the printer thread; the callback runs on that thread."""
        job = what if isinstance(what, PrintJob) else None
        future = self._worker.submit(self.print_job if job else self.print_document, what)  # type: ignore[arg-type]
        if callback is not None:
            future.add_done_callback(lambda f: callback(f.result()))
        return future

    def submit_status(self, callback: Callable[[codec.PrinterStatus], None] | None = None
                      ) -> "Future[codec.PrinterStatus]":
        future = self._worker.submit(self.status)
        if callback is not None:
            future.add_done_callback(lambda f: callback(f.result()))
        return future
