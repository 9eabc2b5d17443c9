"""Document scanner figures on the synthetic sets (issue 4).

Printed:
- detection on the easy and the hard set: share of scenes whose page is found with IoU >= 0.8
  against the true corners ("found"), mean IoU and mean worst-corner error of those, and the raw
  share where anything was reported;
- preview: milliseconds per 1280x960 frame for detection alone and for detection plus quality
  hints (what the UI runs per frame), median and 90th percentile;
- capture: milliseconds per 2592x1944 still from frame to finished JPEG, and bytes per page;
- legibility: Tesseract (chi_sim, the Debian package, via the `tesseract` binary) character
  accuracy on the corrected page against the same text rendered flat.

Aims: easy >= 98% found with mean IoU >= 0.97; hard >= 90% found; preview <= 15 ms.

    .venv/bin/python bench/scan.py [--count 60] [--captures 6] [--ocr 4] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from terminal.scanner import synthetic
from terminal.scanner.detect import detect_page
from terminal.scanner.geometry import corner_error, quad_iou
from terminal.scanner.pipeline import ScanOptions, analyse_preview, scan_page

PREVIEW = (1280, 960)
CAPTURE = (2592, 1944)


def detection_figures(difficulty: synthetic.Difficulty, count: int, seed: int) -> list[np.ndarray]:
    found, reported, ious, errors, frames = 0, 0, [], [], []
    for scene in synthetic.make_set(difficulty, count, seed, PREVIEW):
        frames.append(scene.image)
        detection = detect_page(scene.image)
        reported += detection.found
        if detection.found and (iou := quad_iou(detection.quad, scene.corners)) >= 0.8:
            found += 1
            ious.append(iou)
            errors.append(corner_error(detection.quad, scene.corners))
    print(f"{difficulty:5} set ({count} scenes, 1280x960): found {100 * found / count:.1f}%  "
          f"mean IoU {np.mean(ious):.4f}  mean worst-corner error {np.mean(errors):.1f} px  "
          f"(reported anything: {100 * reported / count:.1f}%)")
    return frames


def _timings(function, frames: list[np.ndarray], rounds: int = 2) -> tuple[float, float, float]:
    """(median wall ms, 90th percentile wall ms, median CPU ms): CPU time shows the cost when
    other processes share the cores, wall time what a person would wait."""
    times, cpu = [], []
    for _ in range(rounds):
        for frame in frames:
            start, start_cpu = time.perf_counter(), time.process_time()
            function(frame)
            times.append(1000 * (time.perf_counter() - start))
            cpu.append(1000 * (time.process_time() - start_cpu))
    return statistics.median(times), float(np.percentile(times, 90)), statistics.median(cpu)


def is_upright(page: np.ndarray, flat: np.ndarray) -> bool:
    """Whether the finished page matches the flat document better as it is than turned any other way."""
    def small(image: np.ndarray) -> np.ndarray:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
        return cv2.resize(gray, (120, 120), interpolation=cv2.INTER_AREA)

    target = small(flat)
    scores = [float(np.corrcoef(small(np.rot90(page, -k)).ravel(), target.ravel())[0, 1]) for k in range(4)]
    return int(np.argmax(scores)) == 0


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def ocr_text(image: np.ndarray, folder: Path) -> str:
    path = folder / "page.png"
    cv2.imwrite(str(path), image)
    result = subprocess.run(["tesseract", str(path), "stdout", "-l", "chi_sim", "--psm", "6"],
                            capture_output=True, text=True, check=True)
    return "".join(result.stdout.split())


def accuracy(text: str, truth: str) -> float:
    return max(0.0, 1 - levenshtein(text, truth) / len(truth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="scenes per set for detection")
    parser.add_argument("--captures", type=int, default=6, help="full-resolution captures to time")
    parser.add_argument("--ocr", type=int, default=4, help="corrected pages to OCR")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"OpenCV {cv2.__version__}, threads {cv2.getNumThreads()}, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")

    easy_frames = detection_figures("easy", args.count, args.seed)
    hard_frames = detection_figures("hard", args.count, args.seed)

    sample = easy_frames[:20] + hard_frames[:20]
    for label, function in (("detection only", detect_page), ("detection + quality", analyse_preview)):
        median, p90, cpu = _timings(function, sample)
        print(f"preview 1280x960, {label + ':':21} median {median:.1f} ms  p90 {p90:.1f} ms  (CPU {cpu:.1f} ms)")

    upright_hard, found = 0, 0
    for scene in synthetic.make_set("hard", args.count // 2, args.seed + 2, PREVIEW):
        page = scan_page(scene.image)
        if page.detection.found and quad_iou(page.detection.quad, scene.corners) >= 0.9:
            found += 1
            upright_hard += is_upright(page.image, scene.document.image)
    print(f"hard-set pages (turned any way) upright after the orientation fix: {upright_hard} of {found} found")

    options = ScanOptions()
    captures = list(synthetic.make_set("easy", max(args.captures, args.ocr), args.seed + 1, CAPTURE))
    times, cpu, sizes, qualities, upright = [], [], [], [], []
    for scene in captures[:args.captures]:
        start, start_cpu = time.perf_counter(), time.process_time()
        page = scan_page(scene.image, options)
        times.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.process_time() - start_cpu))
        sizes.append(len(page.jpeg.data))
        qualities.append(page.jpeg.quality)
        upright.append(is_upright(page.image, scene.document.image))
    print(f"capture 2592x1944 -> finished JPEG:      median {statistics.median(times):.0f} ms  "
          f"max {max(times):.0f} ms  (CPU {statistics.median(cpu):.0f} ms)")
    print(f"captured pages upright after the orientation fix: {sum(upright)} of {len(upright)}")
    print(f"bytes per page (A4 at 200 dpi, budget {options.budget_bytes // 1024} KB): mean {np.mean(sizes) / 1024:.0f} KB  "
          f"max {max(sizes) / 1024:.0f} KB  JPEG quality {min(qualities)}-{max(qualities)}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        flat_scores, scan_scores = [], []
        for scene in captures[:args.ocr]:
            truth = scene.document.text
            flat_scores.append(accuracy(ocr_text(scene.document.image, folder), truth))
            page = scan_page(scene.image, options)
            decoded = cv2.imdecode(np.frombuffer(page.jpeg.data, np.uint8), cv2.IMREAD_COLOR)
            scan_scores.append(accuracy(ocr_text(decoded, folder), truth))
        print(f"OCR character accuracy (tesseract chi_sim, {args.ocr} pages): flat render {100 * np.mean(flat_scores):.1f}%  "
              f"corrected scan {100 * np.mean(scan_scores):.1f}%  (per page: "
              + ", ".join(f"{100 * s:.0f}%" for s in scan_scores) + ")")


if __name__ == "__main__":
    main()
