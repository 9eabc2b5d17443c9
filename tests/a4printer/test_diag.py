"""`terminal diag a4printer`: status words from the real printer, a test page through CUPS, and a
terminal without an A4 printer that is not a failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from drivers.a4printer.simulator import IppEvePrinter, PrivateCups
from terminal.assembly.checks import CHECKS, run_check
from terminal.config import from_dict
from terminal.devices import parse_address
from terminal.diagnostics import CheckOptions, is_failure
from tests.a4printer.conftest import is_a4, pdf_info, pdf_text

REPO = Path(__file__).resolve().parents[2]


def test_the_check_is_registered_and_a_terminal_without_a4_printer_is_not_failing() -> None:
    assert "a4printer" in CHECKS
    config = from_dict({})
    result = run_check("a4printer", config, None, CheckOptions())
    assert result.status == "absent" and "没有配置A4打印机" in result.summary
    assert not is_failure(result, config)


def test_status_and_a_test_page_through_cups(cups: PrivateCups, printer_sim: IppEvePrinter, tmp_path: Path) -> None:
    config = from_dict({"devices": {"a4printer": {"address": cups.uri}}})
    assert run_check("a4printer", config, None, CheckOptions()).status == "ok"
    before = set(printer_sim.printed())
    result = run_check("a4printer", config, None, CheckOptions(test_page=True, out=tmp_path / "page.pdf"))
    assert result.status == "ok" and result.details["printed"] and result.details["pages"] == 1, result
    (arrived,) = set(printer_sim.printed()) - before
    assert is_a4(pdf_info(arrived)) and "A4打印机测试页" in pdf_text(arrived)


def test_a_stopped_queue_is_a_fault_in_words(cups: PrivateCups, printer_sim: IppEvePrinter) -> None:
    config = from_dict({"devices": {"a4printer": {"address": cups.uri}}})
    cups.pause()
    try:
        result = run_check("a4printer", config, None, CheckOptions())
    finally:
        cups.resume()
    assert result.status == "fault" and "脱机" in result.summary and is_failure(result, config)


def test_no_answer_is_a_fault_never_ok(tmp_path: Path) -> None:
    with IppEvePrinter(folder=tmp_path) as gone:
        uri = gone.uri
    config = from_dict({"devices": {"a4printer": {"address": uri}}})
    result = run_check("a4printer", config, parse_address(uri, "a4printer"), CheckOptions())
    assert result.status == "fault" and "没有响应" in result.summary


def test_terminal_diag_from_a_shell(printer_sim: IppEvePrinter) -> None:
    done = subprocess.run([sys.executable, "-m", "terminal", "diag", "a4printer", "--device", printer_sim.uri],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("a4printer  ok") and "A4打印机正常" in done.stdout
