"""The A4 printer driver: IPP over HTTP to a CUPS queue or an IPP Everywhere printer.

A job is a PDF sent with Print-Job; its state is then followed with Get-Job-Attributes until it
is completed, aborted or canceled, or until the job timeout (then it is canceled and counts as not
printed). The printer is asked before each job: one that reports a stopping reason gets no job.
Pages come from the printer's own count (job-impressions-completed, else job-media-sheets-completed),
so nothing is counted that the printer did not print. Jobs run on one worker thread; the UI gets
futures or callbacks.
"""

from __future__ import annotations

import http.client
import itertools
import logging
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from drivers.a4printer import ipp
from drivers.a4printer.model import (
    FINAL_JOB_STATES,
    A4Job,
    A4PrinterFault,
    A4PrinterSettings,
    A4Result,
    A4Status,
    JobState,
    PrinterSilent,
    error_for,
)
from drivers.events import EventSink
from terminal.errors import DeviceError, ProtocolError
from terminal.events import EventId

if TYPE_CHECKING:
    from drivers.a4printer.simulator import IppEvePrinter

logger = logging.getLogger(__name__)

JOB_ATTRIBUTES = ("job-state", "job-state-reasons", "job-impressions", "job-impressions-completed",
                  "job-media-sheets-completed")
PRINTER_ATTRIBUTES = ("printer-state", "printer-state-reasons", "printer-make-and-model")


def _first(values: tuple[ipp.Value, ...] | None) -> ipp.Value:
    return values[0] if values else None


def _int(values: tuple[ipp.Value, ...] | None) -> int:
    """The first value as an integer (0 when absent or not an integer)."""
    value = _first(values)
    return value if isinstance(value, int) else 0


