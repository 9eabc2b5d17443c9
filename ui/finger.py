"""A touch posted through Kivy's input path, as a finger's: what the demo driver, the soak and the
screenshot tools press with.

Kivy's own `kivy.tests.common.UnitTestTouch` does the same but its module imports pytest (and with
it pygments): 15-20 MB in the kiosk process the soak measures, which a kiosk in the field never has.
"""

from __future__ import annotations

from typing import Any

from kivy.base import EventLoop
from kivy.input.motionevent import MotionEvent


class Finger(MotionEvent):
    """One finger at window (x, y): `down`, `move_to`, `up`."""

    def __init__(self, x: float, y: float) -> None:
        super().__init__("Finger", 99, self._spot(x, y), is_touch=True, type_id="touch")
        self.profile = ["pos"]

    @staticmethod
    def _spot(x: float, y: float) -> dict[str, float]:
        window = EventLoop.window
        return {"x": x / (window.width - 1.0), "y": y / (window.height - 1.0)}

    def depack(self, args: Any) -> None:
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)

    def down(self) -> None:
        EventLoop.post_dispatch_input("begin", self)

    def move_to(self, x: float, y: float) -> None:
        self.move(self._spot(x, y))
        EventLoop.post_dispatch_input("update", self)

    def up(self) -> None:
        EventLoop.post_dispatch_input("end", self)


def tap_at(x: float, y: float) -> None:
    """Down and up at window (x, y)."""
    finger = Finger(x, y)
    finger.down()
    finger.up()
