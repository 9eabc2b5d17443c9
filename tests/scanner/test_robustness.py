"""The pipeline never crashes on odd frames: blank, black, tiny, huge, noise, grey, odd shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from terminal.scanner.pipeline import ScanOptions, analyse_preview, scan_page

SMALL_BUDGET = ScanOptions(budget_bytes=60 * 1024)


@pytest.mark.parametrize("frame", [
    np.zeros((1, 1, 3), np.uint8),
    np.zeros((8, 8, 3), np.uint8),
    np.full((8, 8), 255, np.uint8),
    np.zeros((480, 640, 3), np.uint8),
    np.full((480, 640, 3), 255, np.uint8),
    np.zeros((480, 640, 4), np.uint8),
    np.full((3, 4000, 3), 128, np.uint8),
], ids=["1x1", "8x8", "8x8-gray", "black", "white", "bgra", "sliver"])
def test_odd_frames(frame: np.ndarray) -> None:
    preview = analyse_preview(frame)
    assert not preview.detection.found
    assert preview.quality.hints  # it tells the citizen something
    page = scan_page(frame, SMALL_BUDGET)
    assert len(page.jpeg.data) <= SMALL_BUDGET.budget_bytes


def test_huge_frame() -> None:
    frame = np.full((4500, 6000, 3), 40, np.uint8)
    frame[600:3900, 1500:4400] = 235  # a bright sheet
    preview = analyse_preview(frame)
    assert preview.detection.found
    page = scan_page(frame, SMALL_BUDGET)
    assert len(page.jpeg.data) <= SMALL_BUDGET.budget_bytes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(width=st.integers(1, 300), height=st.integers(1, 300), channels=st.sampled_from([1, 3]),
       seed=st.integers(0, 2**16), kind=st.sampled_from(["noise", "flat", "stripes"]))
def test_random_frames(width: int, height: int, channels: int, seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels == 1 else (height, width, 3)
    if kind == "noise":
        frame = rng.integers(0, 256, shape, dtype=np.uint8)
    elif kind == "flat":
        frame = np.full(shape, int(rng.integers(0, 256)), np.uint8)
    else:
        frame = np.zeros(shape, np.uint8)
        frame[::3] = 255
    preview = analyse_preview(frame)
    assert 0.0 <= preview.detection.confidence <= 1.0
    page = scan_page(frame, SMALL_BUDGET)
    assert page.image.ndim == 3
