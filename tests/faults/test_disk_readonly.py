"""A read-only data partition: diag says so, checks still work, `sync serve` reports instead of crashing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sync.outbox import Outbox, OutboxReadOnly
from tests.faults.conftest import REPO, SmallDisk, assert_no_traceback, run_terminal, write_config
from tests.sync.helpers import make_case


def test_read_only_partition_is_a_fault_and_nothing_crashes(small_disk: SmallDisk) -> None:
    data = small_disk.path / "data"
    box = Outbox(data, min_free_mb=0)
    box.submit(make_case(1))
    box.submit(make_case(2))
    box.close()
    config = write_config(small_disk.path.parent / "terminal.toml", data)
    small_disk.read_only()
    try:
        box = Outbox(data, min_free_mb=0)
        assert box.read_only and box.verify().ok and len(box.records()) == 2
        acceptance = box.can_accept()
        assert not acceptance.ok and "只读" in acceptance.reason_zh
        with pytest.raises(OutboxReadOnly):
            box.submit(make_case(3))
        box.close()
        diag = run_terminal(config, "diag", "outbox")
        assert diag.returncode == 1 and "fault" in diag.stdout and "只读" in diag.stdout
        for command in (("outbox", "verify"), ("outbox", "list"), ("sync", "status")):
            result = run_terminal(config, *command)
            assert_no_traceback(result)
            assert result.returncode == (1 if command == ("sync", "status") else 0), command
        serve = subprocess.Popen([sys.executable, "-m", "terminal", "--config", str(config), "sync", "serve"],
                                 cwd=REPO, stderr=subprocess.PIPE, text=True)
        try:
            lines = []
            for line in serve.stderr:  # until the service has said why it does not push
                lines.append(line)
                if "sync.read_only" in line or "Traceback" in line:
                    break
            assert serve.poll() is None, "".join(lines)
        finally:
            serve.send_signal(signal.SIGTERM)
            rest = serve.communicate(timeout=30)[1]
        assert "Traceback" not in "".join(lines) + rest
        assert serve.returncode == 0
    finally:
        small_disk.read_only(False)


def test_the_kiosk_session_starts_on_a_read_only_partition_and_says_it_takes_no_new_cases(
        small_disk: SmallDisk) -> None:
    from terminal import config as config_module
    from terminal.assembly.kiosk import make_session
    from terminal.session import IntakeClosed, State

    data = small_disk.path / "data"
    config = config_module.load(write_config(small_disk.path.parent / "terminal.toml", data))
    Outbox(data, min_free_mb=0).close()
    small_disk.read_only()
    try:
        session = make_session(config)  # the case-number counter cannot be opened: still no traceback
        assert "只读" in session.intake_refusal
        session.start_application()
        session.choose_item(next(item for item in session.catalog.items if item.guide is not None))
        with pytest.raises(IntakeClosed) as closed:
            session.begin_identify()
        assert closed.value.for_people() and session.state is State.GUIDE
    finally:
        small_disk.read_only(False)


def test_terminal_run_reaches_its_home_screen_on_a_read_only_partition(small_disk: SmallDisk, tmp_path: Path) -> None:
    """First start on a partition that went read-only: no case-index key, no counter, no event file
    can be made; the kiosk still comes up (and its home screen says it takes no new cases)."""
    data = small_disk.path / "data"
    Outbox(data, min_free_mb=0).close()
    config = write_config(small_disk.path.parent / "terminal.toml", data)
    small_disk.read_only()
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(90)
    env = dict(os.environ, KIVY_HOME=str(tmp_path / "kivy"), KIVY_NO_CONSOLELOG="1", KIVY_NO_ARGS="1",
               NOTIFY_SOCKET=str(tmp_path / "notify"))
    kiosk = subprocess.Popen([sys.executable, "-m", "terminal", "--config", str(config), "run", "--simulate",
                              "--windowed"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        ready = notify.recv(4096)
    finally:
        kiosk.kill()
        errors = kiosk.communicate(timeout=30)[1].decode("utf-8", "replace")
        notify.close()
        small_disk.read_only(False)
    assert ready.startswith(b"READY=1"), errors
    assert "Traceback" not in errors
