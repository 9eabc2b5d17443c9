"""Bytes and time on the wire for a typical acceptance receipt: printer-font text vs raster.

    .venv/bin/python bench/receipt.py [--baud 115200] [--screenshots docs/screenshots]

It also prints what loading the printer driver costs a fresh process (time and peak memory,
the figures behind docs/decisions/printer-link.md) and a whole print job through the driver and
the wire-level simulator over TCP (status before, bytes, status after).

Wire time counts 10 bits per byte (8N1) at the given baud rate: what a serial printer link
costs before the printer even starts printing. Render time is this machine's CPU time to build
the job. `--screenshots DIR` also writes the receipt PNGs kept in the documentation.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

from drivers.printer import open_printer
from drivers.printer.render import to_escpos
from drivers.printer.samples import sample_case
from terminal.assembly.wiring import printer_settings
from terminal.casestates import CaseState, Decision
from terminal.config import from_dict
from terminal.devices import parse_address
from terminal.events import EventLog
from terminal.receipt_layout import PAPER_DOTS
from terminal.receipt_png import render_png
from terminal.receipts import acceptance_notice, correction_notice, rejection_notice, submission_receipt

BITS_PER_BYTE = 10  # start + 8 data + stop


def measure(baud: int, repeats: int = 5) -> None:
    config = from_dict({})
    document = submission_receipt(sample_case(), config)
    print(f"typical submission receipt (收件回执), {baud} baud 8N1")
    print(f"{'paper':>6} {'mode':>8} {'bytes':>8} {'wire s':>8} {'render ms':>10}")
    for paper_mm in (80, 58):
        for mode in ("gb18030", "raster"):
            started = time.perf_counter()
            for _ in range(repeats):
                job = to_escpos(document, PAPER_DOTS[paper_mm], mode)  # type: ignore[arg-type]  # mode is one of the two literals the loop names
            render_ms = (time.perf_counter() - started) / repeats * 1000
            wire = len(job) * BITS_PER_BYTE / baud
            print(f"{paper_mm:>4}mm {mode:>8} {len(job):>8} {wire:>8.2f} {render_ms:>10.1f}")


# resident memory from /proc: ru_maxrss would carry this (bigger) process's peak across fork and exec
IMPORT_PROBE = ("import time; t = time.perf_counter(); import drivers.printer.driver; s = time.perf_counter() - t; "
                "rss = [l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]; "
                "print(s, int(rss) / 1024)")


def driver_cost(repeats: int = 5) -> None:
    """Loading the driver in a fresh process: median seconds and the resident memory after it."""
    runs = [subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parent.parent).stdout.split() for _ in range(repeats)]
    seconds = statistics.median(float(r[0]) for r in runs)
    megabytes = statistics.median(float(r[1]) for r in runs)
    print(f"import drivers.printer.driver in a fresh process: median {seconds:.3f} s, "
          f"resident memory {megabytes:.1f} MB (a bare interpreter: about 10 MB)")


def print_through_simulator(repeats: int = 5) -> None:
    """One acceptance receipt through the real driver and the TCP simulator: check, send, check."""
    config = from_dict({})
    document = submission_receipt(sample_case(), config)
    printer = open_printer(printer_settings(config, parse_address("sim", "printer")), EventLog())
    try:
        times = []
        for _ in range(repeats):
            result = printer.print_document(document)
            assert result.printed, result.reason
            times.append(result.seconds * 1000)
    finally:
        printer.close()
    print(f"acceptance receipt through driver + TCP simulator (gb18030): median {statistics.median(times):.1f} ms")


def screenshots(folder: Path) -> None:
    """收件回执 (handed in at 22:40 on a Friday), correction notice, 受理通知书 and 退件告知书, 80 mm and
    58 mm, with a white margin."""
    config = from_dict({})
    case = dataclasses.replace(sample_case(), submitted_at=datetime(2026, 12, 4, 22, 40))
    decided = {"case_no": case.case_no, "item_name": case.item_name, "department": case.department,
               "platform_ref": "PLT-7F3A09C2D1E4B856"}
    accepted = Decision(state=CaseState.ACCEPTED, decided_at=datetime(2026, 12, 7, 9, 12),
                        accepted_at=datetime(2026, 12, 7, 9, 12), promised_date=date(2026, 12, 14), promised_days=5,
                        **decided)
    returned = Decision(state=CaseState.RETURNED, decided_at=datetime(2026, 12, 7, 9, 40), **decided,
                        reasons="申请人户籍不在本辖区，本事项应向户籍所在地乡镇（街道）便民服务中心申请。")
    printed = datetime(2026, 12, 7, 19, 5)
    folder.mkdir(parents=True, exist_ok=True)
    for name, document in (("submission", submission_receipt(case, config)),
                           ("correction", correction_notice(case, config)),
                           ("acceptance-notice", acceptance_notice(accepted, config, printed)),
                           ("rejection-notice", rejection_notice(returned, config, printed))):
        for paper_mm in (80, 58):
            path = folder / f"receipt-{name}-{paper_mm}mm.png"
            picture = render_png(document, PAPER_DOTS[paper_mm], margin_dots=16)
            picture.quantize(colors=8).save(path, optimize=True)  # 8 greys: smooth text, small file
            print(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--screenshots", type=Path, help="also write the receipt PNGs into this folder")
    args = parser.parse_args()
    measure(args.baud)
    driver_cost()
    print_through_simulator()
    if args.screenshots:
        screenshots(args.screenshots)


if __name__ == "__main__":
    main()
