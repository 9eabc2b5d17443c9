"""Safe writes under kill -9: every must-survive file is its old content or its new content, never partial.

A child process writes in a loop and reports each finished write on stdout; the parent kills it with
SIGKILL after a varying number of writes (so mostly in the middle of the next one) and then reads
the file. Real files, real processes, the real call sites (technician key store, scanner PDF, case
index key) as well as the helper itself.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from terminal.safewrite import TMP_SUFFIX, remove_temporaries, write_atomic, write_once

KILLS = 12


def kill_while_writing(child_code: str, folder: Path, check: Callable[[], None], seed: int) -> None:
    """Run `child_code` (its loop prints a line per finished write) KILLS times, SIGKILL it, then `check()`."""
    chance = random.Random(seed)
    for _ in range(KILLS):
        child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(child_code), str(folder)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        for _ in range(chance.randint(1, 4)):
            assert child.stdout.readline(), "the writer died before it was killed"
        time.sleep(chance.uniform(0, 0.03))  # not a wait for anything: it spreads the kill over the next write
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        check()


def test_write_atomic_old_or_new_under_kill(tmp_path: Path) -> None:
    old, new = b"o" * 3_000_000, b"n" * 3_000_001
    target = tmp_path / "file.bin"
    write_atomic(target, old)
    code = """
        import sys
        from pathlib import Path
        from terminal.safewrite import write_atomic
        target = Path(sys.argv[1]) / "file.bin"
        while True:
            for data in (b"n" * 3_000_001, b"o" * 3_000_000):
                write_atomic(target, data)
                print("written", flush=True)
    """

    def check() -> None:
        assert target.read_bytes() in (old, new)

    kill_while_writing(code, tmp_path, check, seed=1)
    assert target.stat().st_mode & 0o777 == 0o600


def test_write_atomic_leaves_no_temporary_on_error(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.bin"
    write_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]  # the mistake under test
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]


def test_temporaries_a_kill_leaves_are_swept_when_old(tmp_path: Path) -> None:
    young, old = tmp_path / f".a.bin.1234{TMP_SUFFIX}", tmp_path / f".b.bin.5678{TMP_SUFFIX}"
    young.write_bytes(b"x")
    old.write_bytes(b"x")
    os.utime(old, (0, 0))
    assert remove_temporaries(tmp_path, older_than_seconds=60) == 1
    assert young.exists() and not old.exists()


def test_write_once_keeps_the_first_and_never_a_short_file(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "k.key"
    assert write_once(key, b"first") is True
    assert write_once(key, b"second") is False
    assert key.read_bytes() == b"first"
    assert [p.name for p in key.parent.iterdir()] == ["k.key"]


def test_technician_key_store_old_or_new_under_kill(tmp_path: Path) -> None:
    """Every save of `technician_cards.json` (here: failed PIN logins counted) leaves whole JSON."""
    store = tmp_path / "technician_cards.json"
    code = """
        import sys
        from pathlib import Path
        from drivers.smartcard.technician import LockoutPolicy, TechnicianAuth, WrongPin
        auth = TechnicianAuth(Path(sys.argv[1]) / "technician_cards.json", scrypt_n=2 ** 4,
                              policy=LockoutPolicy(free_attempts=10 ** 9))
        auth.set_pin_only("123456")
        print("enrolled", flush=True)
        while True:
            try:
                auth.verify_pin_only("654321")
            except WrongPin:
                print("failure saved", flush=True)
    """
    seen_failures: list[int] = []

    def check() -> None:
        saved = json.loads(store.read_text())
        assert saved["pin_only"]["label"] == "technician"
        assert saved["failures"] >= (seen_failures[-1] if seen_failures else 0)
        seen_failures.append(saved["failures"])

    kill_while_writing(code, tmp_path, check, seed=2)
    assert store.stat().st_mode & 0o777 == 0o600


def test_scanner_pdf_old_or_new_under_kill(tmp_path: Path) -> None:
    code = """
        import sys
        from pathlib import Path
        import cv2, numpy as np
        from terminal.scanner.encode import write_pdf
        def page(seed):
            noise = np.random.RandomState(seed).randint(0, 256, (900, 700, 3), dtype=np.uint8)
            return cv2.imencode(".jpg", noise, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
        pages = {seed: [page(seed), page(seed + 10)] for seed in (1, 2)}
        while True:
            for seed in (1, 2):
                write_pdf(Path(sys.argv[1]) / "material.pdf", pages[seed])
                print("written", flush=True)
    """
    import cv2
    import numpy as np

    from terminal.scanner.encode import pdf_from_jpegs

    def page(seed: int) -> bytes:
        noise = np.random.RandomState(seed).randint(0, 256, (900, 700, 3), dtype=np.uint8)
        return bytes(cv2.imencode(".jpg", noise, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes())

    wholes = {pdf_from_jpegs([page(seed), page(seed + 10)]) for seed in (1, 2)}
    assert min(len(w) for w in wholes) > 500_000  # big enough to be caught half-written by a plain write

    def check() -> None:
        assert (tmp_path / "material.pdf").read_bytes() in wholes

    kill_while_writing(code, tmp_path, check, seed=3)


def test_readiness_report_old_or_new_under_kill(tmp_path: Path) -> None:
    """`terminal diag report --out` on a USB stick: each of the two files is a whole report."""
    code = """
        import sys
        from pathlib import Path
        from terminal.assembly.report import write_report
        terminal = {"id": "T0001", "name": "终端", "center_name": "示范镇", "region": "jiyuan", "version": "0"}
        check = {"device": "system", "status": "ok", "summary": "ok", "details": {"padding": "x" * 2_000_000}}
        reports = [{"terminal": terminal, "generated_at": "2026-01-01T00:00:00+00:00", "ok": ok,
                    "checks": [check], "events": []} for ok in (True, False)]
        while True:
            for report in reports:
                write_report(report, Path(sys.argv[1]) / "report.json")
                print("written", flush=True)
    """

    def check() -> None:
        if (tmp_path / "report.json").exists():
            saved = json.loads((tmp_path / "report.json").read_text())
            assert saved["checks"][0]["details"]["padding"] == "x" * 2_000_000
        if (tmp_path / "report.html").exists():
            assert (tmp_path / "report.html").read_text().rstrip().endswith("</html>")

    kill_while_writing(code, tmp_path, check, seed=5)


def test_case_index_key_whole_or_absent_under_kill(tmp_path: Path) -> None:
    """The case index makes its hashing key on first use: a kill leaves no key or all 32 bytes of it."""
    code = """
        import sys
        from itertools import count
        from pathlib import Path
        from terminal.case_index import CaseIndex
        for n in count():
            CaseIndex(Path(sys.argv[1]) / str(n), retention_days=30)
            print("created", flush=True)
    """

    def check() -> None:
        for data_dir in tmp_path.iterdir():
            key = data_dir / "keys" / "case-index.key"
            assert not key.exists() or len(key.read_bytes()) == 32

    kill_while_writing(code, tmp_path, check, seed=4)
