"""Load on the county service: N simulated terminals on 127.0.0.1 against gov-central on PostgreSQL.

    .venv/bin/python bench/central_load.py                        # 1,000 terminals, 60 s of morning peak
    .venv/bin/python bench/central_load.py --terminals 200 --seconds 30 --case-mb 1   # a quick look

Every terminal is enrolled with its own secret. Two phases, each `--seconds` long:
1. heartbeats only, every 5 minutes compressed by `--speed` (default 10: every 30 s);
2. the morning peak: the same heartbeats plus one case per terminal every 2 minutes (real time,
   `--case-mb` MB each in 1 MB attachments), pushed as a terminal does (manifest, chunks, complete).
The service (its own process) and PostgreSQL (a fresh server in a temporary folder) are measured
from /proc: CPU seconds per heartbeat (phase 1) and per case (phase 2 less its heartbeats).
Printed: requests per second, p50/p99 latency per endpoint, CPU s per case and per heartbeat,
database size per 10,000 cases (and attachment bytes per case), the console's fleet page time.
The load is open-loop (requests start at their scheduled time, latency counts any queueing).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import queue
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gov_central.credentials import Registry  # noqa: E402
from gov_central.db import PostgresDatabase  # noqa: E402
from gov_central.operators import Operators  # noqa: E402
from sync.auth import make_token  # noqa: E402
from sync.manifest import PROTOCOL_VERSION, canonical  # noqa: E402
from tests.central.pg import PostgresServer  # noqa: E402
from tests.sync.helpers import id_number  # noqa: E402

PAGE = 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Latencies:
    """Seconds per request, by endpoint, with failures counted."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, int] = defaultdict(int)

    def add(self, endpoint: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.seconds[endpoint].append(seconds)
            if not ok:
                self.failures[endpoint] += 1


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime (and of reaped children) of these processes, from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])
    return total / CLOCK_TICKS


def postgres_pids(folder: Path) -> list[int]:
    """The postmaster and its backends: every process whose command line mentions the data folder or is its child."""
    master = int((folder / "data" / "postmaster.pid").read_text().split()[0])
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
            except (OSError, ValueError):
                continue
    return pids


def case_manifest(case_no: str, terminal_id: str, pages: int, blob_sha: str) -> bytes:
    """A case as sync.manifest.from_case shapes it (fabricated applicant), with `pages` 1 MB attachments."""
    names = [f"m01-p{p:02d}.jpg" for p in range(1, pages + 1)]
    body = {"case_no": case_no, "terminal_id": terminal_id, "region": "jiyuan", "item_id": "JY-001",
            "item_name": "户口登记", "department": "公安局", "case_kind": "promised",
            "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "promised_date": None,
            "applicant": {"card_type": "resident", "name": "测试样例", "id_number": id_number(len(case_no))},
            "phone": "13800138000", "form": {}, "materials": [{"material_id": "M1", "name": "材料",
                                                                "pages": [{"attachment": n} for n in names]}],
            "missing": [], "signature": None, "assisted_by": None}
    return canonical({"protocol": PROTOCOL_VERSION, "record_id": case_no, "kind": "case", "case": body,
                      "attachments": [{"name": n, "sha256": blob_sha, "size": PAGE, "content_type": "image/jpeg"}
                                      for n in names]})


