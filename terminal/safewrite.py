"""Crash-safe file writes, in one place: a file is either its old content or its new content, never half-written.

Order matters on power loss: write a temporary file, fsync it, rename it over the final name, then
fsync the folder so the rename itself is on disk. Every file that must survive a power cut goes
through `write_atomic`: the outbox's records and keys, the technician key store, the scanner's PDF,
the case index, installed catalogs. tests/test_safewrite.py kills writers with SIGKILL to prove it.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

TMP_SUFFIX = ".tmp"


def fsync_dir(folder: Path) -> None:
    """Make the names in `folder` (a rename, a new file) durable, not only the files' bytes."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temporary_name(path: Path) -> Path:
    """A hidden sibling name that `remove_temporaries` sweeps if a crash leaves it behind."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{TMP_SUFFIX}")


def _write_temporary(path: Path, data: bytes, mode: int) -> Path:
    """`data` in a new hidden sibling of `path`, fsync'd; nothing is left behind on any error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    return tmp


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600, sync_folder: bool = True) -> None:
    """Write `data` to `path` durably; on any error the old file (or no file) stays and no temp is left.

    With `sync_folder=False` the caller fsyncs the folder itself, once for several files.
    """
    tmp = _write_temporary(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_folder:
        fsync_dir(path.parent)


def write_once(path: Path, data: bytes, *, mode: int = 0o600) -> bool:
    """Create `path` holding `data` unless it exists (then it is left alone); True when this call made it.

    For keys made on first use: two processes starting together both end up reading the one key
    that won, complete, and a crash never leaves a short key behind.
    """
    tmp = _write_temporary(path, data, mode)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def remove_temporaries(folder: Path, older_than_seconds: float = 60.0) -> int:
    """Delete temp files a crash left behind; returns how many.

    Young ones are left alone: they may belong to a write still running in another process.
    """
    removed = 0
    cutoff = time.time() - older_than_seconds
    if folder.is_dir():
        for leftover in folder.glob(f".*{TMP_SUFFIX}"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
    return removed
