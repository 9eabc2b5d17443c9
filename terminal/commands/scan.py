"""`terminal scan IMAGE... [--out DIR] [--json] [--pdf FILE]`: the scanner pipeline on image files.

The same code the materials screen runs on camera stills, so a technician can check a doubtful
capture, and the tests and benchmark can drive the pipeline from files.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from terminal.config import Config
from terminal.errors import ConfigError, TerminalError
from terminal.scanner.encode import write_pdf
from terminal.scanner.enhance import MODES
from terminal.scanner.imagefile import read_image
from terminal.scanner.pipeline import PAPER_CHOICES, ScanOptions, scan_page


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("scan")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="photos of a document (JPEG, PNG, ...)")
    parser.add_argument("--out", metavar="DIR", help="folder for the finished pages (default: beside each image)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per image")
    parser.add_argument("--paper", default="auto", choices=PAPER_CHOICES, help="page size to correct to")
    parser.add_argument("--mode", default="document", choices=MODES, help="enhancement: document or photo")
    parser.add_argument("--pdf", metavar="FILE", help="also write all pages as one PDF (one material)")
    parser.set_defaults(handler=run)


def _output_path(image: Path, out: str | None) -> Path:
    folder = Path(out) if out else image.parent
    return folder / f"{image.stem}-scan.jpg"


def run(args: argparse.Namespace, config: Config) -> int:
    options = ScanOptions.from_config(config.devices.camera, paper=args.paper, mode=args.mode)
    if args.out:
        try:
            Path(args.out).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"--out {args.out} cannot be used as a folder ({e.strerror})") from None
    pages: list[bytes] = []
    failures = 0
    for name in args.images:
        path = Path(name)
        report: dict[str, Any] = {"input": str(path)}
        output = _output_path(path, args.out)
        try:  # one bad page is reported and the batch goes on
            page = scan_page(read_image(path), options)
            with _writing(output):
                output.write_bytes(page.jpeg.data)
        except TerminalError as refused:
            failures += 1
            report.update(found=False, error=refused.message, advice_zh=refused.advice_zh)
        else:
            pages.append(page.jpeg.data)
            report.update(page.to_json())
            report["output"] = str(output)
        _print(report, args.json)
    if args.pdf:
        if not pages:
            raise ConfigError("no page could be read, so no PDF was written")
        with _writing(Path(args.pdf)):
            write_pdf(Path(args.pdf), pages, options.dpi)
        if not args.json:
            print(f"PDF: {args.pdf} ({len(pages)} pages)")
    return 1 if failures else 0


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Writing `path`: a file system refusal (no room, no permission, not a folder) in words."""
    try:
        yield
    except OSError as e:
        raise TerminalError(f"{path} cannot be written ({e.strerror})",
                            advice_zh="扫描结果无法保存，请检查输出位置是否可写、空间是否足够。") from None


def _print(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return
    if "error" in report:
        print(f"{report['input']}: {report['error']}")
        return
    found = (f"page found ({report['confidence']:.2f}), {report['paper']}" if report["found"]
             else "no page found, whole frame kept")
    hints = "；".join(report["quality"]["hints"]) or "质量良好"
    print(f"{report['input']}: {found}, {report['width']}x{report['height']}, {report['bytes'] // 1024} KB "
          f"-> {report['output']}  [{hints}]")
