"""Quality checks that tell the citizen, in plain words, what to do before or after a capture.

Each check measures one thing on the page region of the frame and compares it with a limit:

| check   | value                                                   | fails when        | hint |
|---------|---------------------------------------------------------|-------------------|------|
| found   | detection confidence                                    | no page found     | 请把材料放在拍摄区域内 |
| cut_off | distance of the nearest corner to the frame edge (px)   | < 1% of the frame | 请把材料放在拍摄区域内 |
| blur    | sharpness 0..1: how much re-blurring still removes      | < 0.68            | 画面模糊，请保持不动 |
| glare   | share of the page that is blown-out and brighter than the paper around it | > 0.3% | 有反光 |
| dark    | mean luminance of the page 0..255                       | < 70              | 光线太暗 |
| flat    | second-worst distance of a page edge from a straight line, in % of the page size | > 0.4% | 请把材料放平 |

The blur measure is Crete-Roffet's no-reference "re-blur" idea: a sharp page loses much of its
fine gradient when blurred again, an already blurred one loses little; unlike the variance of the
Laplacian it hardly depends on how much text is on the page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from terminal.scanner.detect import Detection
from terminal.scanner.geometry import side_lengths

HINTS = {
    "found": "没有找到材料，请把材料放在拍摄区域内",
    "cut_off": "材料超出了拍摄区域，请把材料放在拍摄区域内",
    "blur": "画面模糊，请保持不动",
    "glare": "有反光，请调整材料角度或避开灯光",
    "dark": "光线太暗，请打开补光灯或换到明亮的地方",
    "flat": "材料不平整，请把材料放平",
}
EDGE_MARGIN = 0.01  # of the frame's short side
MIN_SHARPNESS = 0.68
MAX_GLARE = 0.003
MIN_LUMINANCE = 70.0
MAX_EDGE_BEND = 0.004  # of the page's long side
ANALYSIS_LONG_SIDE = 512  # px: the page is resampled to at most this for blur, glare and exposure


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    value: float
    limit: float
    hint_zh: str  # empty when ok


@dataclass(frozen=True)
class QualityReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def hints(self) -> list[str]:
        """What to tell the citizen, most important first, without repeating a sentence."""
        seen: list[str] = []
        for c in self.checks:
            if not c.ok and c.hint_zh not in seen:
                seen.append(c.hint_zh)
        return seen

    def value(self, name: str) -> float | None:
        return next((c.value for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "hints": self.hints, "checks": [asdict(c) for c in self.checks]}


def _check(name: str, ok: bool, value: float, limit: float) -> Check:
    return Check(name, bool(ok), round(float(value), 4), limit, "" if ok else HINTS[name])


def focus_score(gray: np.ndarray) -> float:
    """Variance of the Laplacian: the classic focus number technicians know (higher is sharper)."""
    return float(cv2.Laplacian(gray, cv2.CV_64F).var()) if gray.size else 0.0


def sharpness(gray: np.ndarray) -> float:
    """0 (no detail left) .. 1 (crisp): share of fine gradient that a 9-pixel re-blur removes."""
    if min(gray.shape[:2]) < 10:
        return 0.0
    img = gray.astype(np.float32)
    result = 0.0
    for axis, box in ((1, (9, 1)), (0, (1, 9))):  # along rows, then along columns
        reblurred = cv2.blur(img, box)
        d_img = np.abs(np.diff(img, axis=axis))
        d_blur = np.abs(np.diff(reblurred, axis=axis))
        total = float(d_img.sum())
        if total > 0:
            result = max(result, float(np.maximum(0, d_img - d_blur).sum()) / total)
    return result


def page_view(frame: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The page region of `frame`, made rectangular at no more than ANALYSIS_LONG_SIDE pixels."""
    sides = side_lengths(quad)
    width, height = (sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2
    scale = min(1.0, ANALYSIS_LONG_SIDE / max(width, height, 1.0))
    w, h = max(8, round(width * scale)), max(8, round(height * scale))
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(np.asarray(quad, np.float32), target)
    return cv2.warpPerspective(frame, matrix, (w, h), flags=cv2.INTER_AREA)


def glare_fraction(view: np.ndarray) -> float:
    """Share of pixels that are blown out and clearly brighter than the paper around them."""
    gray = view if view.ndim == 2 else cv2.cvtColor(view, cv2.COLOR_BGR2GRAY)
    blown = gray >= 250
    if not blown.any():
        return 0.0
    k = max(3, (max(gray.shape) // 8) | 1)
    surround = cv2.medianBlur(cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA), min(k // 4 | 1, 31))
    surround = cv2.resize(surround, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    spots = blown & (surround.astype(np.int16) < 245)
    opened = cv2.morphologyEx(spots.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return float(opened.mean())


def assess_quality(frame: np.ndarray, detection: Detection) -> QualityReport:
    """Run every check on the page that `detection` found in `frame`."""
    quad = detection.quad
    if not detection.found or quad is None or frame.size == 0:  # found always comes with a quad
        return QualityReport((_check("found", False, detection.confidence, 0.0),))
    h, w = frame.shape[:2]
    margin = float(min(quad[:, 0].min(), quad[:, 1].min(), w - 1 - quad[:, 0].max(), h - 1 - quad[:, 1].max()))
    margin_limit = EDGE_MARGIN * min(w, h)
    gray = page_view(frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), quad)
    long_side = float(side_lengths(quad).max())
    # A curled sheet bows two opposite edges; one disturbed edge (a pen, a glare spot) is not a curl.
    deviations = sorted(detection.side_residuals, reverse=True)
    bend = (deviations[1] if len(deviations) > 1 else 0.0) / max(long_side, 1.0)
    checks = (
        _check("found", True, detection.confidence, 0.0),
        _check("cut_off", margin >= margin_limit, margin, round(margin_limit, 1)),
        _check("blur", (s := sharpness(gray)) >= MIN_SHARPNESS, s, MIN_SHARPNESS),
        _check("glare", (g := glare_fraction(gray)) <= MAX_GLARE, g, MAX_GLARE),
        _check("dark", (lum := float(gray.mean())) >= MIN_LUMINANCE, lum, MIN_LUMINANCE),
        _check("flat", bend <= MAX_EDGE_BEND, bend, MAX_EDGE_BEND),
    )
    return QualityReport(checks)
