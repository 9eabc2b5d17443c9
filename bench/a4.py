"""A4 printing figures for the 一次性告知单 and an ID-card copy (both sides on one page).

    .venv/bin/python bench/a4.py [--runs 5]

For each: the PDF's size in bytes, the time to render it (median of runs; the copy from two pages
already scanned), and the time from the tap to the job completed on a real ippeveprinter, directly
and queued through a private cupsd: render, Print-Job, Get-Job-Attributes until completed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.a4printer import A4Job
from drivers.a4printer.driver import IppA4Printer
from drivers.a4printer.simulator import IppEvePrinter, PrivateCups
from terminal.a4docs import one_time_notice
from terminal.a4pdf import PdfDocument, document_pdf
from terminal.catalog import load_catalog
from terminal.config import from_dict
from terminal.copying import copy_document
from terminal.fonts import find_cjk_font
from tests.a4printer.conftest import driver
from tests.a4printer.documents import WHEN, guided_item_id, scanned


def median_ms(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    config = from_dict({})
    catalog = load_catalog(config.terminal.region)
    item = catalog.get(guided_item_id(catalog))
    font = find_cjk_font()
    pages = [scanned("card", 1), scanned("card", 2)]
    makers: dict[str, Callable[[], PdfDocument]] = {
        "一次性告知单 (one_time_notice)": lambda: document_pdf(one_time_notice(item, config, WHEN), font),
        "ID-card copy (id_card_copy)": lambda: copy_document(pages, dpi=200),
    }
    makers["一次性告知单 (one_time_notice)"]()  # the font's first registration is a one-off per process
    with IppEvePrinter(keep=False) as printer, PrivateCups(printer) as cups:
        routes = {"ippeveprinter": driver(printer.uri, poll_interval=0.05),
                  "cupsd -> ippeveprinter": driver(cups.uri, poll_interval=0.05)}
        for name, make in makers.items():
            document = make()
            print(f"{name}: {len(document.data)} bytes PDF, {document.pages} page(s), "
                  f"render {median_ms(make, runs):.1f} ms (median of {runs})")
            for route, a4 in routes.items():
                def tap(make: Callable[[], PdfDocument] = make, a4: IppA4Printer = a4) -> None:
                    made = make()
                    result = a4.print_job(A4Job(made.data, made.kind, made.pages))
                    if not result.printed:
                        raise SystemExit(f"not printed: {result}")
                print(f"    tap -> job completed via {route}: {median_ms(tap, runs):.0f} ms (median of {runs}, "
                      "job state polled every 50 ms)")


if __name__ == "__main__":
    main()
