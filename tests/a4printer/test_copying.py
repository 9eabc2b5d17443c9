"""Copy limits per card and per terminal: counted only from completed jobs, kept per day, never a card number on disk."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from drivers.a4printer import A4Job
from drivers.a4printer.fake import FakeA4Printer
from drivers.printer.samples import SAMPLE_ID_NUMBER
from terminal.copying import CopyAllowance, CopyLimitReached, PageToCopy, copy_sheets, paper_of, true_size_mm

OTHER = "11010519491231002X"


def test_pages_are_charged_only_when_the_printer_completed_them(tmp_path: Path) -> None:
    allowance = CopyAllowance(3, 4, tmp_path / "copy-pages.json")
    printer = FakeA4Printer({"media-jam"})
    job = A4Job(b"%PDF-1.4", "id_card_copy", 1)
    for attempt in (printer.print_job(job), (printer.set_faults(), printer.print_job(job))[1]):
        if attempt.printed:
            allowance.charge(SAMPLE_ID_NUMBER, attempt.pages)
    assert allowance.remaining(SAMPLE_ID_NUMBER) == 2  # the jammed job cost nothing
    allowance.check(SAMPLE_ID_NUMBER, 2)
    with pytest.raises(CopyLimitReached):
        allowance.check(SAMPLE_ID_NUMBER, 3)
    allowance.charge(OTHER, 3)
    assert allowance.remaining(SAMPLE_ID_NUMBER) == 0  # the terminal's 4 pages are used up
    assert SAMPLE_ID_NUMBER not in (tmp_path / "copy-pages.json").read_text()


def test_the_terminal_count_survives_a_restart_and_a_new_day_starts_afresh(tmp_path: Path) -> None:
    today = [date(2026, 12, 7)]
    state = tmp_path / "copy-pages.json"
    CopyAllowance(10, 5, state, lambda: today[0]).charge(SAMPLE_ID_NUMBER, 4)
    again = CopyAllowance(10, 5, state, lambda: today[0])
    assert again.remaining(OTHER) == 1
    today[0] = date(2026, 12, 8)
    assert again.remaining(SAMPLE_ID_NUMBER) == 5


def test_sheets_and_true_sizes() -> None:
    card = PageToCopy(b"", "card", 1027, 648)
    sheet = PageToCopy(b"", "A4", 1654, 2339)
    assert copy_sheets([card, card]) == 1 and copy_sheets([card, sheet]) == 2 and copy_sheets([card]) == 1
    assert true_size_mm(card, 200) == (85.6, 54.0) and true_size_mm(sheet, 200) == (210.0, 297.0)
    assert paper_of(1027, 648) == "card" and paper_of(1654, 2339) == "A4" and paper_of(1000, 1000) == "detected"
