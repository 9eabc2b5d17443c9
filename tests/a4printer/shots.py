"""Print every A4 document kind through a private cupsd to ippeveprinter and render what arrived to PNG.

    .venv/bin/python -m tests.a4printer.shots [docs/screenshots/a4]

The PNGs are what the printer received (not what we meant to send), page by page, at 60 dpi.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
from pathlib import Path

from drivers.a4printer import A4Job
from drivers.a4printer.simulator import IppEvePrinter, PrivateCups
from drivers.printer.samples import sample_case
from sync.certificates import fetch_certificate
from terminal.a4pdf import PdfDocument
from terminal.config import from_dict
from tests.a4printer.conftest import driver
from tests.a4printer.documents import all_documents, sample_form
from ui.demo import start_central


def certificate() -> PdfDocument:
    """A 参保证明 from the reference platform on a real HTTP server, for the fabricated card holder."""
    with tempfile.TemporaryDirectory() as folder:
        central, secret = start_central(Path(folder))
        try:
            base = from_dict({"storage": {"data_dir": folder}})
            config = dataclasses.replace(base, platform=dataclasses.replace(base.platform, url=central.url,
                                                                            credentials=secret))
            return PdfDocument(fetch_certificate(config, "jiyuan-018", sample_case().applicant), 1, "certificate")
        finally:
            central.stop()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/a4")
    out.mkdir(parents=True, exist_ok=True)
    documents = all_documents(from_dict({}))
    documents["certificate"] = certificate()
    documents["sample_form"], documents["blank_form"] = sample_form(True), sample_form(False)
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
