"""An in-memory `RatingKeypad` for session and UI tests: `press(key)` delivers a rating at once."""

from __future__ import annotations

import time
from concurrent.futures import Future

from drivers.keypad.codec import KeyPress
from drivers.keypad.driver import RatingCallback, RatingEvent, done_future
from terminal.cases import Rating


class FakeKeypad:
    """Like the simulated serial keypad: presses become ratings, LED and beep commands are confirmed."""

    def __init__(self, on_rating: RatingCallback) -> None:
        self.on_rating = on_rating
        self.acknowledged: list[Rating] = []
        self.prompts = 0
        self.stopped = False

    def press(self, key: int) -> None:
        """Key 1 (非常满意) to 5 (非常不满意), as on the device."""
        if not self.stopped:
            self.on_rating(RatingEvent(KeyPress(key).rating, "serial", time.monotonic()))

    def prompt(self) -> Future[bool]:
        self.prompts += 1
        return done_future(not self.stopped)

    def acknowledge(self, rating: Rating) -> Future[bool]:
        self.acknowledged.append(rating)
        return done_future(not self.stopped)

    def stop(self) -> None:
        self.stopped = True
