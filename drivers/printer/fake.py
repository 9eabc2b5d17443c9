"""An in-memory `Printer` for session and UI tests: no link, no worker thread, no rendering.

Its status comes from the same fault switches and status bytes as the wire-level simulator
(`simulator.status_answer`), read by the same parser, and a job's outcome follows the same rule
as the driver's, so a screen sees the same results ("printed", "paper_out", ...) as through `sim`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from drivers.printer import codec
from drivers.printer.model import ChineseMode, PrintJob, PrintResult, not_ready_reason
from drivers.printer.simulator import FAULTS, status_answer
from terminal.errors import DeviceMissing
from terminal.receipt_layout import PAPER_DOTS
from terminal.receipts import ReceiptDocument


class FakePrinter:
    """`faults` are the simulator's switches (paper_end, cover_open, no_answer, ...) plus `missing`."""

    def __init__(self, paper_width_mm: int = 80, chinese_mode: ChineseMode = "gb18030",
                 faults: set[str] | frozenset[str] = frozenset()) -> None:
        self.width_dots = PAPER_DOTS[paper_width_mm]
        self.chinese_mode = chinese_mode
        self.faults = set(faults)
        self.printed: list[str] = []  # the plain text of every slip that came out

    def set_faults(self, *faults: str) -> None:
        unknown = set(faults) - FAULTS - {"missing"}
        if unknown:
            raise ValueError(f"unknown printer faults: {', '.join(sorted(unknown))}")
        self.faults = set(faults)

    def connect(self) -> None:
        if "missing" in self.faults:
            raise DeviceMissing("fake printer unplugged", device="printer")

    def status(self) -> codec.PrinterStatus:
        if "missing" in self.faults:
            return codec.PrinterStatus()
        answers: dict[int, int | None] = {}
        for n in codec.ROUTINE_QUERIES:
            answer = status_answer(self.faults, n)
            answers[n] = answer[0] if answer else None
        status = codec.parse_status(answers)
        if status.error:
            answer = status_answer(self.faults, 3)
            answers[3] = answer[0] if answer else None
            status = codec.parse_status(answers)
        return status

    def render(self, document: ReceiptDocument) -> PrintJob:
        return PrintJob(document.plain_text().encode(), document.kind)

    def print_job(self, job: PrintJob) -> PrintResult:
        if "missing" in self.faults:
            return PrintResult(job, "not_printed", "missing", None, None, 0, 0.0)
        before = self.status()
        if not before.ready:
            return PrintResult(job, "not_printed", not_ready_reason(before), before, None, 0, 0.0)
        self.printed.append(job.data.decode())
        return PrintResult(job, "printed", "printed", before, self.status(), len(job.data), 0.0)

    def print_document(self, document: ReceiptDocument) -> PrintResult:
        return self.print_job(self.render(document))

    def submit(self, what: ReceiptDocument | PrintJob,
               callback: Callable[[PrintResult], None] | None = None) -> Future[PrintResult]:
        """Prints at once (no worker thread) and hands back a finished future."""
        result = self.print_job(what) if isinstance(what, PrintJob) else self.print_document(what)
        future: Future[PrintResult] = Future()
        future.set_result(result)
        if callback is not None:
            callback(result)
        return future

    def close(self) -> None:
        """Nothing to let go of."""
