"""Auto-capture: fire once when the page has been held still for a moment.

Citizens cannot press a button while holding a sheet flat, and a capture taken while the page
still moves is blurred. The tracker watches the detected corners over preview frames: while they
stay within a small tolerance (a share of the frame diagonal) for `hold_seconds`, progress grows
to 1 and one capture is signalled. It is not signalled again until the page moves or leaves, so
one placement gives one page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from terminal.scanner.detect import Detection
from terminal.scanner.geometry import corner_error

State = Literal["no_page", "moving", "steady", "capture", "captured"]


@dataclass(frozen=True)
class Stability:
    state: State
    progress: float  # 0..1 of the hold time (for a ring on screen)
    movement: float  # largest corner movement since the last frame, as a share of the diagonal


class StabilityTracker:
    """Feed every preview detection with its time; `capture` comes once per still placement."""

    def __init__(self, hold_seconds: float = 0.8, tolerance: float = 0.012, lost_frames: int = 3) -> None:
        self.hold_seconds = hold_seconds
        self.tolerance = tolerance
        self.lost_frames = lost_frames  # a few missed detections do not restart the hold
        self._anchor: np.ndarray | None = None
        self._since = 0.0
        self._fired = False
        self._missed = 0

    def reset(self) -> None:
        """Start over (after a retake, or when the UI moves to the next page)."""
        self._anchor = None
        self._fired = False
        self._missed = 0

    def update(self, detection: Detection, now: float) -> Stability:
        quad = detection.quad
        if not detection.found or quad is None:  # found always comes with a quad
            self._missed += 1
            if self._missed >= self.lost_frames:
                self.reset()
            return Stability("no_page", 0.0, 1.0)
        self._missed = 0
        diagonal = float(np.hypot(*detection.frame_size))
        if self._anchor is None:
            self._anchor, self._since = quad.copy(), now
            return Stability("moving", 0.0, 1.0)
        movement = corner_error(quad, self._anchor) / diagonal
        if movement > self.tolerance:
            self._anchor, self._since, self._fired = quad.copy(), now, False
            return Stability("moving", 0.0, round(movement, 4))
        progress = min(1.0, (now - self._since) / self.hold_seconds) if self.hold_seconds > 0 else 1.0
        if progress < 1.0:
            return Stability("steady", round(progress, 3), round(movement, 4))
        if self._fired:
            return Stability("captured", 1.0, round(movement, 4))
        self._fired = True
        return Stability("capture", 1.0, round(movement, 4))
