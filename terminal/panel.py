"""The panel's real size, so text and touch targets can be sized in millimetres (docs/configuration.md).

In order: the size the monitor reports in its EDID (bytes 21-22: image width and height in cm,
which the kernel exposes in /sys/class/drm/<connector>/edid), the installer's `display.diagonal_inches`,
and only then the old `display.dpi` guess. A 21.5" 1080p panel is about 102 dpi, a 10.1" 1280x800
one about 149: one dpi number for every panel made everything a third too small on the large ones.
"""

from __future__ import annotations

import math
from pathlib import Path

from terminal.config import DisplaySettings

DRM = Path("/sys/class/drm")
EDID_HEADER = bytes((0, 255, 255, 255, 255, 255, 255, 0))


def edid_size_cm(edid: bytes) -> tuple[int, int] | None:
    """Image width and height in cm from an EDID block; None when absent (0 = projector or unknown)."""
    if len(edid) < 128 or edid[:8] != EDID_HEADER or edid[21] == 0 or edid[22] == 0:
        return None
    return edid[21], edid[22]


def connected_panel_cm(drm: Path = DRM) -> tuple[int, int] | None:
    """The size of the first connected monitor that reports one."""
    for connector in sorted(drm.glob("card*-*")):
        try:
            if (connector / "status").read_text().strip() != "connected":
                continue
            size = edid_size_cm((connector / "edid").read_bytes())
        except OSError:
            continue
        if size is not None:
            return size
    return None


def pixels_per_inch(display: DisplaySettings, width_px: int, height_px: int, drm: Path = DRM) -> float:
    """Density of this panel at this resolution. EDID sizes are of the panel as mounted or rotated,
    so the longer side in cm goes with the longer side in pixels."""
    size = connected_panel_cm(drm) if display.edid else None
    if size is not None:
        return max(width_px, height_px) / (max(size) / 2.54)
    if display.diagonal_inches > 0:
        return math.hypot(width_px, height_px) / display.diagonal_inches
    return float(display.dpi)
