"""A real pcscd with vsmartcard's vpcd reader, private to this test session.

pcscd's socket path is fixed at build time (/run/pcscd), so the daemon runs in its own mount
namespace with a temporary folder bound over /run/pcscd; clients find it through
PCSCLITE_CSOCK_NAME. Its vpcd reader listens on a free port from a private reader.conf.d.
The fixture starts pcscd once per session and kills it at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
READER_PREFIX = "Virtual PCD"


@dataclass
class Pcscd:
    port: int
    reader: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _start(root: Path, conf: Path) -> tuple[subprocess.Popen[bytes], Path]:
    log = (root / "pcscd.log").open("wb")
    run = root / "run"
    run.mkdir()
    if os.geteuid() == 0:
        Path("/run/pcscd").mkdir(parents=True, exist_ok=True)
    # Not root: a user namespace maps us to root inside it, which may bind-mount in its own mount namespace.
    unshare = ["unshare", "--mount", "--propagation", "private"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    isolated = [*unshare, "sh", "-c", 'mount --bind "$0" /run/pcscd && exec pcscd -f -a -c "$1"', str(run), str(conf)]
    probe = subprocess.run([*unshare, "sh", "-c", "test -d /run/pcscd"], capture_output=True) \
        if shutil.which("unshare") else None
    if probe is not None and probe.returncode == 0:
        process = subprocess.Popen(isolated, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return process, run / "pcscd.comm"
    # No mount namespaces here: use the system socket path, which must then be free.
    if Path("/run/pcscd/pcscd.comm").exists():
        pytest.fail("cannot isolate pcscd (unshare refused) and another pcscd owns /run/pcscd")
    process = subprocess.Popen(["pcscd", "-f", "-a", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    return process, Path("/run/pcscd/pcscd.comm")


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    if not shutil.which("pcscd") or not VPCD_DRIVER.exists():
        pytest.skip("pcscd or vsmartcard-vpcd is not installed (bootstrap.sh installs both)")
    root = tmp_path_factory.mktemp("pcscd")
    port = _free_port()
    conf = root / "reader.conf.d"
    conf.mkdir()
    (conf / "vpcd").write_text(f'FRIENDLYNAME "{READER_PREFIX}"\nDEVICENAME /dev/null:{port}\n'
                               f"LIBPATH {VPCD_DRIVER}\nCHANNELID {port}\n")
    process, socket_path = _start(root, conf)
    os.environ["PCSCLITE_CSOCK_NAME"] = str(socket_path)
    try:
        wait_until(lambda: socket_path.exists() or process.poll() is not None, 60, "pcscd socket")
        if process.poll() is not None:
            pytest.fail(f"pcscd exited: {(root / 'pcscd.log').read_text()[-2000:]}")
        from drivers.smartcard.driver import list_readers
        wait_until(lambda: any(r.startswith(READER_PREFIX) for r in list_readers()), 60, "the vpcd reader")
        reader = next(r for r in list_readers() if r.startswith(READER_PREFIX))
        yield Pcscd(port, reader, root / "pcscd.log")
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
