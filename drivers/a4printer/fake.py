"""An in-memory `A4Printer` for session and UI tests: no IPP, no thread, no ippeveprinter.

Its faults are the simulator's switches (media-empty, media-jam, door-open, toner-empty, offline,
toner-low) plus `silent` (no answer); status and results follow the driver's rules
(`A4Status`, `error_for`), so a screen sees the same outcomes as through the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from drivers.a4printer.model import A4Job, A4Result, A4Status, JobState, error_for
from drivers.a4printer.simulator import FAULTS, WARNINGS


class FakeA4Printer:
    """`printed` keeps every job that came out (tests look at the PDF bytes)."""

    def __init__(self, faults: frozenset[str] | set[str] = frozenset()) -> None:
        self.faults: set[str] = set()
        self.set_faults(*faults)
        self.printed: list[A4Job] = []

    def set_faults(self, *faults: str) -> None:
        unknown = set(faults) - set(FAULTS) - set(WARNINGS) - {"silent"}
        if unknown:
            raise ValueError(f"unknown A4 printer faults: {', '.join(sorted(unknown))}")
        self.faults = set(faults)

    def connect(self) -> None:
        """Nothing to open."""

    def status(self) -> A4Status:
        if "silent" in self.faults:
            return A4Status()
        return A4Status(True, "idle", tuple(f"{name}-{'warning' if name in WARNINGS else 'error'}"
                                         for name in sorted(self.faults)))

    def print_job(self, job: A4Job, on_state: Callable[[JobState], None] | None = None) -> A4Result:
        status = self.status()
        error = error_for(status)
        if error is not None:
            return A4Result(job.kind, "not-sent", 0, error, status)
        if on_state is not None:
            on_state("completed")
        self.printed.append(job)
        return A4Result(job.kind, "completed", job.pages, None, status, len(self.printed))

    def submit(self, job: A4Job, callback: Callable[[A4Result], None] | None = None) -> Future[A4Result]:
        """Prints at once and hands back a finished future."""
        result = self.print_job(job)
        future: Future[A4Result] = Future()
        future.set_result(result)
        if callback is not None:
            callback(result)
        return future

    def close(self) -> None:
        """Nothing to let go of."""
