"""The whole scan of one page, from a camera frame to a finished JPEG, as pure functions.

`analyse_preview` runs on every preview frame (fast: detection and quality hints); `scan_page`
runs once on the full-resolution still. The UI, `terminal scan` and the benchmark all call these.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from terminal.config import CameraSettings
from terminal.errors import TerminalError
from terminal.scanner.detect import Detection, detect_page
from terminal.scanner.encode import EncodedPage, encode_jpeg
from terminal.scanner.enhance import Mode, enhance
from terminal.scanner.imagefile import MAX_PIXELS, ImageRefused
from terminal.scanner.orientation import fix_orientation, rotate
from terminal.scanner.papers import PAPERS
from terminal.scanner.quality import QualityReport, assess_quality
from terminal.scanner.warp import correct_perspective

log = logging.getLogger(__name__)

PAPER_CHOICES = ("auto", "detected", *PAPERS)


class ScanFailed(TerminalError, ValueError):
    """The image library failed on this page; the page is refused, the batch goes on (a ValueError
    too, which the camera screen already catches for a page it cannot use)."""

    advice_zh = "这一页没有处理成功，请重新拍摄这一页。"


@dataclass(frozen=True)
class ScanOptions:
    paper: str = "auto"  # auto (snap to A4 or ID card when close), detected, A4, A5, card
    mode: Mode = "document"
    dpi: int = 200
    budget_bytes: int = 350 * 1024
    fix_orientation: bool = True

    def __post_init__(self) -> None:
        if self.paper not in PAPER_CHOICES:
            raise ValueError(f"unknown paper {self.paper!r}; one of {', '.join(PAPER_CHOICES)}")

    @classmethod
    def from_config(cls, camera: CameraSettings, **overrides: Any) -> ScanOptions:
        """Options from `[devices.camera]` (dpi and page budget), with per-material overrides."""
        return cls(**{"dpi": camera.page_dpi, "budget_bytes": camera.page_budget_kb * 1024, **overrides})


@dataclass(frozen=True)
class PreviewAnalysis:
    detection: Detection
    quality: QualityReport


@dataclass(frozen=True)
class ScannedPage:
    detection: Detection  # in the coordinates of the frame that was scanned
    quality: QualityReport
    paper: str  # A4, A5, card, detected, or frame (no page found: the whole frame was kept)
    rotation: int  # degrees clockwise applied by the orientation fix
    image: np.ndarray  # the finished page (BGR), upright and enhanced
    jpeg: EncodedPage

    def to_json(self) -> dict[str, Any]:
        return {
            "found": self.detection.found,
            "quad": self.detection.quad_list(),
            "confidence": self.detection.confidence,
            "quality": self.quality.to_json(),
            "paper": self.paper,
            "rotation": self.rotation,
            "width": self.jpeg.width,
            "height": self.jpeg.height,
            "jpeg_quality": self.jpeg.quality,
            "bytes": len(self.jpeg.data),
        }


def _as_bgr(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return np.repeat(frame[..., None], 3, axis=2)
    return frame[..., :3] if frame.shape[2] >= 3 else np.repeat(frame[..., :1], 3, axis=2)


def analyse_preview(frame: np.ndarray) -> PreviewAnalysis:
    """Where the page is and what the citizen should change, for one preview frame."""
    frame = _as_bgr(frame)
    detection = detect_page(frame)
    return PreviewAnalysis(detection, assess_quality(frame, detection))


def scan_page(frame: np.ndarray, options: ScanOptions = ScanOptions(), *, rotation: int | None = None) -> ScannedPage:
    """Detect, correct, turn upright, enhance and encode the page in a full-resolution still.

    When no page is found the whole frame is kept (a sheet may fill the view) and the result says
    so; `rotation` forces a rotation (the UI's "rotate" button) instead of the automatic fix.
    A frame above the pixel cap is refused (ImageRefused) and an OpenCV failure on this page
    becomes ScanFailed, so the caller can report the page and go on with the others.
    """
    frame = _as_bgr(frame)
    if frame.size == 0:
        raise ValueError("empty frame")
    if frame.shape[0] * frame.shape[1] > MAX_PIXELS:
        raise ImageRefused(f"frame of {frame.shape[1]}x{frame.shape[0]} pixels is more than the {MAX_PIXELS} allowed")
    try:
        return _scan(frame, options, rotation)
    except cv2.error as e:
        problem = (e.err or "cv2.error").strip().splitlines()[0]
        log.warning("page scan failed in OpenCV problem=%s", problem)
        raise ScanFailed(f"OpenCV failed on this page: {problem}") from None


def _scan(frame: np.ndarray, options: ScanOptions, rotation: int | None) -> ScannedPage:
    detection = detect_page(frame)
    quality = assess_quality(frame, detection)
    if detection.found and detection.quad is not None:
        page, paper = correct_perspective(frame, detection.quad, paper=options.paper, dpi=options.dpi)
    else:
        page, paper = frame, "frame"
    if rotation is not None:
        applied = rotation % 360
        page = rotate(page, applied)
    elif paper == "card":  # cards: long side across; their text is too short for the line heuristic
        applied = 90 if page.shape[0] > page.shape[1] else 0
        page = rotate(page, applied)
    elif options.fix_orientation and detection.found:  # a whole desk has no text lines to go by
        page, orientation = fix_orientation(page)
        applied = orientation.rotation
    else:
        applied = 0
    finished = enhance(page, options.mode)
    jpeg = encode_jpeg(finished, options.budget_bytes)
    log.info("page scanned found=%s confidence=%.2f paper=%s rotation=%d bytes=%d quality=%d",
             detection.found, detection.confidence, paper, applied, len(jpeg.data), jpeg.quality)
    return ScannedPage(detection, quality, paper, applied, finished, jpeg)
