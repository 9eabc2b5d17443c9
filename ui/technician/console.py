"""What every technician view needs, in one small module the views and the mode both import.

`Console` is the part of `TechnicianMode` a view may use (its theme, configuration, gate, the
device port, and navigation), so views never import the mode and the mode imports the views at
the top: no import cycle hides inside functions. `background` runs work off the UI thread and
hands the result back on it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from kivy.clock import mainthread
from kivy.uix.widget import Widget

from terminal.assembly.checks import run_check_from_screen
from terminal.assembly.technician import DeviceStates, TechnicianGate
from terminal.assembly.wiring import Devices
from terminal.config import Config
from terminal.diagnostics import CheckResult
from ui.theme import Theme

log = logging.getLogger(__name__)

Done = Callable[[Any, BaseException | None], None]


class Console(Protocol):
    """The technician layer as its views see it."""

    theme: Theme
    config: Config
    gate: TechnicianGate
    states: DeviceStates
    devices: Devices

    def show(self, view: Widget) -> None:
        """Put `view` on the layer in place of the current one."""

    def logged_in(self) -> None:
        """Back to the dashboard."""

    def close(self, reason: str) -> None:
        """Leave technician mode."""


@mainthread
def _deliver(done: Done, result: Any, error: BaseException | None) -> None:
    done(result, error)


def background(work: Callable[[], Any], done: Done) -> None:
    """Run `work` off the UI thread; `done(result, error)` runs on the UI thread afterwards."""

    def run() -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = work()
        except Exception as e:  # shown to the technician in words; the UI must survive any device error
            log.warning("technician.background_failed error=%s", type(e).__name__)
            error = e
        _deliver(done, result, error)

    threading.Thread(target=run, name="technician-work", daemon=True).start()


def check_in_background(console: Console, device: str, done: Callable[[CheckResult], None], **options: Any) -> None:
    """Run one registered check off the UI thread, keep its since-when, record it as a self-test."""

    def work() -> CheckResult:
        result = run_check_from_screen(console.config, device, **options)
        console.states.update([result])
        console.gate.self_test(device, "-".join(["check", *(k for k, v in options.items() if v)]), result.status)
        return result

    background(work, lambda result, _error: done(result))
