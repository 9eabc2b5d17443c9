"""`terminal scan IMAGE... --json`: one JSON object per image, pages written, a PDF per material."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pypdf
import pytest

from terminal.cli import main
from terminal.scanner.geometry import corner_error
from terminal.scanner.synthetic import write_set


def test_scan_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenes = write_set(tmp_path / "in", "easy", 2, seed=21)
    truth = json.loads((scenes / "truth.json").read_text(encoding="utf-8"))
    broken = tmp_path / "in" / "broken.jpg"
    broken.write_bytes(b"not an image")
    images = [str(scenes / t["file"]) for t in truth] + [str(broken)]
    code = main(["scan", *images, "--out", str(tmp_path / "out"), "--json", "--pdf", str(tmp_path / "m.pdf")])
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1  # one input could not be read
    assert [r["input"] for r in reports] == images
    for report, t in zip(reports, truth, strict=False):
        assert report["found"] is True and report["confidence"] > 0.8
        assert corner_error(np.array(report["quad"]), np.array(t["corners"])) < 10
        assert report["quality"]["ok"] is True
        assert {c["name"] for c in report["quality"]["checks"]} >= {"blur", "glare", "cut_off", "dark", "flat"}
        written = Path(report["output"])
        assert written.stat().st_size == report["bytes"] <= 350 * 1024
        assert cv2.imread(str(written)).shape[:2] == (report["height"], report["width"])
    assert reports[2]["input"] == str(broken) and reports[2]["found"] is False
    assert "not an image" in reports[2]["error"] and reports[2]["advice_zh"]
    assert len(pypdf.PdfReader(tmp_path / "m.pdf").pages) == 2


def test_scan_text_output_and_paper_choice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenes = write_set(tmp_path, "easy", 1, seed=22)
    assert main(["scan", str(scenes / "img_000.jpg"), "--paper", "A5", "--mode", "photo"]) == 0
    line = capsys.readouterr().out
    assert "A5" in line and "1165x1654" in line and "img_000-scan.jpg" in line  # A5 at 200 dpi, beside the input
