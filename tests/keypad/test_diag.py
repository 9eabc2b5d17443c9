"""`terminal diag keypad` through the real CLI against the keypad simulator on a pty."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.keypad.simulator import KeypadSimulator
from tests.printer.test_diag import run_diag

Diag = Callable[..., tuple[int, dict]]


@pytest.fixture
def diag(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Diag:
    path = tmp_path / "terminal.toml"
    path.write_text("[timeouts]\ndevice_seconds = 0.4\n", encoding="utf-8")
    return lambda *args: run_diag(capsys, path, *args)


def test_diag_keypad_hello_led_beep_and_one_key(diag: Diag) -> None:
    with KeypadSimulator() as sim:
        path = sim.start_pty()

        def press_when_asked() -> None:
            while not sim.commands.get(timeout=5).startswith(b"BEEP"):
                pass
            sim.press(4)

        presser = threading.Thread(target=press_when_asked)
        presser.start()
        code, check = diag("keypad", "--device", path, "--read")
        presser.join()
    assert code == 0 and check["status"] == "ok"
    assert check["details"]["model"] == "RK5SIM" and check["details"]["led_test"] and check["details"]["beep_test"]
    assert (check["details"]["key"], check["details"]["rating"]) == (4, "不满意")


def test_diag_keypad_silent_is_a_fault(diag: Diag) -> None:
    code, check = diag("keypad", "--device", "sim?fault=no_answer")
    assert code == 1 and check["status"] == "fault"
