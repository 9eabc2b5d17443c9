"""Orientation fix for a corrected page: text lines run left to right, top of the page up.

What it does (a heuristic; there is no OCR on the terminal):
1. Text-line direction. Ink is binarised and projected on rows and on columns. Horizontal text
   lines make the row profile alternate between ink and gaps, so its relative variance is high;
   when the column profile varies clearly more, the text runs vertically and the page is turned
   by 90 degrees.
2. Up or down. Two cues vote: body text is left-aligned, so line starts line up better than line
   ends; and documents start near the top (title) and leave a larger empty margin at the bottom.
   When both cues are weak the page is left as it is rather than guessed.
The result says which rotation was applied, so the UI can offer a "rotate" button as a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

ANALYSIS_SIZE = 600  # longest side in pixels for the analysis copy
DIRECTION_RATIO = 1.3  # column profile variance must exceed the row one by this factor to turn 90 degrees
MIN_INK_FRACTION = 0.002  # pages with less ink than this are left alone


@dataclass(frozen=True)
class Orientation:
    rotation: int  # degrees clockwise applied: 0, 90, 180 or 270
    text_direction_score: float  # row/column profile variance ratio (>1: horizontal lines)
    upright_votes: float  # >0 upright, <0 upside down, 0 unknown


def _ink(page: np.ndarray) -> np.ndarray:
    gray = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    scale = ANALYSIS_SIZE / max(gray.shape)
    if scale < 1:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    border = max(2, round(0.02 * max(ink.shape)))  # ignore the page's own edges
    ink[:border], ink[-border:], ink[:, :border], ink[:, -border:] = 0, 0, 0, 0
    return ink


def _profile_variation(ink: np.ndarray, axis: int) -> float:
    profile = ink.sum(axis=axis).astype(np.float64)
    mean = profile.mean()
    return float(profile.var() / (mean * mean)) if mean > 0 else 0.0


def _upright_votes(ink: np.ndarray) -> float:
    """Positive when the page looks upright, negative when upside down (ink with horizontal lines)."""
    rows = ink.sum(axis=1)
    threshold = max(1.0, 0.15 * rows.max())
    in_line = rows > threshold
    starts, ends = [], []
    y = 0
    height = len(rows)
    while y < height:
        if in_line[y]:
            y0 = y
            while y < height and in_line[y]:
                y += 1
            cols = np.flatnonzero(ink[y0:y].sum(axis=0))
            if len(cols):
                starts.append(cols[0])
                ends.append(cols[-1])
        y += 1
    votes = 0.0
    if len(starts) >= 3:
        spread_start, spread_end = np.std(starts), np.std(ends)
        if max(spread_start, spread_end) > 0.02 * ink.shape[1]:
            votes += float(np.clip((spread_end - spread_start) / max(spread_start, spread_end), -1, 1))
    inked = np.flatnonzero(rows > threshold)
    if len(inked):
        top_margin, bottom_margin = inked[0], height - 1 - inked[-1]
        votes += float(np.clip((bottom_margin - top_margin) / (0.25 * height), -1, 1))
    return votes


def detect_orientation(page: np.ndarray) -> Orientation:
    """Which clockwise rotation makes `page` upright (see the module docstring for how)."""
    if page.size == 0 or min(page.shape[:2]) < 8:
        return Orientation(0, 1.0, 0.0)
    ink = _ink(page)
    if ink.mean() < MIN_INK_FRACTION:
        return Orientation(0, 1.0, 0.0)
    row_var, col_var = _profile_variation(ink, 1), _profile_variation(ink, 0)
    direction = row_var / col_var if col_var > 0 else DIRECTION_RATIO
    rotation = 0
    if direction * DIRECTION_RATIO < 1:  # text runs vertically: turn it so it runs across
        ink = cv2.rotate(ink, cv2.ROTATE_90_CLOCKWISE)
        rotation = 90
    votes = _upright_votes(ink)
    if votes < -0.5:
        rotation = (rotation + 180) % 360
    return Orientation(rotation, round(direction, 3), round(votes, 3))


_ROTATE_CODES = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def rotate(page: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    degrees = degrees_clockwise % 360
    return page if degrees == 0 else cv2.rotate(page, _ROTATE_CODES[degrees])


def fix_orientation(page: np.ndarray) -> tuple[np.ndarray, Orientation]:
    """The page turned upright, and what was decided."""
    orientation = detect_orientation(page)
    return rotate(page, orientation.rotation), orientation
