"""Print every A4 document kind through a private cupsd to ippeveprinter and render what arrived to PNG.

    .venv/bin/python -m tests.a4printer.shots [docs/screenshots/a4]

The PNGs are what the printer received (not what we meant to send), page by page, at 60 dpi.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from drivers.a4printer import A4Job
from drivers.a4printer.simulator import IppEvePrinter, PrivateCups
from terminal.config import from_dict
from tests.a4printer.conftest import driver
from tests.a4printer.documents import all_documents


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/a4")
    out.mkdir(parents=True, exist_ok=True)
    documents = all_documents(from_dict({}))
    with IppEvePrinter() as printer, PrivateCups(printer) as cups:
        a4 = driver(cups.uri)
        for name, document in documents.items():
            before = set(printer.printed())
            result = a4.print_job(A4Job(document.data, document.kind, document.pages))
            if not result.printed:
                raise SystemExit(f"{name}: not printed ({result.state})")
            (arrived,) = set(printer.printed()) - before
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(arrived), str(out / name)], check=True)
            print(f"{name}: {document.pages} page(s), {len(document.data)} bytes -> {out / name}-*.png")


if __name__ == "__main__":
    main()
