"""Page detection: the four corners of the sheet in a camera frame, with a confidence.

Why several candidate maps: a white page on a dark desk is easy for edges, a page on a pale desk
under a shadow is not, and clutter touching the page breaks contours. So candidates come from
edges of the luminance, edges of the colour channels and a brightness/whiteness segmentation, all
on a small copy of the frame; each candidate quad is scored by how much of its four sides lies on
a real edge; the best one is then refined on the full-resolution frame by fitting a line to
each side (sub-pixel corners, and the fit residual tells whether the page lies flat).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

from terminal.scanner.geometry import Quad, interior_angles, is_convex, line_intersection, order_corners, quad_area

log = logging.getLogger(__name__)

WORK_WIDTH = 320  # pixels: candidate search runs on a copy this wide
MIN_AREA_FRACTION = 0.04  # smaller quads are ignored (an ID card at arm's length is about 5%)
MIN_CONFIDENCE = 0.45  # below this a candidate is not reported as found
ENCLOSING_SUPPORT = 0.6  # a larger quad around the best one wins when each of its sides is this well supported


@dataclass(frozen=True)
class Detection:
    """Where the page is in a frame. `quad` is None when no page was found."""

    quad: Quad | None
    confidence: float
    frame_size: tuple[int, int]  # (width, height) of the frame searched
    side_residuals: tuple[float, ...] = field(default=())  # px, how far each edge strays from straight

    @property
    def found(self) -> bool:
        return self.quad is not None

    def quad_list(self) -> list[list[float]]:
        return [] if self.quad is None else [[round(float(x), 1), round(float(y), 1)] for x, y in self.quad]


def _gray(frame: np.ndarray) -> np.ndarray:
    return frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def _candidate_maps(small: np.ndarray) -> list[np.ndarray]:
    """Binary maps whose contours may outline the page."""
    gray = _gray(small)
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    maps = []
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    median = float(np.median(blurred))
    for low_factor in (0.66, 0.25):  # normal and low-contrast edges
        low = max(5.0, low_factor * median)
        edges = cv2.Canny(blurred, low, max(low * 2.5, 20.0))
        maps.append(cv2.dilate(edges, kernel))
    if small.ndim == 3:
        ycrcb = cv2.cvtColor(cv2.GaussianBlur(small, (5, 5), 0), cv2.COLOR_BGR2YCrCb)
        colour_edges = np.zeros_like(gray)
        for ch in (1, 2):
            colour_edges |= cv2.Canny(ycrcb[..., ch], 5, 15)
        maps.append(cv2.dilate(colour_edges, kernel))
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
        whiteness = cv2.subtract(hsv[..., 2], hsv[..., 1])
    else:
        whiteness = gray
    _, mask = cv2.threshold(cv2.GaussianBlur(whiteness, (5, 5), 0), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    maps.append(cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel, iterations=2))
    return maps


def _quad_from_contour(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.015, 0.025, 0.04, 0.06, 0.08):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float32)
        if len(approx) < 4:
            return None
    return None


def _side_frames(quad: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For all four sides at once: start points, unit directions, unit normals, and points at `t` along each."""
    q = np.asarray(quad, dtype=np.float64)
    starts, ends = q, np.roll(q, -1, axis=0)
    vectors = ends - starts
    directions = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)
    normals = np.stack([-directions[:, 1], directions[:, 0]], axis=1)
    points = starts[:, None, :] + t[None, :, None] * vectors[:, None, :]
    return starts, directions, normals, points


