"""Perspective correction to the page's real proportions.

The quad alone does not give the sheet's aspect ratio: a page seen at a slant looks shorter.
`estimate_aspect` recovers it from the projective geometry of the four corners (Zhang & He,
"Whiteboard scanning and image enhancement", 2007: the camera's focal length is solved from the
quad, with the principal point at the frame centre) and falls back to mean side lengths when the
view is nearly straight-on. The ratio is then snapped to a known paper size when close to one.
"""

from __future__ import annotations

import cv2
import numpy as np

from terminal.scanner.geometry import Quad, side_lengths
from terminal.scanner.papers import MM_PER_INCH, PAPERS, Paper

SNAP_TOLERANCE = 0.05  # relative difference of aspect ratios under which a paper size is assumed
CARD_MIN_DPI = 300  # cards are small: keep enough pixels for their print
EDGE_TRIM = 0.004  # share of the short side cut from each edge of the corrected page


def estimate_aspect(quad: Quad, frame_size: tuple[int, int]) -> float:
    """Width over height of the real rectangle behind `quad` (TL, TR, BR, BL; width = TL->TR)."""
    q = np.asarray(quad, dtype=np.float64)
    sides = side_lengths(q)
    fallback = (sides[0] + sides[2]) / max(sides[1] + sides[3], 1e-9)
    u0, v0 = frame_size[0] / 2.0, frame_size[1] / 2.0
    m1, m2, m4, m3 = (np.array([x - u0, y - v0, 1.0]) for x, y in q)  # m1 TL, m2 TR, m3 BL, m4 BR
    try:
        k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
        k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    except FloatingPointError:
        return float(fallback)
    n2 = k2 * m2 - m1
    n3 = k3 * m3 - m1
    denom = n2[2] * n3[2]
    if not np.isfinite(denom) or abs(denom) < 1e-9:
        return float(fallback)
    f_squared = -(n2[0] * n3[0] + n2[1] * n3[1]) / denom
    if not np.isfinite(f_squared) or f_squared <= 0:
        return float(fallback)
    ratio_squared = (n2[0] ** 2 + n2[1] ** 2 + f_squared * n2[2] ** 2) / (n3[0] ** 2 + n3[1] ** 2 + f_squared * n3[2] ** 2)
    ratio = float(np.sqrt(ratio_squared))
    # A focal length from a nearly affine view is unstable: trust it only when it agrees roughly.
    return ratio if 0.7 < ratio / fallback < 1.4 else float(fallback)


def choose_paper(aspect: float, requested: str = "auto") -> Paper | None:
    """The paper size to correct to: the requested one, a known size near `aspect`, or None (use as detected)."""
    if requested in PAPERS:
        return PAPERS[requested]
    if requested == "detected":
        return None
    long_over_short = max(aspect, 1 / aspect)
    for paper in (PAPERS["A4"], PAPERS["card"]):  # A4 and A5 share one ratio: A4 keeps more pixels
        if abs(long_over_short / paper.aspect - 1) < SNAP_TOLERANCE:
            return paper
    return None


def output_size(aspect: float, paper: Paper | None, dpi: int, quad: Quad) -> tuple[int, int]:
    """(width, height) in pixels of the corrected page; orientation follows the quad."""
    landscape = aspect > 1
    if paper is None:  # unknown size: keep the measured pixels, no bigger than A4 at dpi
        sides = side_lengths(np.asarray(quad, dtype=np.float64))
        long_px = min(max(sides), PAPERS["A4"].height_mm / MM_PER_INCH * dpi)
        short_px = long_px / max(aspect, 1 / aspect)
    else:
        dpi = max(dpi, CARD_MIN_DPI) if paper.name == "card" else dpi
        long_px = max(paper.width_mm, paper.height_mm) / MM_PER_INCH * dpi
        short_px = min(paper.width_mm, paper.height_mm) / MM_PER_INCH * dpi
    width, height = (long_px, short_px) if landscape else (short_px, long_px)
    return max(1, round(width)), max(1, round(height))


def correct_perspective(image: np.ndarray, quad: Quad, *, paper: str = "auto", dpi: int = 200) -> tuple[np.ndarray, str]:
    """The page cut out of `image` and made rectangular; returns (page, paper name or "detected")."""
    aspect = estimate_aspect(quad, (image.shape[1], image.shape[0]))
    chosen = choose_paper(aspect, paper)
    width, height = output_size(aspect, chosen, dpi, quad)
    # Map the quad a hair beyond the output's edges: a pixel of desk along the border would
    # otherwise become a dark line after enhancement. The sheet loses under 1 mm of margin.
    m = EDGE_TRIM * min(width, height)
    target = np.array([[-m, -m], [width + m, -m], [width + m, height + m], [-m, height + m]], np.float32)
    matrix = cv2.getPerspectiveTransform(np.asarray(quad, np.float32), target)
    page = cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return page, chosen.name if chosen else "detected"
