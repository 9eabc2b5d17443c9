"""Pull API under hostile clients: prints the server's memory around a 400 MiB unauthenticated POST and how a
crowd of half-sent connections affects real requests (issue #17).

    .venv/bin/python bench/pull_api_limits.py                  # 1,100 half-sent connections, 400 MiB POST
    .venv/bin/python bench/pull_api_limits.py --crowd 300      # a quicker look

The pull API runs in its own process with the default ServerLimits and RLIMIT_NOFILE 1024, the
soft limit systemd gives a service, so "Too many open files" is reachable as on a kiosk.
"""

from __future__ import annotations

import argparse
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from sync.auth import make_token  # noqa: E402
from tests.sync.helpers import SECRET, TERMINAL_ID  # noqa: E402

MiB = 1024 * 1024


def serve(folder: str) -> None:
    """Child: the pull API over an outbox with one case, default limits, 1,024 descriptors."""
    import logging

    from sync import api
    from sync.httpserver import ServerThread
    from sync.outbox import Outbox
    from tests.sync.helpers import make_case

    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    outbox = Outbox(Path(folder), min_free_mb=10)
    outbox.submit(make_case(1))
    server = ServerThread(api.create_app(outbox, TERMINAL_ID, SECRET)).start()
    print(server.port, flush=True)
    sys.stdin.readline()


def rss_mb(pid: int) -> float:
    line = next(row for row in Path(f"/proc/{pid}/status").read_text().splitlines() if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def real_request(port: int) -> float:
    """Seconds for one authenticated listing (a timeout counts as 10 s)."""
    started = time.monotonic()
    try:
        answer = requests.get(f"http://127.0.0.1:{port}/v1/outbox", timeout=10,
                              headers={"Authorization": f"Bearer {make_token(SECRET, TERMINAL_ID)}"})
        answer.raise_for_status()
    except requests.RequestException:
        return 10.0
    return time.monotonic() - started


def big_post(port: int, pid: int) -> None:
    before = rss_mb(pid)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"POST /v1/outbox/T0001-1/ack HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {400 * MiB}\r\n\r\n".encode())
    sent, chunk = 0, b"x" * MiB
    try:
        while sent < 400 * MiB:
            sock.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    sock.close()
    print(f"400 MiB unauthenticated POST: server RSS {before:.0f} MB -> {rss_mb(pid):.0f} MB, "
          f"{sent / MiB:.0f} MiB accepted by the socket before the server closed it")


def crowd(port: int, count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 1024)), hard))
    baseline = [real_request(port) for _ in range(5)]
    socks = []
    started = time.monotonic()
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /v1/outbox HTTP/1.1\r\nHost: t\r\n")  # and never the end of the headers
        socks.append(sock)
    opened = time.monotonic() - started
    during = [real_request(port) for _ in range(20)]
    for sock in socks:
        sock.close()
    print(f"{count} half-sent connections opened in {opened:.1f} s; real requests: before median "
          f"{statistics.median(baseline) * 1000:.1f} ms, during median {statistics.median(during) * 1000:.1f} ms, "
          f"max {max(during) * 1000:.1f} ms, failed {sum(d >= 10 for d in during)}/20")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crowd", type=int, default=1100)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    with tempfile.TemporaryDirectory() as folder:
        child = subprocess.Popen([sys.executable, __file__, "--serve", f"{folder}/terminal"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
        try:
            assert child.stdout is not None
            port = int(child.stdout.readline())
            big_post(port, child.pid)
            crowd(port, args.crowd)
        finally:
            child.kill()
            _, log = child.communicate()
        lines = log.splitlines()
        print(f"server log: {len(lines)} lines, {len(log)} bytes, tracebacks: {log.count('Traceback')}")


if __name__ == "__main__":
    main()