def _edge_support(grad_x: np.ndarray, grad_y: np.ndarray, quad: Quad, samples: int = 24) -> np.ndarray:
    """Per side, the fraction of sample points lying on a strong edge parallel to that side."""
    h, w = grad_x.shape
    magnitude_floor = 12.0
    _, _, normals, points = _side_frames(quad, np.linspace(0.08, 0.92, samples))
    offsets = np.array([-1.0, 0.0, 1.0])  # tolerate a pixel of error either way
    probe = np.rint(points[:, None, :, :] + offsets[None, :, None, None] * normals[:, None, None, :]).astype(np.intp)
    inside = (probe[..., 0] >= 0) & (probe[..., 0] < w) & (probe[..., 1] >= 0) & (probe[..., 1] < h)
    px, py = np.clip(probe[..., 0], 0, w - 1), np.clip(probe[..., 1], 0, h - 1)
    gx, gy = grad_x[py, px], grad_y[py, px]
    magnitude = np.hypot(gx, gy)
    along_normal = np.abs(gx * normals[:, None, None, 0] + gy * normals[:, None, None, 1])
    hits = inside & (magnitude > magnitude_floor) & (along_normal > 0.8 * magnitude)
    share: np.ndarray = hits.any(axis=1).mean(axis=1)
    return share


@dataclass(frozen=True)
class _Candidate:
    quad: Quad
    score: float  # for ranking: confidence, slightly favouring larger quads
    confidence: float
    weakest_side: float  # edge support of the least supported side


def _score(quad: Quad, grad_x: np.ndarray, grad_y: np.ndarray, frame_area: float) -> _Candidate | None:
    angles = interior_angles(quad)
    if not is_convex(quad) or angles.min() < 45 or angles.max() > 135:
        return None
    area_fraction = quad_area(quad) / frame_area
    if area_fraction < MIN_AREA_FRACTION or area_fraction > 0.995:
        return None
    support = _edge_support(grad_x, grad_y, quad)
    confidence = float(0.5 * support.mean() + 0.5 * support.min())
    if confidence <= 0:
        return None
    return _Candidate(quad, confidence * (0.7 + 0.3 * np.sqrt(area_fraction)), confidence, float(support.min()))


