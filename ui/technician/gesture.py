"""The hidden entry gesture: hold the very top-left corner of the screen for `hold_seconds`.

The corner zone is the page margin outside every citizen button (ui.screens pads each page by
5 mm), so holding it presses nothing, and citizens' taps (short, or anywhere else, or sliding)
never complete it. Pure logic with window coordinates (origin bottom-left, as Kivy gives them)
and an injectable clock, so tests need neither a window nor waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Press:
    touch_id: object
    x: float
    y: float
    started: float


class CornerHold:
    """Recognises one finger held still in the top-left corner; `release` says whether it completed."""

    def __init__(self, corner_px: float, hold_seconds: float, slop_px: float, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.corner_px = corner_px
        self.hold_seconds = hold_seconds
        self.slop_px = slop_px
        self.clock = clock
        self._press: _Press | None = None

    def in_corner(self, x: float, y: float, window_height: float) -> bool:
        return x <= self.corner_px and y >= window_height - self.corner_px

    def press(self, touch_id: object, x: float, y: float, window_height: float) -> None:
        """A finger went down; only one in the corner counts, a second finger anywhere cancels."""
        if self._press is not None:
            self._press = None
        elif self.in_corner(x, y, window_height):
            self._press = _Press(touch_id, x, y, self.clock())

    def move(self, touch_id: object, x: float, y: float) -> None:
        press = self._press
        if press is not None and press.touch_id == touch_id and max(abs(x - press.x), abs(y - press.y)) > self.slop_px:
            self._press = None

    def held_long_enough(self) -> bool:
        press = self._press
        return press is not None and self.clock() - press.started >= self.hold_seconds

    def release(self, touch_id: object) -> bool:
        """The finger lifted: True when it was held in the corner long enough."""
        press = self._press
        if press is None or press.touch_id != touch_id:
            return False
        self._press = None
        return self.clock() - press.started >= self.hold_seconds
