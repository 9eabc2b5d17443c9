"""`terminal diag printer` and `terminal diag keypad` through the real CLI against the simulators."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from drivers.printer.simulator import PrinterSimulator
from terminal.cli import main


def run_diag(capsys: pytest.CaptureFixture[str], config_file: Path, *args: str) -> tuple[int, dict]:
    """`terminal --config FILE diag ARGS --json`, in-process; the exit code and the one check's JSON."""
    code = main(["--config", str(config_file), "diag", *args, "--json"])
    report = json.loads(capsys.readouterr().out)
    return code, report["checks"][0]


@pytest.fixture
def fast_config(tmp_path: Path) -> Path:
    """Short device timeouts, so silent devices are found out quickly."""
    path = tmp_path / "terminal.toml"
    path.write_text("[timeouts]\ndevice_seconds = 0.4\n", encoding="utf-8")
    return path


@pytest.fixture
def diag(capsys: pytest.CaptureFixture[str], fast_config: Path) -> Callable[..., tuple[int, dict]]:
    return lambda *args: run_diag(capsys, fast_config, *args)


@pytest.fixture
def printer_sim() -> Iterator[PrinterSimulator]:
    with PrinterSimulator(576) as sim:
        yield sim


def test_diag_printer_is_status_only_by_default(diag: Callable[..., tuple[int, dict]],
                                                printer_sim: PrinterSimulator) -> None:
    address = f"tcp://127.0.0.1:{printer_sim.start_tcp()}"
    code, check = diag("printer", "--device", address)
    assert code == 0 and check["status"] == "ok"
    details = check["details"]
    assert (details["online"], details["cover_open"], details["paper"], details["printed"]) == (True, False, "ok", False)
    assert b"\x1b@" not in bytes(printer_sim.received)  # nothing printed


def test_diag_printer_test_page_prints_and_saves_png(diag: Callable[..., tuple[int, dict]], tmp_path: Path,
                                                     printer_sim: PrinterSimulator) -> None:
    out = tmp_path / "test-page.png"
    code, check = diag("printer", "--device", printer_sim.start_pty(), "--test-page", "--out", str(out))
    assert code == 0 and check["details"]["printed"] is True and printer_sim.printer.paper.cuts == 1
    assert any("打印机测试页" == line.text for line in printer_sim.printer.paper.lines)
    assert zxingcpp.read_barcodes(Image.open(out))


@pytest.mark.parametrize("fault, status, paper, code", [("paper_near_end", "warning", "near_end", 0),
                                                         ("paper_end", "fault", "out", 1),
                                                         ("cover_open", "fault", "ok", 1),
                                                         ("no_answer", "fault", "unknown", 1),
                                                         ("garbage", "fault", "unknown", 1)])
def test_diag_printer_reports_each_state(diag: Callable[..., tuple[int, dict]], printer_sim: PrinterSimulator,
                                         fault: str, status: str, paper: str, code: int) -> None:
    printer_sim.set_faults(fault)
    result, check = diag("printer", "--device", f"tcp://127.0.0.1:{printer_sim.start_tcp()}")
    assert (result, check["status"], check["details"]["paper"]) == (code, status, paper)


def test_diag_printer_test_page_refused_without_paper(diag: Callable[..., tuple[int, dict]]) -> None:
    code, check = diag("printer", "--device", "sim?fault=paper_end", "--test-page")
    assert code == 1 and check["details"]["printed"] is False and "没有打印" in check["summary"]


def test_diag_printer_absent(diag: Callable[..., tuple[int, dict]]) -> None:
    _code, check = diag("printer", "--device", "/dev/ttyNOSUCHPRINTER")
    assert check["status"] == "absent" and check["details"]["paper"] == "unknown"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("kind, section", [("printer", "printer"), ("keypad", "keypad")])
def test_diag_json_is_not_ok_when_a_configured_device_is_unplugged(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str, section: str) -> None:
    """#17: a configured (not simulated) device that is missing is a failure: ok false, exit 1."""
    address = f"tcp://127.0.0.1:{_closed_port()}" if kind == "printer" else "/dev/ttyNOSUCHKEYPAD"
    config_file = tmp_path / "terminal.toml"
    config_file.write_text(f'[timeouts]\ndevice_seconds = 0.4\n[devices.{section}]\naddress = "{address}"\n',
                           encoding="utf-8")
    code = main(["--config", str(config_file), "diag", kind, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["checks"][0]["status"] == "absent"
    assert report["ok"] is False and code == 1


def test_diag_json_stays_ok_for_a_simulated_device(capsys: pytest.CaptureFixture[str], fast_config: Path) -> None:
    code = main(["--config", str(fast_config), "diag", "printer", "--json"])
    assert json.loads(capsys.readouterr().out)["ok"] is True and code == 0
