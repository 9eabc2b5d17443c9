"""Shared pieces of the fault suite: the `terminal` command in a child process, a configuration
for a data folder, and small real file systems (tmpfs) that can be filled or made read-only."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.conftest import central  # noqa: F401 - the reference platform, for fault tests that deliver

REPO = Path(__file__).resolve().parents[2]


def write_config(path: Path, data_dir: Path, extra: str = "") -> Path:
    """A minimal terminal.toml whose data folder is `data_dir`."""
    path.write_text(f'[terminal]\nid = "T0001"\n\n[storage]\ndata_dir = "{data_dir}"\nmin_free_mb = 10\n{extra}',
                    encoding="utf-8")
    return path


def run_terminal(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`terminal --config CONFIG ARGS...` as the technician runs it; output captured as text."""
    return subprocess.run([sys.executable, "-m", "terminal", "--config", str(config), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]


class SmallDisk:
    """A tmpfs of a fixed size mounted on a folder; `fill()` takes every free byte, `read_only()` remounts."""

    def __init__(self, mountpoint: Path) -> None:
        self.path = mountpoint

    def fill(self) -> Path:
        """Write a filler file until the file system refuses (100 % full); returns the filler."""
        filler = self.path / f"filler-{uuid.uuid4().hex[:8]}"
        with open(filler, "wb", buffering=0) as fh:
            for size in (1 << 20, 1 << 12, 1):
                try:
                    while True:
                        fh.write(b"\0" * size)
                except OSError:
                    continue
        return filler

    def read_only(self, on: bool = True) -> None:
        subprocess.run(["mount", "-o", f"remount,{'ro' if on else 'rw'}", str(self.path)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SmallDisk]:
    """A 16 MB tmpfs (or the size a `@pytest.mark.parametrize("small_disk", ["4m"], indirect=True)` asks for)."""
    size = getattr(request, "param", "16m")
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mountpoint)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield SmallDisk(mountpoint)
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)
