"""Bytes the outbox sends to the disk per submitted case and per delivered (purged) case, and time per each.

    .venv/bin/python bench/outbox_bytes.py                       # this tree
    .venv/bin/python bench/outbox_bytes.py --tree /path/to/old   # another checkout, for before/after

Counts `write_bytes` of /proc/self/io (what reached the block layer; every step fsyncs), so the
work folder must be on a real disk, not tmpfs (default: a folder under the current directory).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path


def written() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise RuntimeError("no write_bytes in /proc/self/io")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--page-bytes", type=int, default=300_000)
    parser.add_argument("--work", type=Path, default=Path.cwd())
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree))
    from sync.outbox import Outbox
    from tests.sync.helpers import make_case

    cases = [make_case(n, pages=args.pages, page_bytes=args.page_bytes) for n in range(args.cases)]
    payload = sum(len(p.jpeg) for c in cases for m in c.materials for p in m.pages) // len(cases)
    work = Path(tempfile.mkdtemp(dir=args.work, prefix="outbox-bytes-"))
    try:
        box = Outbox(work, min_free_mb=10)
        before, started = written(), time.perf_counter()
        for case in cases:
            box.submit(case)
        submit_bytes, submit_s = written() - before, time.perf_counter() - started
        before, started = written(), time.perf_counter()
        for case in cases:
            box.mark_delivered(case.case_no, f"PLT-{case.case_no}", "pull")
        purge_bytes, purge_s = written() - before, time.perf_counter() - started
        box.close()
    finally:
        shutil.rmtree(work)
    print(f"tree {args.tree}: {args.cases} cases of {args.pages} pages, {payload} bytes of pages per case")
    print(f"submit: {submit_bytes / args.cases / 1024:.1f} KiB written per case "
          f"({submit_bytes / args.cases / payload:.2f} x the pages), {submit_s / args.cases * 1000:.1f} ms per case")
    print(f"deliver+purge: {purge_bytes / args.cases / 1024:.1f} KiB written per case, "
          f"{purge_s / args.cases * 1000:.1f} ms per case")


if __name__ == "__main__":
    main()
