"""The receipt printer driver: our own small link for the bytes, raw DLE EOT reads for the truth.

Every job is checked before (a printer that is not ready gets no job) and after (paper that ran
out mid-job, a printer that went silent). The caller gets a `PrintResult` saying whether the
receipt was really printed: "printed", "not_printed" or "unknown" (a silent printer is never
taken as success). Jobs run on one worker thread and come back as futures or callbacks, so the
UI thread never waits on a printer. Status is read byte by byte here because python-escpos
3.1's `paper_status()` answers "paper adequate" when the printer says nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import serial

from drivers.events import EventSink
from drivers.printer import codec
from drivers.printer.link import Link, open_link
from drivers.printer.model import Outcome, PrinterSettings, PrintJob, PrintResult, not_ready_reason
from drivers.printer.render import slip_length_mm, to_escpos
from terminal.errors import DeviceMissing
from terminal.events import EventId
from terminal.receipt_layout import PAPER_DOTS
from terminal.receipts import ReceiptDocument

if TYPE_CHECKING:
    from drivers.printer.simulator import PrinterSimulator

logger = logging.getLogger(__name__)

MAX_PRINT_WAIT_SECONDS = 20.0


class ReceiptPrinter:
    """One receipt printer at `address`; blocking methods for the worker, `submit` for everyone else."""

    def __init__(self, settings: PrinterSettings, events: EventSink, *,
                 on_warning: Callable[[str, codec.PrinterStatus], None] | None = None) -> None:
        self.settings = settings
        self.address = settings.address
        self.width_dots = PAPER_DOTS[settings.paper_width_mm]
        self.chinese_mode = settings.chinese_mode
        self.timeout = settings.timeout
        self.print_speed_mm_s = settings.print_speed_mm_s
        self.font_path = settings.font_path
        self.events = events
        self._closing = threading.Event()
        self.on_warning = on_warning
        self.simulator: PrinterSimulator | None = None  # set by `open_printer` for a `sim` address
        self._link: Link | None = None
        self._last_paper: str | None = None
        self._io = threading.RLock()  # one conversation with the printer at a time (worker, diag, screens)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="printer")

    # --- link --------------------------------------------------------------------------------------
    def _open(self) -> Link:
        if self._link is None:
            self._link = open_link(self.address, self.timeout)
        return self._link

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
            self.simulator = None

    # --- status ------------------------------------------------------------------------------------
    def _query(self, link: Link, n: int) -> int | None:
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
                self.events.record(EventId.DEVICE_LOST, device="printer", address=self.address.raw)
            self._last_paper = status.paper
            return
        if self._last_paper == "unknown":
            self.events.record(EventId.DEVICE_BACK, device="printer", address=self.address.raw)
        self._last_paper = status.paper
        if status.paper == "near_end":
            self.events.record(EventId.PAPER_NEAR_END, device="printer", address=self.address.raw)
            logger.warning("printer.paper_near_end address=%s", self.address.raw)
            if self.on_warning:
                self.on_warning("paper_near_end", status)
        elif status.paper == "out":
            self.events.record(EventId.PAPER_OUT, device="printer", address=self.address.raw)
            if self.on_warning:
                self.on_warning("paper_out", status)
        else:
            logger.info("printer.paper_ok address=%s", self.address.raw)

    # --- jobs --------------------------------------------------------------------------------------
    def render(self, document: ReceiptDocument) -> PrintJob:
        return PrintJob(to_escpos(document, self.width_dots, self.chinese_mode, self.font_path), document.kind,
                        slip_length_mm(document, self.width_dots))

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
                self.events.record(EventId.PRINT_FAILED, device="printer", job=job.job_id, kind=job.kind,
                              outcome=outcome, reason=reason)
            return res

        try:
            self._open()
        except DeviceMissing:
            return result("not_printed", "missing", None, None, 0)
        before = self._status()
        if not before.ready:
            return result("not_printed", not_ready_reason(before), before, None, 0)
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
        return result("not_printed", not_ready_reason(after), before, after, len(job.data))

    def print_document(self, document: ReceiptDocument) -> PrintResult:
        return self.print_job(self.render(document))

    def submit(self, what: ReceiptDocument | PrintJob,
               callback: Callable[[PrintResult], None] | None = None) -> Future[PrintResult]:
        """Queue a document or a job (a retry) on the printer thread; the callback runs on that thread."""
        job = what if isinstance(what, PrintJob) else None
        future = self._worker.submit(self.print_job if job else self.print_document, what)  # type: ignore[arg-type]  # job and document take different types; `job` picks the matching one
        if callback is not None:
            future.add_done_callback(lambda f: callback(f.result()))
        return future

    def submit_status(self, callback: Callable[[codec.PrinterStatus], None] | None = None
                      ) -> Future[codec.PrinterStatus]:
        future = self._worker.submit(self.status)
        if callback is not None:
            future.add_done_callback(lambda f: callback(f.result()))
        return future
