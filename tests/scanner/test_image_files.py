"""Page photos from files: a decompression bomb, an image too large for OpenCV and a cut-short
JPEG are each refused with a typed error, decoding nothing, and the rest of the batch goes on."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from terminal.cli import main
from terminal.scanner.imagefile import ImageRefused, jpeg_complete, read_image
from terminal.scanner.pipeline import ScanFailed, scan_page
from terminal.scanner.synthetic import write_set


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def blank_png(width: int, height: int, bit_depth: int) -> bytes:
    """A valid greyscale PNG of zeros: a few hundred kilobytes however many pixels it declares."""
    row = b"\x00" * (1 + (width * bit_depth + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 256) for _ in range(height // 256))
    idat += packer.compress(row * (height % 256)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    bomb = folder / "bomb.png"  # 20000 x 20000: 1.2 GB as BGR, 2.3 GB peak in cv2.imread
    bomb.write_bytes(blank_png(20000, 20000, 8))
    wide = folder / "wide.png"  # 50000 x 30000: cv2.imread raises cv2.error (CV_IO_MAX_IMAGE_PIXELS)
    wide.write_bytes(blank_png(50000, 30000, 1))
    scenes = write_set(folder / "scenes", "easy", 2, seed=5)
    good = scenes / json.loads((scenes / "truth.json").read_text(encoding="utf-8"))[0]["file"]
    cut = folder / "cut.jpg"
    data = (scenes / json.loads((scenes / "truth.json").read_text(encoding="utf-8"))[1]["file"]).read_bytes()
    cut.write_bytes(data[: len(data) * 3 // 5])
    return {"bomb": bomb, "wide": wide, "cut": cut, "good": good}


def test_bomb_refused_from_its_header_without_decoding(bad_inputs: dict[str, Path]) -> None:
    assert bad_inputs["bomb"].stat().st_size < 500 * 1024
    # Peak resident memory from /proc (VmHWM): ru_maxrss would include the forking pytest's own.
    probe = ("import re, sys\nfrom pathlib import Path\n"
             "from terminal.scanner.imagefile import ImageRefused, read_image\n"
             "try:\n    read_image(Path(sys.argv[1]))\nexcept ImageRefused as e:\n    print('refused', e.message)\n"
             "print(int(re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1)) // 1024)\n")
    out = subprocess.run([sys.executable, "-c", probe, str(bad_inputs["bomb"])], capture_output=True, text=True,
                         check=True, timeout=120).stdout.splitlines()
    assert out[0].startswith("refused") and "pixels" in out[0]
    assert int(out[1]) < 400  # megabytes of peak memory: the interpreter, numpy and OpenCV, no pixels


@pytest.mark.parametrize("name", ["bomb", "wide", "cut"])
def test_each_bad_input_is_a_typed_refusal(bad_inputs: dict[str, Path], name: str) -> None:
    with pytest.raises(ImageRefused) as refused:
        read_image(bad_inputs[name])
    assert "图片" in refused.value.advice_zh


def test_one_bad_page_does_not_stop_the_batch(bad_inputs: dict[str, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    order = ["wide", "bomb", "cut", "good"]
    code = main(["scan", *(str(bad_inputs[n]) for n in order), "--out", str(tmp_path), "--json",
                 "--pdf", str(tmp_path / "m.pdf")])
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [r["input"] for r in reports] == [str(bad_inputs[n]) for n in order]
    for report in reports[:3]:
        assert report["found"] is False and report["error"] and "请重新拍摄" in report["advice_zh"]
    assert reports[3]["found"] is True and Path(reports[3]["output"]).is_file()
    assert (tmp_path / "m.pdf").is_file()


def test_complete_files_still_read(bad_inputs: dict[str, Path], tmp_path: Path) -> None:
    assert read_image(bad_inputs["good"]).shape[2] == 3
    small = tmp_path / "small.png"
    small.write_bytes(blank_png(64, 48, 8))
    assert read_image(small).shape == (48, 64, 3)
    cut_png = tmp_path / "cut.png"
    cut_png.write_bytes(small.read_bytes()[:-12])
    with pytest.raises(ImageRefused):
        read_image(cut_png)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), progressive=st.booleans(), restart=st.sampled_from([0, 1, 4]),
       cut=st.floats(0.0, 0.999))
def test_jpeg_complete_only_with_every_byte(seed: int, progressive: bool, restart: int, cut: float) -> None:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (int(rng.integers(8, 120)), int(rng.integers(8, 120)), 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive),
                                          cv2.IMWRITE_JPEG_RST_INTERVAL, restart])
    data = buf.tobytes()
    assert ok and jpeg_complete(data)
    assert not jpeg_complete(data[: int(len(data) * cut)])
    assert jpeg_complete(data + b"\x00trailing")  # some cameras pad after the end marker


def test_a_frame_above_the_cap_is_refused_before_any_work() -> None:
    """A camera still is held to the same cap; the refusal is also a ValueError, which the camera
    screen catches for a page it cannot use (so its capture does not stay stuck)."""
    frame = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (8200, 6200, 3))  # 50.8 MP, no memory behind it
    with pytest.raises(ImageRefused) as refused:
        scan_page(frame)
    assert isinstance(refused.value, ValueError) and "8200" in refused.value.message


def test_an_opencv_failure_on_one_page_is_a_typed_refusal() -> None:
    with pytest.raises(ScanFailed) as failed:  # 64-bit integers: no OpenCV colour conversion takes them
        scan_page(np.zeros((100, 100, 3), np.int64))
    assert "Unsupported depth" in failed.value.message and "重新拍摄" in failed.value.advice_zh


def test_unwritable_outputs_are_refused_in_words(bad_inputs: dict[str, Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    assert main(["scan", str(bad_inputs["good"]), "--out", str(a_file / "pages")]) == 2
    assert "--out" in capsys.readouterr().err
    code = main(["scan", str(bad_inputs["good"]), "--out", str(tmp_path), "--pdf", str(a_file / "m.pdf"), "--json"])
    captured = capsys.readouterr()
    assert code == 2 and "m.pdf cannot be written" in captured.err and "Traceback" not in captured.err
