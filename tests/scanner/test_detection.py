"""Page detection against ground truth on the synthetic easy and hard sets, and the quad helpers."""

from __future__ import annotations

import numpy as np
import pytest

from terminal.scanner import synthetic
from terminal.scanner.detect import detect_page
from terminal.scanner.geometry import corner_error, order_corners, quad_iou


def _score(scenes: list[synthetic.Scene]) -> tuple[float, float, float]:
    """(share found with IoU >= 0.8, mean IoU of those, worst corner error in px of those)."""
    ious, errors = [], []
    for scene in scenes:
        detection = detect_page(scene.image)
        if detection.found and (iou := quad_iou(detection.quad, scene.corners)) >= 0.8:
            ious.append(iou)
            errors.append(corner_error(detection.quad, scene.corners))
    return len(ious) / len(scenes), float(np.mean(ious)) if ious else 0.0, max(errors, default=np.inf)


def test_easy_set_found_with_accurate_corners(easy_scenes: list[synthetic.Scene]) -> None:
    found, mean_iou, worst = _score(easy_scenes)
    assert found == 1.0
    assert mean_iou >= 0.98
    assert worst < 12  # px in a 1280x960 frame


def test_hard_set_mostly_found(hard_scenes: list[synthetic.Scene]) -> None:
    found, mean_iou, _ = _score(hard_scenes)
    assert found >= 0.8
    assert mean_iou >= 0.95


def test_quad_is_clockwise_from_top_left_in_input_pixels(easy_scenes: list[synthetic.Scene]) -> None:
    scene = easy_scenes[0]
    quad = detect_page(scene.image).quad
    assert quad.shape == (4, 2)
    np.testing.assert_allclose(quad, order_corners(quad))
    # clockwise on screen (y down): positive shoelace sum
    x, y = quad[:, 0], quad[:, 1]
    assert float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) > 0
    assert int(np.argmin(quad.sum(axis=1))) == 0


def test_no_page_on_an_empty_desk() -> None:
    rng = np.random.default_rng(5)
    desk = np.clip(rng.normal(90, 6, (480, 640, 3)), 0, 255).astype(np.uint8)
    assert not detect_page(desk).found


def test_geometry_helpers() -> None:
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], np.float32)
    assert quad_iou(square, square) == pytest.approx(1.0)
    assert quad_iou(square, square + np.array([5, 0])) == pytest.approx(50 / 150)
    assert corner_error(np.roll(square, 2, axis=0), square) == pytest.approx(0.0)
    np.testing.assert_array_equal(order_corners(square[[2, 0, 3, 1]]), square)
