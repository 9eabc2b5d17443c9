"""Sync benchmark: prints enqueue time, push throughput vs a plain requests upload, drain memory and rate,
and the kill -9 drill.

    .venv/bin/python bench/sync.py                 # everything (about 5 minutes on 2 cores)
    .venv/bin/python bench/sync.py --kills 20 --drain 200   # a quick look
    .venv/bin/python bench/sync.py --only throughput        # just the push-vs-plain-upload ratios

The central server runs in its own process so that client and server do not share one interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastapi import Request  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402

from sync.outbox import Outbox  # noqa: E402
from sync.push import PARALLEL_RECORDS, PARALLEL_UPLOADS, Pusher  # noqa: E402
from tests.sync.conftest import make_client, start_central  # noqa: E402
from tests.sync.helpers import SECRET, make_case  # noqa: E402

PAGE = 300_000
PARTS = ["enqueue", "throughput", "drain", "crash"]


def serve(db: Path) -> None:
    """Child: the reference central server plus the two baselines a plain upload goes to.

    /sink reads a body and discards it. /durable-sink/NAME gives each body the same durable write
    the reference server gives a confirmed chunk: a new file in its storage folder, written and
    fsync'd before the answer, and kept (deleting it would cost the baseline time push never pays).
    """
    from gov_central.server import CentralStore, create_app
    from sync.httpserver import ServerThread

    store = CentralStore(db)
    app = create_app(store, SECRET)
    plain_dir = store.files / "plain-baseline"
    plain_dir.mkdir()

    @app.put("/sink")
    async def sink(request: Request) -> dict:
        return {"received": len(await request.body())}

    def keep(name: str, body: bytes) -> None:
        with open(plain_dir / name, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())

    @app.put("/durable-sink/{name}")
    async def durable_sink(name: str, request: Request) -> dict:
        body = await request.body()
        await run_in_threadpool(keep, name, body)
        return {"received": len(body)}

    server = ServerThread(app).start()
    print(server.port, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


def _rss_mb(field: str = "VmRSS") -> float:
    """Resident memory now, or with "VmHWM" its peak since exec (ru_maxrss would carry over the
    parent's peak into a child started with fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def drain_child(data_dir: Path, url: str) -> None:
    """Child: drain the outbox in rounds of 100, sampling RSS after each, so the figures cover the drain only."""
    outbox = Outbox(data_dir, min_free_mb=10)
    total = outbox.stats().counts["queued"]
    pusher = Pusher(outbox, make_client(url, timeout_seconds=30.0))
    samples = [_rss_mb()]
    started = time.perf_counter()
    delivered = 0
    while True:
        result = pusher.round(limit=100)
        delivered += len(result.delivered)
        samples.append(_rss_mb())
        if not result.delivered and not result.failed:
            break
    seconds = time.perf_counter() - started
    print(json.dumps({"cases": total, "delivered": delivered, "seconds": seconds, "rss_mb": samples,
                      "peak_rss_mb": _rss_mb("VmHWM")}))


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


def bench_enqueue(work: Path) -> None:
    outbox = Outbox(work / "enqueue", min_free_mb=10)
    cases = [make_case(n, pages=10, page_bytes=PAGE) for n in range(10)]
    times = []
    for case in cases:
        started = time.perf_counter()
        outbox.submit(case)
        times.append(time.perf_counter() - started)
    print(f"enqueue, 1 case of 10 pages x 300 KB (3.0 MB): median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms over {len(times)} cases (encrypt + fsync'd files + SQLite commit)")


def _plain_upload(uploads: list[tuple[str, bytes]], connections: int) -> float:
    """Seconds to PUT every (url, body) with requests, one request each, over `connections` keep-alive sessions."""
    import requests
    sessions = [requests.Session() for _ in range(connections)]
    share = [uploads[n::connections] for n in range(connections)]

    def send(session: requests.Session, mine: list[tuple[str, bytes]]) -> None:
        for url, data in mine:
            session.put(url, data=data, timeout=30).raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        for future in [pool.submit(send, session, mine) for session, mine in zip(sessions, share, strict=True)]:
            future.result()
    seconds = time.perf_counter() - started
    for session in sessions:
        session.close()
    return seconds


def bench_throughput(work: Path, url: str, cases: int = 10, runs: int = 3) -> None:
    """Push vs plain uploads of exactly the bytes push sends (manifests + attachments), interleaved per run."""
    outbox = Outbox(work / "throughput", min_free_mb=10)
    batches: list[list[tuple[str, bytes]]] = []
    for run in range(runs):
        files: list[tuple[str, bytes]] = []
        for n in range(cases):
            case = make_case(1000 + run * cases + n, pages=10, page_bytes=PAGE)
            outbox.submit(case)
            files.append((f"{case.case_no}.json", outbox.manifest(case.case_no)))
            files += [(f"{case.case_no}-{item.name}", outbox.attachment(case.case_no, item.name))
                      for item in outbox.attachments(case.case_no)]
        batches.append(files)
    pusher = Pusher(outbox, make_client(url, timeout_seconds=30.0))
    connections = PARALLEL_UPLOADS * PARALLEL_RECORDS
    rates: dict[str, list[float]] = {"push": [], "sink": [], "durable": [], "durable-parallel": []}
    for run, files in enumerate(batches):
        total = sum(len(data) for _, data in files)
        rates["sink"].append(total / _plain_upload([(f"{url}/sink", data) for _, data in files], 1))
        rates["durable"].append(total / _plain_upload(
            [(f"{url}/durable-sink/{run}-{name}", data) for name, data in files], 1))
        rates["durable-parallel"].append(total / _plain_upload(
            [(f"{url}/durable-sink/{run}-p-{name}", data) for name, data in files], connections))
        started = time.perf_counter()
        result = pusher.round(limit=cases)
        rates["push"].append(total / (time.perf_counter() - started))
        assert result.ok and len(result.delivered) == cases, result

    def line(label: str, key: str, note: str = "") -> None:
        ratios = [p / b for p, b in zip(rates["push"], rates[key], strict=True)]
        print(f"  {label}: {statistics.median(rates[key]) / 1e6:.1f} MB/s -> push / plain = "
              f"{statistics.median(ratios):.2f} (runs: {' '.join(f'{r:.2f}' for r in ratios)}){note}")

    print(f"push throughput over loopback: {runs} runs of {cases} cases (10 pages x 300 KB + signature + manifest,"
          f" {total / 1e6:.1f} MB a run), medians; every baseline PUTs exactly the bytes push sends")
    print(f"  push, {PARALLEL_RECORDS} records x {PARALLEL_UPLOADS} uploads at once (decrypt + hash check, manifest, "
          f"chunks fsync'd by the server before each answer, receipt, outbox commits): "
          f"{statistics.median(rates['push']) / 1e6:.1f} MB/s (runs: "
          + " ".join(f"{r / 1e6:.1f}" for r in rates["push"]) + ")")
    line("plain requests upload, 1 connection, server DISCARDS the bytes (no durability at all)", "sink")
    line("plain requests upload, 1 connection, server WRITES + FSYNCS each file like a push chunk (the fair one)",
         "durable", "   aim >= 0.8")
    line(f"for scale: that durable plain upload on {connections} connections, as many as push uses", "durable-parallel")


def bench_drain(work: Path, url: str, sizes: list[int]) -> None:
    for count in sizes:
        data_dir = work / f"drain-{count}"
        outbox = Outbox(data_dir, min_free_mb=10)
        for n in range(count):
            outbox.submit(make_case(10_000 * count + n, pages=2, page_bytes=50_000))
        outbox.close()
        out = subprocess.run([sys.executable, __file__, "--drain-child", str(data_dir), url], capture_output=True,
                             text=True, check=True).stdout
        figures = json.loads(out)
        rss = figures["rss_mb"]
        print(f"drain {figures['cases']} queued cases (2 pages x 50 KB each): {figures['delivered']} delivered in "
              f"{figures['seconds']:.1f} s = {figures['delivered'] / figures['seconds']:.1f} cases/s; "
              f"peak RSS {figures['peak_rss_mb']:.1f} MB; RSS before / after each 100 cases: "
              + " ".join(f"{mb:.0f}" for mb in rss) + " MB")


def bench_crash(work: Path, kills: int) -> None:
    from tests.sync.crash import run_drill
    central = start_central(work / "crash-central.sqlite")
    try:
        report = run_drill(work / "crash", central.store, central.url, kills=kills, seed=7)
    finally:
        central.server.stop()
    verdict = "PASS" if not report.problems else "FAIL"
    print(f"kill -9 drill: {report.kills} kills, {len(report.committed)} committed cases, {report.delivered} on the "
          f"server, each exactly once, integrity and hashes checked after every restart: {verdict} "
          f"({report.seconds:.0f} s)")
    for problem in report.problems[:10]:
        print(f"  {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--drain", type=int, nargs="+", default=[100, 1000], help="backlog sizes to drain")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=PARTS, help="run only these parts")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--drain-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.drain_child:
        drain_child(Path(args.drain_child[0]), args.drain_child[1])
        return
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        work = Path(tmp)
        if "enqueue" in args.only:
            bench_enqueue(work)
        if "throughput" in args.only or "drain" in args.only:
            server, url = start_server(work / "central.sqlite")
            try:
                if "throughput" in args.only:
                    bench_throughput(work, url)
                if "drain" in args.only:
                    bench_drain(work, url, args.drain)
            finally:
                server.stdin.close()
                server.wait(10)
        if "crash" in args.only:
            bench_crash(work, args.kills)


if __name__ == "__main__":
    main()