class IppA4Printer:
    """One A4 printer at an ipp:// or ipps:// URI; blocking methods for the worker, `submit` for the UI."""

    def __init__(self, settings: A4PrinterSettings, events: EventSink) -> None:
        self.settings = settings
        self.events = events
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # one request at a time on this printer
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="a4printer")
        self.simulator: IppEvePrinter | None = None  # set by `open_a4printer` for a `sim` address
        uri = urlsplit(settings.uri)
        self._host, self._port = uri.hostname or "localhost", uri.port or 631
        self._path = uri.path or "/"

    # --- transport -----------------------------------------------------------------------------------
    def _request(self, body: bytes) -> ipp.Message:
        """POST one IPP request; OSError for a printer that is not there, ProtocolError for nonsense."""
        if self.settings.uri.startswith("ipps:"):
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self._host, self._port, timeout=self.settings.timeout, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self.settings.timeout)
        with self._lock:
            try:
                conn.request("POST", self._path, body, {"Content-Type": "application/ipp"})
                response = conn.getresponse()
                data = response.read()
            finally:
                conn.close()
        if response.status != 200:
            raise ProtocolError(f"IPP over HTTP answered {response.status}", device="a4printer")
        return ipp.decode(data)

    # --- status --------------------------------------------------------------------------------------
    def connect(self) -> None:
        """Ask the printer once; raises DeviceMissing-like errors in words when nobody answers."""
        if not self.status().known:
            raise PrinterSilent(f"no IPP answer from {self.settings.uri}")

    def status(self) -> A4Status:
        """printer-state and printer-state-reasons; a printer that does not answer is "unknown"."""
        try:
            answer = self._request(ipp.get_printer_attributes(next(self._ids), self.settings.uri,
                                                              user=self.settings.user, requested=PRINTER_ATTRIBUTES))
        except (OSError, ProtocolError) as e:
            logger.info("A4 printer status unknown uri=%s error=%s", self.settings.uri, type(e).__name__)
            return A4Status()
        if not answer.ok:
            return A4Status()
        printer = answer.group(ipp.PRINTER)
        keywords = tuple(str(v) for v in printer.get("printer-state-reasons", ()) if v is not None and v != "none")
        state = ipp.PRINTER_STATES.get(_int(printer.get("printer-state")), "unknown")
        return A4Status(True, state, keywords)

    # --- jobs ----------------------------------------------------------------------------------------
    def _job_attributes(self, job_id: int) -> dict[str, tuple[ipp.Value, ...]]:
        answer = self._request(ipp.get_job_attributes(next(self._ids), self.settings.uri, job_id,
                                                      user=self.settings.user, requested=JOB_ATTRIBUTES))
        if not answer.ok:
            raise ProtocolError(f"Get-Job-Attributes refused with status {answer.code:#06x}", device="a4printer")
        return answer.group(ipp.JOB)

    def _cancel(self, job_id: int) -> bool:
        """Cancel-Job; True when the printer accepted it (or the job had ended meanwhile)."""
        try:
            answer = self._request(ipp.cancel_job(next(self._ids), self.settings.uri, job_id, user=self.settings.user))
        except (OSError, ProtocolError):
            logger.info("A4 job could not be canceled job_id=%s", job_id)
            return False
        return answer.ok or answer.code == 0x0404  # client-error-not-possible: it already ended

    def print_job(self, job: A4Job, on_state: Callable[[JobState], None] | None = None) -> A4Result:
        """Check, send, follow to the end; never raises for printer trouble, the result says it."""
        started = time.monotonic()
        before = self.status()
        error = error_for(before)
        if error is not None:
            return self._failed(job, "not-sent", before, error, None, started)
        try:
            answer = self._request(ipp.print_job(next(self._ids), self.settings.uri, job.pdf, job_name=job.kind,
                                                 user=self.settings.user, pages=job.pages,
                                                 job_attributes={"media": "iso_a4_210x297mm"}))
        except (OSError, ProtocolError) as e:
            return self._failed(job, "unknown", self.status(), PrinterSilent(f"Print-Job failed: {type(e).__name__}"),
                                None, started)
        if not answer.ok:
            status = self.status()
            return self._failed(job, "not-sent", status, error_for(status, failed=True) or A4PrinterFault(
                f"Print-Job refused with status {answer.code:#06x}"), None, started)
        job_id = _int(answer.group(ipp.JOB).get("job-id"))
        state: JobState = "pending"
        attributes: dict[str, tuple[ipp.Value, ...]] = {}
        deadline = started + self.settings.job_timeout
        stalled: tuple[str, ...] = ()
        while True:
            try:
                attributes = self._job_attributes(job_id)
                state = cast(JobState, ipp.JOB_STATES.get(_int(attributes.get("job-state")), "unknown"))
            except (OSError, ProtocolError):
                state = "unknown"
            if on_state is not None:
                on_state(state)
            if state in FINAL_JOB_STATES or time.monotonic() > deadline:
                break
            stalled = self.status().stalling
            if stalled:
                break
            time.sleep(self.settings.poll_interval)  # IPP has no push without subscriptions; polling is the norm
        after = self.status()
        if state != "completed":
            if state not in FINAL_JOB_STATES:
                state = "canceled" if self._cancel(job_id) else state
                logger.info("A4 job canceled job_id=%s state=%s stalled=%s", job_id, state, ",".join(stalled))
            error = error_for(after, failed=True) or (PrinterSilent("job state unknown") if state == "unknown" else
                                         A4PrinterFault(f"job {state}"))
            return self._failed(job, state, after, error, job_id, started)
        # the printer's count; a printer that counts nothing (ippeveprinter) still holds the job's impressions
        appeared = [r for r in after.faults if r not in before.faults]
        if appeared:  # "completed" while the printer newly reports a jam: its page count cannot be trusted
            return self._failed(job, state, after, error_for(after, failed=True) or A4PrinterFault("fault after job"),
                                job_id, started)
        pages = (_int(attributes.get("job-impressions-completed")) or _int(attributes.get("job-media-sheets-completed"))
                 or _int(attributes.get("job-impressions")))
        seconds = time.monotonic() - started
        logger.info("A4 job completed kind=%s job_id=%s pages=%s seconds=%.2f", job.kind, job_id, pages, seconds)
        return A4Result(job.kind, "completed", pages, None, after, job_id, seconds)

    def _failed(self, job: A4Job, state: JobState, status: A4Status, error: DeviceError, job_id: int | None,
                started: float) -> A4Result:
        self.events.record(EventId.PRINT_FAILED, device="a4printer", kind=job.kind, state=state,
                           reasons=",".join(status.reasons) or ("unknown" if not status.known else "none"))
        logger.warning("A4 job not printed kind=%s state=%s reasons=%s", job.kind, state, status.keywords)
        return A4Result(job.kind, state, 0, error, status, job_id, time.monotonic() - started)

    def submit(self, job: A4Job, callback: Callable[[A4Result], None] | None = None) -> Future[A4Result]:
        """Print on the worker thread; `callback` gets the result there (wrap it for the UI thread)."""
        future = self._worker.submit(self.print_job, job)
        if callback is not None:
            future.add_done_callback(lambda f: callback(f.result()))
        return future

    def close(self) -> None:
        """Stop the worker (and the built-in simulator)."""
        self._worker.shutdown(wait=False, cancel_futures=True)
        if self.simulator is not None:
            self.simulator.close()
            self.simulator = None
