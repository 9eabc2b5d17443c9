"""Quadrilateral helpers shared by detection, correction, tests and the benchmark.

A quad is a float32 array of shape (4, 2) in pixel coordinates, ordered clockwise (as seen on
screen, y pointing down) starting from the corner nearest the image's top-left.
"""

from __future__ import annotations

import cv2
import numpy as np

Quad = np.ndarray


def order_corners(points: np.ndarray) -> Quad:
    """Four points in the canonical order: clockwise from the one nearest the top-left."""
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    clockwise = pts[np.argsort(angles)]  # with y down, increasing angle is clockwise on screen
    start = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -start, axis=0)


def quad_area(quad: Quad) -> float:
    return float(abs(cv2.contourArea(np.asarray(quad, dtype=np.float32))))


def quad_iou(a: Quad, b: Quad) -> float:
    """Intersection over union of two convex quads (0 when either is degenerate)."""
    pa, pb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    area_a, area_b = quad_area(pa), quad_area(pb)
    if area_a <= 0 or area_b <= 0:
        return 0.0
    inter, _ = cv2.intersectConvexConvex(order_corners(pa), order_corners(pb))
    union = area_a + area_b - inter
    return float(inter / union) if union > 0 else 0.0


def corner_error(found: Quad, truth: Quad) -> float:
    """Largest corner distance in pixels, under the best cyclic matching of the corners."""
    f, t = order_corners(found), order_corners(truth)
    return float(min(np.linalg.norm(np.roll(f, k, axis=0) - t, axis=1).max() for k in range(4)))


def side_lengths(quad: Quad) -> np.ndarray:
    q = np.asarray(quad, dtype=np.float32)
    lengths: np.ndarray = np.linalg.norm(q - np.roll(q, -1, axis=0), axis=1)
    return lengths


def interior_angles(quad: Quad) -> np.ndarray:
    """Interior angles in degrees, one per corner."""
    q = np.asarray(quad, dtype=np.float64)
    before = np.roll(q, 1, axis=0) - q
    after = np.roll(q, -1, axis=0) - q
    cos = (before * after).sum(axis=1) / (np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1) + 1e-9)
    angles: np.ndarray = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return angles


def is_convex(quad: Quad) -> bool:
    return bool(cv2.isContourConvex(np.asarray(quad, dtype=np.float32).reshape(-1, 1, 2)))


def line_intersection(p1: np.ndarray, d1: np.ndarray, p2: np.ndarray, d2: np.ndarray) -> np.ndarray | None:
    """Intersection of two lines given as point + direction; None when nearly parallel."""
    cross = d1[0] * d2[1] - d1[1] * d2[0]
    if abs(cross) < 1e-6:
        return None
    t = ((p2[0] - p1[0]) * d2[1] - (p2[1] - p1[1]) * d2[0]) / cross
    point: np.ndarray = p1 + t * d1
    return point
