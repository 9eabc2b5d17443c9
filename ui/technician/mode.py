"""Technician mode on the kiosk window: watches for the hidden gesture, then owns the screen until logout.

`TechnicianMode(config, font_name, cancel_session=..., pause_devices=..., resume_devices=...)
.install()` listens to the window's touches beside the citizen app without changing it; what it
needs of the app comes in as those callbacks, never through the app object. When the corner has
been held long enough it wipes the citizen session and lays a full-screen layer over the app:
first the PIN pad, after a login the dashboard and device tests.
While the layer is up every touch goes to it (and counts as technician activity); the idle
clock, or 退出, removes it and the citizen app is back on its home screen.

Everything slow (checks, card login with scrypt, printing, speech) runs in
`console.background()`: a worker thread whose result comes back on the UI thread (`@mainthread`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.widget import Widget

from terminal.assembly.technician import DeviceStates, TechnicianGate
from terminal.assembly.wiring import Devices
from terminal.config import Config
from ui.technician.dashboard import Dashboard
from ui.technician.gesture import CornerHold
from ui.technician.pinpad import PinPad
from ui.theme import Theme, make_theme
from ui.widgets import fill

CORNER_MM = 5.0  # the page margin: no citizen button reaches into it
SLOP_MM = 4.0    # a held finger may wobble this much
PIN_PAD_SECONDS = 30.0  # an unused PIN pad (a curious citizen) closes itself


def _nothing() -> None:
    """For an app without kiosk devices to pause."""


class TechnicianMode:
    """The hidden entry and the technician layer over the citizen app (a `Console` for the views)."""

    def __init__(self, config: Config, font_name: str, *, cancel_session: Callable[[], None],
                 pause_devices: Callable[[], None] = _nothing, resume_devices: Callable[[], None] = _nothing,
                 devices: Devices | None = None, gate: TechnicianGate | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.config = config
        self.cancel_session = cancel_session  # a technician never sees a citizen's data
        self.pause_devices = pause_devices    # let go of the ports the citizen journey holds, so tests open them alone
        self.resume_devices = resume_devices
        self.gate = gate or TechnicianGate.from_config(self.config)
        self.devices = devices or Devices(self.config)  # the device tests open devices through this port
        # The technician screens keep the normal size and palette whatever mode the last citizen chose.
        self.theme: Theme = make_theme(self.config.display, font_name, elderly=False)
        self.clock = clock or time.monotonic
        self.gesture = CornerHold(self.theme.mm(CORNER_MM), self.config.technician.hold_seconds,
                                  self.theme.mm(SLOP_MM), clock=self.clock)
        self.states = DeviceStates()
        self.layer: FloatLayout | None = None
        self.view: Widget | None = None
        self.dashboard: Dashboard | None = None
        self._last_touch = 0.0

    def install(self) -> TechnicianMode:
        Window.bind(on_touch_down=self._down, on_touch_move=self._move, on_touch_up=self._up)
        Clock.schedule_interval(self._tick, 1.0)
        return self

    # ------------------------------------------------------------ touches

    def _down(self, _window: Any, touch: Any) -> bool:
        if self.layer is not None:
            self.gate.touch()
            self._last_touch = self.clock()
            return False  # the layer (on top of the app) gets it through the normal path
        self.gesture.press(touch.uid, touch.x, touch.y, Window.height)
        return False

    def _move(self, _window: Any, touch: Any) -> bool:
        if self.layer is None:
            self.gesture.move(touch.uid, touch.x, touch.y)
        return False

    def _up(self, _window: Any, touch: Any) -> bool:
        if self.layer is None and self.gesture.release(touch.uid):
            self.open()
            return True
        return False

    # ------------------------------------------------------------ the layer

    @property
    def is_open(self) -> bool:
        return self.layer is not None

    def open(self) -> None:
        """Wipe the citizen session (a technician never sees a citizen's data) and show the PIN pad."""
        self.cancel_session()
        self.pause_devices()
        self._last_touch = self.clock()
        self.layer = _Layer(self.theme)
        Window.add_widget(self.layer)
        self.show(PinPad(self))

    def show(self, view: Widget) -> None:
        assert self.layer is not None
        if self.view is not None:
            getattr(self.view, "leave", lambda: None)()
            self.layer.remove_widget(self.view)
        self.view = view
        self.layer.add_widget(view)

    def logged_in(self) -> None:
        """Show the dashboard: made (and its checks run) once per login, then shown again as it is."""
        if self.dashboard is None:
            self.dashboard = Dashboard(self)
        else:
            self.dashboard.show_states()
        self.show(self.dashboard)

    def close(self, reason: str) -> None:
        """Leave technician mode (logout is recorded) and give the screen back to the citizen app."""
        self.gate.logout(reason)
        if self.layer is None:
            return
        if self.view is not None:
            getattr(self.view, "leave", lambda: None)()
        Window.remove_widget(self.layer)
        self.layer, self.view, self.dashboard = None, None, None
        self.cancel_session()
        self.resume_devices()

    def _tick(self, _dt: float) -> None:
        if self.layer is None:
            return
        if self.gate.tick():
            self.close("idle")
        elif not self.gate.logged_in and self.clock() - self._last_touch > PIN_PAD_SECONDS:
            self.close("pin-pad-unused")
        elif self.view is not None:
            getattr(self.view, "tick", lambda: None)()


class _Layer(FloatLayout):
    """Full-screen, opaque, and it takes every touch: nothing reaches the citizen app below."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        fill(self, theme.palette.background)

    def on_touch_down(self, touch: Any) -> bool:
        super().on_touch_down(touch)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        super().on_touch_move(touch)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        super().on_touch_up(touch)
        return True