class Load:
    def __init__(self, url: str, secrets_by_terminal: dict[str, bytes], blob: bytes, pages: int, workers: int) -> None:
        self.url = url
        self.secrets = secrets_by_terminal
        self.blob = blob
        self.blob_sha = hashlib.sha256(blob).hexdigest()
        self.pages = pages
        self.latency = Latencies()
        self.jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self.local = threading.local()
        self.cases = 0
        self.heartbeats = 0
        self.counter_lock = threading.Lock()
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def _session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        session: requests.Session = self.local.session
        return session

    def _auth(self, terminal_id: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + make_token(self.secrets[terminal_id], terminal_id)}

    def _timed(self, endpoint: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        response = self._session().request(method, self.url + path, timeout=60, **kwargs)
        self.latency.add(endpoint, time.perf_counter() - started, response.status_code < 300)
        return response

    def heartbeat(self, terminal_id: str) -> None:
        body = {"terminal_id": terminal_id, "sent_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"), "version": "1.4.2",
                "uptime_s": 3600, "load_1m": 0.2, "disk_free_mb": 9000,
                "devices": {"idcard": "ok", "camera": "ok", "printer": "ok", "keypad": "ok"},
                "outbox": {"counts": {"queued": 1}, "oldest_queued_age_s": 12.0, "alarms": []}}
        self._timed("POST /v1/heartbeat", "POST", "/v1/heartbeat", json=body, headers=self._auth(terminal_id))
        with self.counter_lock:
            self.heartbeats += 1

    def case(self, terminal_id: str) -> None:
        case_no = f"{terminal_id}-{time.strftime('%Y%m%d')}-{secrets.token_hex(4)}"
        auth = self._auth(terminal_id)
        manifest = case_manifest(case_no, terminal_id, self.pages, self.blob_sha)
        base = f"/v1/records/{case_no}"
        self._timed("PUT manifest", "PUT", base, data=manifest,
                    headers={**auth, "Idempotency-Key": case_no, "Content-Type": "application/json"})
        for page in range(1, self.pages + 1):
            self._timed("PUT chunk (1 MB)", "PUT", f"{base}/attachments/m01-p{page:02d}.jpg", data=self.blob,
                        headers={**auth, "Content-Type": "application/octet-stream",
                                 "Content-Range": f"bytes 0-{PAGE - 1}/{PAGE}"})
        done = self._timed("POST complete", "POST", f"{base}/complete", headers=auth)
        if done.status_code == 200:
            with self.counter_lock:
                self.cases += 1

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            kind, terminal_id = job
            try:
                (self.heartbeat if kind == "heartbeat" else self.case)(terminal_id)
            except requests.RequestException:
                self.latency.add(f"{kind} (connection failed)", 0.0, False)
            finally:
                self.jobs.task_done()

    def run(self, seconds: float, heartbeat_every: float, case_every: float | None) -> float:
        """Schedule each terminal's events evenly over their periods; returns the seconds the phase took."""
        events: list[tuple[float, str, str]] = []
        terminals = sorted(self.secrets)
        for index, terminal_id in enumerate(terminals):
            offset = index / len(terminals)
            at = offset * heartbeat_every
            while at < seconds:
                events.append((at, "heartbeat", terminal_id))
                at += heartbeat_every
            if case_every:
                at = offset * case_every
                while at < seconds:
                    events.append((at, "case", terminal_id))
                    at += case_every
        events.sort()
        start = time.monotonic()
        for at, kind, terminal_id in events:
            delay = start + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # a load generator's clock: the schedule, not a wait for an event
            self.jobs.put((kind, terminal_id))
        self.jobs.join()
        return time.monotonic() - start

    def stop(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(title: str, load: Latencies, seconds: float) -> None:
    print(f"\n{title}: {sum(len(v) for v in load.seconds.values()) / seconds:.1f} requests/s over {seconds:.0f} s")
    print(f"  {'endpoint':<28}{'count':>8}{'failed':>8}{'p50 ms':>10}{'p99 ms':>10}")
    for endpoint, values in sorted(load.seconds.items()):
        print(f"  {endpoint:<28}{len(values):>8}{load.failures[endpoint]:>8}"
              f"{percentile(values, 50) * 1000:>10.1f}{percentile(values, 99) * 1000:>10.1f}")


def start_service(database: str, files: Path, folder: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "gov_central.cli", "--database", database, "--files", str(files),
               "--listen", "127.0.0.1:0"]
    with open(folder / "service.log", "w") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, cwd=REPO)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"listening on ([\d.]+):(\d+)", line)
    if not match:
        raise RuntimeError(f"service did not start: {line!r}; see {folder / 'service.log'}")
    return process, f"http://{match.group(1)}:{match.group(2)}"


