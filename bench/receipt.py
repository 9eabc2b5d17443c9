"""Bytes and time on the wire for a typical acceptance receipt: printer-font text vs raster.

    .venv/bin/python bench/receipt.py [--baud 115200] [--screenshots docs/screenshots]

Wire time counts 10 bits per byte (8N1) at the given baud rate: what a serial printer link
costs before the printer even starts printing. Render time is this machine's CPU time to build
the job. `--screenshots DIR` also writes the receipt PNGs kept in the documentation.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from drivers.printer.render import to_escpos
from drivers.printer.samples import sample_case
from terminal.config import from_dict
from terminal.receipt_layout import PAPER_DOTS
from terminal.receipt_png import render_png
from terminal.receipts import acceptance_receipt, correction_notice

BITS_PER_BYTE = 10  # start + 8 data + stop


def measure(baud: int, repeats: int = 5) -> None:
    config = from_dict({})
    document = acceptance_receipt(sample_case(), config)
    print(f"typical acceptance receipt (受理回执), {baud} baud 8N1")
    print(f"{'paper':>6} {'mode':>8} {'bytes':>8} {'wire s':>8} {'render ms':>10}")
    for paper_mm in (80, 58):
        for mode in ("gb18030", "raster"):
            started = time.perf_counter()
            for _ in range(repeats):
                job = to_escpos(document, PAPER_DOTS[paper_mm], mode)  # type: ignore[arg-type]  # mode is one of the two literals the loop names
            render_ms = (time.perf_counter() - started) / repeats * 1000
            wire = len(job) * BITS_PER_BYTE / baud
            print(f"{paper_mm:>4}mm {mode:>8} {len(job):>8} {wire:>8.2f} {render_ms:>10.1f}")


def screenshots(folder: Path) -> None:
    """Acceptance receipt and correction notice, 80 mm and 58 mm, with a white margin."""
    config = from_dict({})
    case = sample_case()
    folder.mkdir(parents=True, exist_ok=True)
    for name, document in (("acceptance", acceptance_receipt(case, config)),
                           ("correction", correction_notice(case, config))):
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
    if args.screenshots:
        screenshots(args.screenshots)


if __name__ == "__main__":
    main()
