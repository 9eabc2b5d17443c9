"""The outbox's memory of itself, kept apart from its database: every record id it ever accepted.

`outbox.ledger` sits in the data folder beside the `outbox/` folder. Its first line marks that an
outbox exists here; then one record id per line, appended and fsync'd right after the record's
row commits. So a deleted or emptied database, a WAL frame SQLite silently dropped, or an old
copy put back is seen as what it is -- cases with case numbers missing -- instead of an empty,
healthy-looking outbox. Record ids (case numbers) are not personal data.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from terminal.safewrite import write_atomic

HEADER = b"gov-terminal outbox ledger 1\n"


class Ledger:
    """Append-only list of record ids; a torn last line (power cut) is cut off at open."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def create(self, record_ids: Iterable[str] = ()) -> None:
        write_atomic(self.path, HEADER + b"".join(f"{rid}\n".encode("ascii") for rid in record_ids))

    def record_ids(self, *, repair: bool = True) -> set[str]:
        """Every id in the ledger. With `repair`, a torn last line left by a power cut is removed
        (its record committed before the append, so the database still names it)."""
        data = self.path.read_bytes()
        if not data.startswith(HEADER):
            raise ValueError(f"{self.path} is not an outbox ledger")
        end = data.rfind(b"\n") + 1
        if end < len(data) and repair:
            os.truncate(self.path, end)
        return {line.decode("ascii", "replace") for line in data[len(HEADER):end].split(b"\n") if line}

    def append(self, record_ids: Iterable[str]) -> None:
        """Add ids durably (one write and one fsync for all of them)."""
        lines = b"".join(f"{rid}\n".encode("ascii") for rid in record_ids)
        if not lines:
            return
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            view = memoryview(lines)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
