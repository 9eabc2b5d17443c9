"""Every printer state through a real ippeveprinter, directly and queued through a real private cupsd.

A fault is switched on in the simulator's print command, which reports it the way a printer does
(`STATE: +media-jam` -> printer-state-reasons) and aborts the job; the driver must say not printed,
with the typed error and no pages, and refuse the next job before sending it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from drivers.a4printer import A4Job
from drivers.a4printer.model import DoorOpen, MediaEmpty, MediaJam, PrinterOffline, PrinterSilent, TonerEmpty
from drivers.a4printer.simulator import IppEvePrinter, PrivateCups
from terminal.a4docs import a4_test_page
from terminal.a4pdf import document_pdf
from terminal.config import from_dict
from terminal.fonts import find_cjk_font
from tests.a4printer.conftest import Sink, driver, is_a4, pdf_info, pdf_text

FAULTS = [("media-empty", MediaEmpty), ("media-jam", MediaJam), ("door-open", DoorOpen),
          ("toner-empty", TonerEmpty), ("offline", PrinterOffline)]


@pytest.fixture(scope="module")
def page() -> A4Job:
    pdf = document_pdf(a4_test_page(from_dict({}), datetime(2026, 12, 7, 20, 0)),
                       find_cjk_font())
    return A4Job(pdf.data, "a4_test_page", pdf.pages)


@pytest.fixture(params=["ippeveprinter", "cupsd"])
def uri(request: pytest.FixtureRequest, printer_sim: IppEvePrinter) -> str:
    if request.param == "cupsd":
        cups: PrivateCups = request.getfixturevalue("cups")
        return cups.uri
    return printer_sim.uri


def test_a_job_is_followed_to_completed_and_the_pdf_arrives(uri: str, printer_sim: IppEvePrinter, page: A4Job) -> None:
    before = set(printer_sim.printed())
    states: list[str] = []
    result = driver(uri).print_job(page, on_state=states.append)
    assert result.printed and result.state == "completed" and result.pages == 1 and result.error is None
    assert states[-1] == "completed"
    (printed,) = set(printer_sim.printed()) - before
    info = pdf_info(printed)
    assert info["Pages"] == "1" and is_a4(info)
    assert "A4打印机测试页" in pdf_text(printed) and "示范镇便民服务中心" in pdf_text(printed)


@pytest.mark.parametrize(("fault", "error"), FAULTS)
def test_a_fault_aborts_the_job_uncounted_until_the_printer_is_fixed(uri: str, printer_sim: IppEvePrinter, page: A4Job,
                                                                     fault: str, error: type[Exception]) -> None:
    printer = driver(uri, sink := Sink())
    before = set(printer_sim.printed())
    printer_sim.set_faults(fault)
    result = printer.print_job(page)
    assert not result.printed and result.pages == 0
    # sent, then aborted or canceled (a CUPS queue may even call it completed): the fault says not printed
    assert result.state != "not-sent" and result.job_id is not None
    assert isinstance(result.error, error), result
    assert "不计入打印页数" in result.advice_zh
    assert set(printer_sim.printed()) == before
    assert ("E2010", {"device": "a4printer", "kind": "a4_test_page", "state": result.state,
                      "reasons": fault.replace("-", "_")}) in sink.events
    reported = printer.status()
    assert fault.replace("-", "_") in reported.faults  # reported (as "-report"): it explains, it does not block
    assert "上次报告" in reported.describe_zh()
    printer_sim.fix()
    assert printer.print_job(page).printed  # fixed: the next job prints without anyone resetting the terminal


def test_a_stopped_queue_gets_no_job(cups: PrivateCups, printer_sim: IppEvePrinter, page: A4Job) -> None:
    printer = driver(cups.uri)
    cups.pause()
    try:
        status = printer.status()
        assert status.state == "stopped" and status.blocking == ("offline",)
        result = printer.print_job(page)
        assert result.state == "not-sent" and result.job_id is None and isinstance(result.error, PrinterOffline)
    finally:
        cups.resume()
    assert printer.print_job(page).printed


def test_toner_low_prints_and_warns(uri: str, printer_sim: IppEvePrinter, page: A4Job) -> None:
    printer = driver(uri)
    printer_sim.set_faults("toner-low")
    assert printer.print_job(page).printed
    status = printer.status()
    assert status.ready and status.warnings == ("toner_low",)
    assert printer.print_job(page).printed  # a warning never stops printing


def test_a_printer_that_does_not_answer_is_unknown_never_ok(page: A4Job, tmp_path: Path) -> None:
    with IppEvePrinter(folder=tmp_path) as gone:
        printer = driver(gone.uri, timeout=1.0)
        assert printer.status().ready
        gone.stop()
        status = printer.status()
        assert not status.known and not status.ready and status.faults == ("unknown",)
        result = printer.print_job(page)
        assert not result.printed and isinstance(result.error, PrinterSilent) and result.pages == 0
        assert "无法确认" in result.advice_zh


def test_a_job_that_does_not_finish_in_time_is_canceled_and_not_counted(page: A4Job, tmp_path: Path) -> None:
    with IppEvePrinter(folder=tmp_path) as slow:
        (tmp_path / "print.sh").write_text("#!/bin/sh\nsleep 5\n")  # a printer stuck on the job
        result = driver(slow.uri, job_timeout=0.5).print_job(page)
        assert not result.printed and result.pages == 0 and result.state == "canceled"
        assert not slow.printed()
