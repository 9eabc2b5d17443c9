"""The key ring is never made anew where sealed data exists; a missing or broken key file is a fault with words."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sync.keys import Keyring, KeyringFault
from sync.outbox import Outbox
from tests.faults.conftest import assert_no_traceback, run_terminal, write_config
from tests.sync.helpers import make_case

COMMANDS = (("outbox", "verify"), ("outbox", "list"), ("sync", "status"), ("diag", "outbox"), ("sync", "serve"),
            ("outbox", "rotate-key"))


def _outbox_with_cases(data: Path) -> Path:
    box = Outbox(data, min_free_mb=10)
    box.submit(make_case(1))
    box.submit(make_case(2))
    box.close()
    return data / "keys" / "outbox.key"


@pytest.mark.parametrize("damage", ["deleted", "empty", "garbage", "wrong shape"])
def test_missing_or_broken_key_file_is_a_fault_and_never_replaced(tmp_path: Path, damage: str) -> None:
    data = tmp_path / "data"
    key_file = _outbox_with_cases(data)
    backup = tmp_path / "outbox.key.backup"
    shutil.copy2(key_file, backup)
    broken = {"deleted": None, "empty": b"", "garbage": b"\xff\xfe not json at all",
              "wrong shape": b'{"current": "k1", "keys": {"k1": "c2hvcnQ="}}'}[damage]
    if broken is None:
        key_file.unlink()
    else:
        key_file.write_bytes(broken)
    with pytest.raises(KeyringFault) as info:
        Outbox(data, min_free_mb=10)
    assert "密钥文件丢失或损坏" in info.value.for_people() and "备份" in info.value.for_people()
    config = write_config(tmp_path / "terminal.toml", data)
    for command in COMMANDS if damage == "deleted" else COMMANDS[::5]:
        result = run_terminal(config, *command)
        assert result.returncode != 0, command
        assert_no_traceback(result)
        assert "密钥" in result.stdout + result.stderr, command
    assert (not key_file.exists()) if broken is None else key_file.read_bytes() == broken  # never regenerated
    shutil.copy2(backup, key_file)  # the technician restores the backup: everything opens again
    restored = Outbox(data, min_free_mb=10)
    assert restored.verify().ok and restored.stats().counts["queued"] == 2


def test_a_fresh_outbox_makes_its_key_once(tmp_path: Path) -> None:
    Outbox(tmp_path, min_free_mb=10).close()
    (tmp_path / "keys" / "outbox.key").unlink()
    with pytest.raises(KeyringFault):  # the ledger says an outbox existed here, with this key
        Outbox(tmp_path, min_free_mb=10)
    assert Keyring.create(tmp_path / "k" / "ring.key").key_ids == ["k1"]


@pytest.mark.parametrize("replacement", ["another key", "older backup without the rotated key"])
def test_a_wrong_key_file_is_a_fault_not_unreadable_records(tmp_path: Path, replacement: str) -> None:
    key_file = _outbox_with_cases(tmp_path)
    right = key_file.read_bytes()
    if replacement == "another key":
        key_file.unlink()
        Keyring.create(key_file)
    else:
        box = Outbox(tmp_path, min_free_mb=10)
        box.keys.rotate()
        box.submit(make_case(3))  # sealed under k2
        box.close()
        right = key_file.read_bytes()
        key_file.write_bytes(_ring_without(right, "k2"))
    with pytest.raises(KeyringFault) as info:
        Outbox(tmp_path, min_free_mb=10)
    assert "备份" in info.value.for_people()
    key_file.write_bytes(right)
    assert Outbox(tmp_path, min_free_mb=10).verify().ok


def _ring_without(ring: bytes, key_id: str) -> bytes:
    data = json.loads(ring)
    data["keys"].pop(key_id)
    data["current"] = "k1"
    return json.dumps(data).encode()
