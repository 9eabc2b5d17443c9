"""Enhancement of a corrected page for reviewers: clean paper, dark text, seals still red.

Document mode divides each colour channel by an estimate of the bare paper under the same light
(a closing that removes the ink, at low resolution). That flattens shadows, lighting gradients
and the colour cast of the lamp in one step and, because it works per channel, keeps a red seal
red instead of turning it grey as a binarisation would. Ink is then darkened with a gentle
levels curve. Photo mode (certificates with photos, colour pictures) only balances white and
stretches contrast, so skin and pictures keep their tones.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

Mode = Literal["document", "photo"]
MODES: tuple[Mode, ...] = ("document", "photo")

BACKGROUND_SIZE = 256  # longest side of the low-resolution copy the paper estimate is made on


def estimate_paper(page: np.ndarray) -> np.ndarray:
    """The page as it would look without ink: per-channel illumination, same size as `page`."""
    h, w = page.shape[:2]
    scale = min(1.0, BACKGROUND_SIZE / max(h, w))
    small = cv2.resize(page, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    size = max(3, round(0.04 * max(small.shape[:2])) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)  # dark ink is thin: closing removes it
    paper = cv2.medianBlur(paper, 5 if min(paper.shape[:2]) >= 5 else 1)
    paper = cv2.GaussianBlur(paper, (0, 0), max(1.0, size / 2))
    return cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)


def _levels(image: np.ndarray, black: float, white: float, gamma: float = 1.0,
            dst: np.ndarray | None = None) -> np.ndarray:
    lut = np.clip((np.arange(256, dtype=np.float32) - black) / max(white - black, 1.0), 0, 1) ** gamma * 255
    return cv2.LUT(image, lut.astype(np.uint8), dst=dst)


def enhance_document(page: np.ndarray) -> np.ndarray:
    if page.ndim == 2:
        page = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    # In place where it can be: a 5-megapixel still has enough full-size copies (the kiosk's peak memory).
    paper = estimate_paper(page)
    paper = cv2.max(paper, 1, dst=paper)
    flat = cv2.divide(page, paper, scale=245.0, dst=paper)  # uint8 in, saturated uint8 out
    h, w = flat.shape[:2]
    quarter = cv2.resize(flat, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)  # percentile on fewer pixels
    gray = cv2.cvtColor(quarter, cv2.COLOR_BGR2GRAY)
    black = float(np.percentile(gray, 0.5))
    return _levels(flat, black=min(black, 120.0), white=235.0, gamma=1.3, dst=flat)


def enhance_photo(page: np.ndarray) -> np.ndarray:
    if page.ndim == 2:
        page = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    img = page.astype(np.float32)
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    bright = gray >= np.percentile(gray, 90)  # white balance on the brightest tenth (paper, margins)
    if bright.any():
        reference = img[bright].mean(axis=0)
        img *= reference.mean() / np.maximum(reference, 1.0)
    balanced = np.clip(img, 0, 255).astype(np.uint8)
    low, high = np.percentile(cv2.cvtColor(balanced, cv2.COLOR_BGR2GRAY), (1, 99.5))
    return _levels(balanced, black=float(low), white=max(float(high), float(low) + 32))


def enhance(page: np.ndarray, mode: Mode = "document") -> np.ndarray:
    """The page made legible: `document` flattens light and paper, `photo` keeps tones."""
    if page.size == 0:
        return page
    if mode == "photo":
        return enhance_photo(page)
    if mode == "document":
        return enhance_document(page)
    raise ValueError(f"unknown enhancement mode {mode!r}; one of {', '.join(MODES)}")
