"""Fabricated cases and real servers for the sync tests (also used by bench/sync.py)."""

from __future__ import annotations

import hashlib
import os
import random
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from terminal.cases import Case, CaseKind, Material, Page
from terminal.identity import Identity

if TYPE_CHECKING:
    from sync.outbox import Outbox

SECRET = b"test-shared-secret-0123456789abcdef"
TERMINAL_ID = "T0001"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(serial: int) -> str:
    """A fabricated 18-digit ID number with a valid GB 11643 check digit."""
    body = f"419001199001{serial % 10000:04d}{serial % 10:1d}"[:17].ljust(17, "0")
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def fake_jpeg(seed: str, size: int) -> bytes:
    """Deterministic incompressible bytes that start like a JPEG (the outbox does not decode them)."""
    rng = random.Random(seed)
    return b"\xff\xd8\xff\xe0" + rng.randbytes(size - 4)


def make_case(n: int, pages: int = 2, page_bytes: int = 20_000, terminal_id: str = TERMINAL_ID) -> Case:
    person = Identity(card_type="resident", name="测试样例", sex="男", nation="汉", birth=date(1990, 1, 1),
                      address="河南省济源市示范路1号", id_number=id_number(n), authority="济源市公安局",
                      valid_from=date(2020, 1, 1), valid_to=None)
    material = Material("M1", "身份证复印件",
                        tuple(Page(fake_jpeg(f"{n}-{p}", page_bytes), 1654, 2339) for p in range(pages)))
    return Case(case_no=f"{terminal_id}-20270101-{n:05d}", terminal_id=terminal_id, region="jiyuan",
                item_id="JY-001", item_name="户口登记", department="公安局", kind=CaseKind.PROMISED,
                submitted_at=datetime(2027, 1, 1, 9, 0, n % 60), promised_date=date(2027, 1, 8), applicant=person,
                phone="13800138000", form={"reason": "测试"}, materials=(material,), signature_png=b"\x89PNG-sig")


def write_secret(path: Path, secret: bytes = SECRET) -> Path:
    path.write_bytes(secret + b"\n")
    os.chmod(path, 0o600)
    return path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_file(outbox: Outbox, record_id: str, name: str) -> Path:
    """Where the outbox keeps one attachment of a record (sealed)."""
    row = outbox._query("SELECT a.sha256, r.data_key FROM attachments a JOIN records r USING (record_id)"
                        " WHERE a.record_id = ? AND a.name = ?", (record_id, name))[0]
    return outbox._file_path(record_id, row["sha256"], row["data_key"])
