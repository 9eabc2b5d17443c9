"""Configuration: defaults, the example file, refusals that name key, value and what is allowed."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from terminal import config
from terminal.devices import parse_address
from terminal.errors import ConfigError


def test_defaults_are_all_simulated() -> None:
    cfg = config.load(None)
    for kind in ("idcard", "smartcard", "camera", "printer", "keypad"):
        assert getattr(cfg.devices, kind).address.is_simulated


def test_example_file_loads(repo: Path) -> None:
    cfg = config.load(repo / "docs" / "terminal.example.toml")
    assert cfg.terminal.id == "JY0101"
    assert cfg.devices.idcard.address.serial_url() == "/dev/terminal-idcard"
    assert cfg.devices.smartcard.address.target == "ACS ACR39U ICC Reader 00 00"
    assert cfg.devices.printer.address.scheme == "serial"
    assert cfg.devices.keypad.address.baud == 9600
    assert cfg.calendar.extra_holidays == (date(2027, 10, 8),)


def test_environment_variable_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[terminal]\nregion = "yanshi"\n', encoding="utf-8")
    monkeypatch.setenv(config.ENV_VAR, str(path))
    assert config.load().terminal.region == "yanshi"


@pytest.mark.parametrize(("data", "words"), [
    ({"terminal": {"region": "luoyang"}}, ["terminal.region", "'luoyang'", "jiyuan, yanshi"]),
    ({"terminl": {}}, ["terminl", "allowed here", "terminal"]),
    ({"terminal": {"colour": "red"}}, ["terminal.colour", "center_name"]),
    ({"terminal": {"id": "t-1"}}, ["terminal.id", "'t-1'", "[A-Z0-9]"]),
    ({"timeouts": {"idle_seconds": 5}}, ["timeouts.idle_seconds", "5", "at least 15"]),
    ({"timeouts": {"idle_seconds": "90"}}, ["timeouts.idle_seconds", "whole number"]),
    ({"display": {"fullscreen": "yes"}}, ["display.fullscreen", "true or false"]),
    ({"devices": {"printer": {"paper_width_mm": 76}}}, ["paper_width_mm", "76", "58, 80"]),
    ({"devices": {"camera": {"address": "tcp://10.0.0.1:9100"}}}, ["devices.camera.address", "camera", "tcp"]),
    ({"devices": {"idcard": {"address": "ttyUSB0"}}}, ["devices.idcard.address", "ttyUSB0"]),
    ({"calendar": {"extra_holidays": ["2027-13-01"]}}, ["calendar.extra_holidays[0]", "date"]),
    ({"devices": "sim"}, ["devices", "table"]),
])
def test_bad_values_are_refused_with_what_is_allowed(data: dict, words: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        config.from_dict(data)
    for word in words:
        assert word in str(info.value)


def test_invalid_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[terminal\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        config.load(tmp_path / "nope.toml")


@pytest.mark.parametrize(("text", "scheme", "target"), [
    ("sim", "sim", ""),
    ("/dev/ttyUSB0", "serial", "/dev/ttyUSB0"),
    ("serial:///dev/ttyACM1?baud=9600", "serial", "/dev/ttyACM1"),
    ("tcp://192.0.2.7:9100", "tcp", "192.0.2.7:9100"),
    ("usb://0483:5750", "usb", "0483:5750"),
    ("pcsc://Virtual PCD 00 00", "pcsc", "Virtual PCD 00 00"),
    ("camera://0", "camera", "0"),
    ("camera:///dev/video2", "camera", "/dev/video2"),
    ("file:///srv/pages", "file", "/srv/pages"),
])
def test_address_forms(text: str, scheme: str, target: str) -> None:
    address = parse_address(text)
    assert (address.scheme, address.target, str(address)) == (scheme, target, text)


def test_address_details() -> None:
    assert parse_address("sim?fault=paper_end,cover_open").faults == {"paper_end", "cover_open"}
    assert parse_address("usb://0483:5750").usb_ids == (0x0483, 0x5750)
    assert parse_address("tcp://printer.local:9100").host_port == ("printer.local", 9100)
    assert parse_address("tcp://127.0.0.1:9").serial_url() == "socket://127.0.0.1:9"
    for bad in ("", "tcp://nohost", "usb://zz:01", "camera://front", "pcsc://", "serial://relative", "http://x"):
        with pytest.raises(ConfigError):
            parse_address(bad)


def test_simulate_replaces_every_device(repo: Path) -> None:
    cfg = config.with_simulated_devices(config.load(repo / "docs" / "terminal.example.toml"))
    assert all(getattr(cfg.devices, k).address.is_simulated for k in ("idcard", "camera", "printer", "keypad"))
    assert cfg.terminal.id == "JY0101"


def test_every_key_is_documented(repo: Path) -> None:
    text = (repo / "docs" / "configuration.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^### \[([a-z0-9_.]+)\]", text, re.M))
    for key, _field, _kind in config.iter_keys():
        section, name = key.rsplit(".", 1)
        assert section in sections, f"section [{section}] missing from docs/configuration.md"
        assert f"| `{name}` |" in text, f"{key} missing from docs/configuration.md"