def fleet_page_ms(url: str, database: str, tries: int = 5) -> list[float]:
    """The console's fleet page, as an operator loads it, with every terminal on it."""
    db = PostgresDatabase(database, pool_size=2)
    Operators(db).add("bench", "运维", "bench-password-123")
    db.close()
    session = requests.Session()
    session.post(f"{url}/console/login", data={"name": "bench", "password": "bench-password-123"}, timeout=30)
    times = []
    for _ in range(tries):
        started = time.perf_counter()
        page = session.get(f"{url}/console/fleet", timeout=60)
        page.raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--terminals", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--speed", type=float, default=10.0, help="heartbeat time compression (5 min / speed)")
    parser.add_argument("--case-every", type=float, default=120.0, help="seconds between a terminal's cases")
    parser.add_argument("--case-mb", type=int, default=3, help="attachment megabytes per case (1 MB each)")
    parser.add_argument("--workers", type=int, default=64, help="client threads")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="central-load-"))
    postgres = PostgresServer()
    service = None
    try:
        database = postgres.create_database("county")
        setup = PostgresDatabase(database, pool_size=4)
        registry = Registry(setup)
        started = time.perf_counter()
        terminal_secrets = {f"B{n:05d}": registry.enrol(f"B{n:05d}", registry.make_code(f"B{n:05d}", "bench")).encode()
                            for n in range(args.terminals)}
        print(f"enrolled {args.terminals} terminals in {time.perf_counter() - started:.1f} s")
        size_before = setup.size_bytes()
        service, url = start_service(database, folder / "files", folder)
        load = Load(url, terminal_secrets, os.urandom(PAGE), args.case_mb, args.workers)
        pids = [service.pid]
        heartbeat_every = 300.0 / args.speed

        cpu0 = (cpu_seconds(pids), cpu_seconds(postgres_pids(postgres.folder)))
        took = load.run(args.seconds, heartbeat_every, None)
        cpu1 = (cpu_seconds(pids), cpu_seconds(postgres_pids(postgres.folder)))
        beats = load.heartbeats
        report(f"phase 1, heartbeats every {heartbeat_every:.0f} s", load.latency, took)
        per_beat = [(b - a) / max(beats, 1) for a, b in zip(cpu0, cpu1, strict=True)]
        print(f"  CPU per heartbeat: service {per_beat[0] * 1000:.2f} ms, PostgreSQL {per_beat[1] * 1000:.2f} ms")

        load.latency, load.heartbeats = Latencies(), 0
        took = load.run(args.seconds, heartbeat_every, args.case_every)
        cpu2 = (cpu_seconds(pids), cpu_seconds(postgres_pids(postgres.folder)))
        report(f"phase 2, morning peak: + a case per terminal every {args.case_every:.0f} s, {args.case_mb} MB each",
               load.latency, took)
        per_case = [((c - b) - p * load.heartbeats) / max(load.cases, 1)
                    for b, c, p in zip(cpu1, cpu2, per_beat, strict=True)]
        print(f"  cases completed: {load.cases}; CPU per case: service {per_case[0]:.3f} s,"
              f" PostgreSQL {per_case[1]:.3f} s")
        load.stop()

        grown = setup.size_bytes() - size_before
        files = sum(f.stat().st_size for f in (folder / "files").rglob("*") if f.is_file())
        print(f"\ndatabase growth: {grown / 1e6:.1f} MB for {load.cases} cases and {args.terminals} terminals' rows"
              f" -> {grown / max(load.cases, 1) * 10000 / 1e6:.0f} MB per 10,000 cases (attachments apart:"
              f" {files / max(load.cases, 1) / 1e6:.1f} MB per case on the file system)")
        times = fleet_page_ms(url, database)
        print(f"console fleet page with {args.terminals} terminals: median {statistics.median(times):.0f} ms,"
              f" max {max(times):.0f} ms")
        setup.close()
    finally:
        if service is not None:
            service.terminate()
            service.wait(30)
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
