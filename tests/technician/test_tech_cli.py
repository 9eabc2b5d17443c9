"""`terminal tech`: PINs enrolled from standard input end up hashed in the data folder, never in clear."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest

from drivers.smartcard.technician import TechnicianAuth
from terminal import cli


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    conf = tmp_path / "terminal.toml"
    conf.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[technician]\nallow_pin_only = true\n')
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(["--config", str(conf), "tech", *args])


def test_enroll_pin_stores_a_salted_hash_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, monkeypatch, "enroll-pin", "--pin-stdin", stdin="24681357\n") == 0
    store = tmp_path / "data" / "technician_cards.json"
    assert "24681357" not in store.read_text()
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert json.loads(store.read_text())["pin_only"]["pin"]["kdf"] == "scrypt"
    TechnicianAuth(store).verify_pin_only("24681357")  # raises if the stored hash does not match
    assert run(tmp_path, monkeypatch, "list") == 0
    assert "allowed" in capsys.readouterr().out


def test_weak_pin_and_no_card_are_refused_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, monkeypatch, "enroll-pin", "--pin-stdin", stdin="1234\n") == 2
    assert "6到12位数字" in capsys.readouterr().err
    assert run(tmp_path, monkeypatch, "enroll-card", "--label", "team-1", "--pin-stdin", stdin="24681357\n") == 2
    assert "技术人员卡" in capsys.readouterr().err
    assert run(tmp_path, monkeypatch, "revoke", "00ff") == 2