def _refine(frame: np.ndarray, quad: Quad, search: float) -> tuple[Quad, tuple[float, ...]]:
    """Move each side onto the strongest nearby edge by a robust line fit.

    Returns the corners and, per side that found its edge, how far (90th percentile, px) the edge
    strays from a straight line: a curled or folded sheet has bowed edges.

    Only thin bands across the sides are sampled (one cv2.remap for all four), so the cost does
    not grow with the frame.
    """
    h, w = frame.shape[:2]
    samples = 48
    step = 0.5
    offsets = np.arange(-search, search + step / 2, step, dtype=np.float64)
    starts, directions, normals, base = _side_frames(quad, np.linspace(0.1, 0.9, samples))
    grid = base[:, :, None, :] + offsets[None, None, :, None] * normals[:, None, None, :]  # side, sample, offset, xy
    map_x = grid[..., 0].reshape(4 * samples, -1).astype(np.float32)
    map_y = grid[..., 1].reshape(4 * samples, -1).astype(np.float32)
    band = cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    profile = _gray(band).astype(np.float32)
    sigma = max(1.0, search / 4) / step
    kernel = cv2.getGaussianKernel(int(2 * round(2 * sigma) + 1), sigma).astype(np.float32)
    smooth = cv2.sepFilter2D(profile, -1, kernel, np.ones(1, np.float32), borderType=cv2.BORDER_REPLICATE)
    deriv = np.abs(np.diff(smooth, axis=1)).reshape(4, samples, -1)
    best = deriv.argmax(axis=2)
    strength = deriv.max(axis=2)
    inside = ((map_x.min(axis=1) >= 0) & (map_x.max(axis=1) < w) & (map_y.min(axis=1) >= 0)
              & (map_y.max(axis=1) < h)).reshape(4, samples)
    valid = inside & (strength > np.maximum(0.5, 0.35 * np.median(strength, axis=1, keepdims=True)))
    shift = (offsets[best] + offsets[best + 1]) / 2
    edge_points = base + shift[..., None] * normals[:, None, :]
    lines = []
    residuals = []
    for i in range(4):
        if valid[i].sum() < samples // 3:  # no clear edge here (shadow, glare): keep the coarse side
            log.debug("refine kept coarse side=%d edge_points=%d", i, int(valid[i].sum()))
            lines.append((starts[i], directions[i]))
            continue
        pts = edge_points[i][valid[i]].astype(np.float32)
        vx, vy, x0, y0 = cv2.fitLine(pts, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        d = np.array([vx, vy], np.float64)
        p0 = np.array([x0, y0], np.float64)
        dist = np.abs((pts[:, 0] - p0[0]) * d[1] - (pts[:, 1] - p0[1]) * d[0])
        residuals.append(float(np.percentile(dist, 90)))
        lines.append((p0, d))
    corners = []
    for i in range(4):
        p = line_intersection(*lines[(i - 1) % 4], *lines[i])
        if p is None or np.linalg.norm(p - quad[i]) > 2.5 * search:
            log.debug("refine skipped corner=%d moved too far", i)
            return quad, ()
        corners.append(p)
    return np.array(corners, np.float32), tuple(residuals)


def _outermost(candidates: list[_Candidate]) -> _Candidate:
    """The best candidate, unless a clearly larger one with every side on an edge encloses it.

    A form's table or a card's photo box has crisper edges than the sheet around it; the sheet is
    what we want.
    """
    best = max(candidates, key=lambda c: c.score)
    best_area = quad_area(best.quad)
    enclosing = [
        c for c in candidates
        if c.weakest_side >= ENCLOSING_SUPPORT and quad_area(c.quad) > 1.2 * best_area
        and cv2.intersectConvexConvex(c.quad, best.quad)[0] > 0.95 * best_area
    ]
    return max(enclosing, key=lambda c: c.confidence) if enclosing else best


def detect_page(frame: np.ndarray, refine: bool = True) -> Detection:
    """Find the page in a BGR (or gray) frame of any size; never raises for odd frames."""
    h, w = frame.shape[:2]
    if h < 16 or w < 16 or frame.size == 0:
        return Detection(None, 0.0, (w, h))
    factor = max(1, round(w / WORK_WIDTH))  # a whole factor keeps INTER_AREA on its fast path
    small = cv2.resize(frame, (max(16, w // factor), max(16, h // factor)), interpolation=cv2.INTER_AREA)
    scale = small.shape[1] / w
    if small.ndim == 3 and small.shape[2] == 4:
        small = cv2.cvtColor(small, cv2.COLOR_BGRA2BGR)
    gray_small = cv2.GaussianBlur(_gray(small), (3, 3), 0)
    grad_x = cv2.Sobel(gray_small, cv2.CV_32F, 1, 0, ksize=3)
    grad_y = cv2.Sobel(gray_small, cv2.CV_32F, 0, 1, ksize=3)
    frame_area = float(small.shape[0] * small.shape[1])
    candidates: list[_Candidate] = []
    for binary in _candidate_maps(small):
        contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            if cv2.contourArea(cv2.convexHull(contour)) < MIN_AREA_FRACTION * frame_area:
                continue
            quad = _quad_from_contour(contour)
            if quad is None:
                continue
            candidate = _score(order_corners(quad), grad_x, grad_y, frame_area)
            if candidate is not None:
                candidates.append(candidate)
    if not candidates:
        return Detection(None, 0.0, (w, h))
    best = _outermost(candidates)
    if best.confidence < MIN_CONFIDENCE:
        return Detection(None, round(best.confidence, 3), (w, h))
    quad = best.quad / scale
    residuals: tuple[float, ...] = ()
    if refine:
        colour = frame[..., :3] if frame.ndim == 3 else frame
        search = max(3.0, 3.0 / scale)
        quad, residuals = _refine(colour, quad, search)  # the wide band also sees bowed edges
        quad, _ = _refine(colour, quad, search / 2)
        quad = order_corners(quad)
    return Detection(quad.astype(np.float32), round(best.confidence, 3), (w, h), residuals)
