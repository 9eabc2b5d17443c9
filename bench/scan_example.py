"""Render the before/after picture in docs/scanner.md: a camera frame with the detected page, and
the finished page the pipeline made of it.

    .venv/bin/python bench/scan_example.py [docs/screenshots/scan-example.png]
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from terminal.scanner import synthetic
from terminal.scanner.pipeline import scan_page

HEIGHT = 520


def _fit(image: np.ndarray) -> np.ndarray:
    scale = HEIGHT / image.shape[0]
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/scan-example.png")
    scene = synthetic.make_scene(np.random.default_rng([2026, 4]), "hard", (2592, 1944), kind="letter")
    page = scan_page(scene.image)
    before = scene.image.copy()
    cv2.polylines(before, [page.detection.quad.astype(np.int32)], True, (60, 220, 60), 8, cv2.LINE_AA)
    for x, y in page.detection.quad.astype(int):
        cv2.circle(before, (int(x), int(y)), 18, (60, 220, 60), -1, cv2.LINE_AA)
    after = cv2.imdecode(np.frombuffer(page.jpeg.data, np.uint8), cv2.IMREAD_COLOR)
    gap = np.full((HEIGHT, 16, 3), 255, np.uint8)
    row = np.hstack([_fit(before), gap, _fit(after)])
    canvas = Image.fromarray(cv2.cvtColor(np.vstack([np.full((44, row.shape[1], 3), 255, np.uint8), row]),
                                          cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.truetype(synthetic.FONT_PATH, 22)
    left_w = _fit(before).shape[1]
    draw.text((8, 10), f"拍摄画面 2592x1944 (找到材料, 置信度 {page.detection.confidence:.2f})", font=font, fill=(20, 20, 20))
    draw.text((left_w + 24, 10), f"处理后 {page.paper} {page.jpeg.width}x{page.jpeg.height}, "
              f"{len(page.jpeg.data) // 1024} KB", font=font, fill=(20, 20, 20))
    out.parent.mkdir(parents=True, exist_ok=True)
    canvas.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(out, optimize=True)  # a small PNG for the docs
    print(out, canvas.size, out.stat().st_size)


if __name__ == "__main__":
    main()
