"""Pipeline stages: paper size, orientation, enhancement, quality hints, JPEG budget, PDF, auto-capture."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pypdf
import pytest

from terminal.config import CameraSettings
from terminal.scanner import synthetic
from terminal.scanner.detect import Detection, detect_page
from terminal.scanner.encode import encode_jpeg, jpeg_size, pdf_from_jpegs
from terminal.scanner.enhance import enhance
from terminal.scanner.orientation import detect_orientation, rotate
from terminal.scanner.pipeline import ScanOptions, analyse_preview, scan_page
from terminal.scanner.quality import HINTS, assess_quality
from terminal.scanner.stability import StabilityTracker
from terminal.scanner.warp import estimate_aspect


def _scene(seed: int, **kw: object) -> synthetic.Scene:
    return synthetic.make_scene(np.random.default_rng(seed), **kw)  # type: ignore[arg-type]  # test options are make_scene keywords


def test_aspect_ratio_is_recovered_from_a_slanted_view(easy_scenes: list[synthetic.Scene]) -> None:
    for scene in easy_scenes[:6]:
        doc_h, doc_w = scene.document.image.shape[:2]
        assert estimate_aspect(scene.corners, (1280, 960)) == pytest.approx(doc_w / doc_h, rel=0.01)


def test_scan_gives_an_upright_a4_page_under_budget(easy_scenes: list[synthetic.Scene]) -> None:
    options = ScanOptions.from_config(CameraSettings())
    for scene in easy_scenes[:3]:
        page = scan_page(scene.image, options)
        assert page.paper == "A4"
        assert page.image.shape[:2] == (2339, 1654)  # A4 portrait at 200 dpi
        assert len(page.jpeg.data) <= 350 * 1024
        # upright: the title sits near the top, so the top fifth holds more ink than the bottom fifth
        gray = cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY)
        fifth = gray.shape[0] // 5
        assert (gray[:fifth] < 128).mean() > (gray[-fifth:] < 128).mean()


@pytest.mark.parametrize("kind", ["letter", "form"])
@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_orientation_fix_turns_pages_upright(kind: str, turn: int) -> None:
    flat = synthetic.render_document(kind).image
    turned = rotate(flat, turn)
    assert (turn + detect_orientation(turned).rotation) % 360 == 0


def test_card_is_corrected_to_id_card_size() -> None:
    scene = _scene(3, kind="card")
    page = scan_page(scene.image)
    assert page.paper == "card"
    h, w = page.image.shape[:2]
    assert w > h and w / h == pytest.approx(85.6 / 54.0, rel=0.01)


def _seal_red_share(page: np.ndarray) -> float:
    b, g, r = (page[..., i].astype(int) for i in range(3))
    return float(((r > 150) & (r - g > 70) & (r - b > 70)).mean())


def test_document_mode_flattens_light_and_keeps_the_seal_red() -> None:
    flat = synthetic.render_document("letter").image
    _, w = flat.shape[:2]
    ramp = np.linspace(0.45, 1.0, w, dtype=np.float32)[None, :, None]  # a strong lighting gradient
    dim = np.clip(flat * ramp, 0, 255).astype(np.uint8)
    out = enhance(dim, "document")
    paper = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)[50:150]  # a band of bare paper at the top
    assert paper[:, :200].mean() > 225 and paper[:, -200:].mean() > 225  # both sides white again
    assert _seal_red_share(out) > 0.5 * _seal_red_share(flat) > 0
    photo = enhance(dim, "photo")
    assert _seal_red_share(photo) > 0


@pytest.mark.parametrize(("spoil", "check"), [
    (lambda img: cv2.GaussianBlur(img, (0, 0), 4), "blur"),
    (lambda img: (img * 0.22).astype(np.uint8), "dark"),
])
def test_quality_hints(easy_scenes: list[synthetic.Scene], spoil, check: str) -> None:
    scene = easy_scenes[1]
    good = analyse_preview(scene.image)
    assert good.quality.ok, good.quality.hints
    spoiled = spoil(scene.image)
    report = assess_quality(spoiled, detect_page(scene.image))
    assert HINTS[check] in report.hints


def test_glare_hint() -> None:
    scene = _scene(1)
    img = scene.image.astype(np.float32)
    centre = scene.corners.mean(axis=0)
    yy, xx = np.mgrid[0:960, 0:1280]
    img += 400 * np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * 35.0 ** 2))[..., None]
    report = analyse_preview(np.clip(img, 0, 255).astype(np.uint8)).quality
    assert report.value("glare") > 0.003
    assert HINTS["glare"] in report.hints


def test_cut_off_and_missing_page_hints() -> None:
    scene = _scene(2)
    x0 = int(scene.corners[:, 0].min()) + 60  # crop through the page: its left edge leaves the frame
    report = analyse_preview(np.ascontiguousarray(scene.image[:, x0:])).quality
    assert "请把材料放在拍摄区域内" in "".join(report.hints)
    missing = assess_quality(scene.image, Detection(None, 0.0, (1280, 960)))
    assert missing.hints == [HINTS["found"]]


def test_curled_page_is_not_flat() -> None:
    flat = analyse_preview(_scene(104, kind="letter").image).quality
    curled = analyse_preview(_scene(104, kind="letter", bend=0.02).image).quality
    assert flat.ok
    assert HINTS["flat"] in curled.hints


def test_jpeg_budget_binary_search_and_shrink() -> None:
    rng = np.random.default_rng(0)
    busy = rng.integers(0, 256, (1200, 900, 3), dtype=np.uint8)  # noise: the worst case for JPEG
    roomy = encode_jpeg(busy, 2_000_000)
    assert roomy.quality == 92 and roomy.scale == 1.0
    tight = encode_jpeg(busy, 150_000)
    assert len(tight.data) <= 150_000 and tight.scale < 1.0
    assert jpeg_size(tight.data)[:2] == (tight.width, tight.height)
    page = synthetic.render_document("form").image
    middle = encode_jpeg(page, 120_000)
    assert len(middle.data) <= 120_000 and middle.scale == 1.0 and 40 <= middle.quality < 92
    assert len(encode_jpeg(page, 120_000, max_quality=middle.quality + 1).data) <= 120_000


def test_pdf_holds_every_page_unchanged() -> None:
    pages = [encode_jpeg(synthetic.render_document(k).image, 200_000).data for k in ("letter", "card")]
    reader = pypdf.PdfReader(io.BytesIO(pdf_from_jpegs(pages, dpi=200)))
    assert len(reader.pages) == 2
    a4 = reader.pages[0].mediabox
    assert float(a4.width) == pytest.approx(595, abs=2) and float(a4.height) == pytest.approx(842, abs=2)
    for page, jpeg in zip(reader.pages, pages, strict=True):
        image = page["/Resources"]["/XObject"]["/Im0"].get_object()
        assert image["/Filter"] == "/DCTDecode"
        assert image.get_data() == jpeg  # embedded as is, not re-compressed


def _detection(quad: np.ndarray) -> Detection:
    return Detection(quad.astype(np.float32), 1.0, (1280, 960))


def test_stability_fires_once_per_still_placement() -> None:
    tracker = StabilityTracker(hold_seconds=0.8, tolerance=0.012)
    quad = np.array([[300, 200], [900, 210], [910, 800], [290, 790]], np.float32)
    states = [tracker.update(_detection(quad + np.array([0.5 * (i % 2), 0])), now=i * 0.1).state for i in range(15)]
    assert states[0] == "moving"
    assert states.count("capture") == 1
    assert states.index("capture") == 8  # 0.8 s after the page came to rest
    assert states[-1] == "captured"
    assert tracker.update(_detection(quad + np.array([40, 0])), now=1.6).state == "moving"  # moved: a new page
    assert tracker.update(_detection(quad + np.array([40, 0])), now=2.5).state == "capture"
    for t in (2.6, 2.7, 2.8):  # page taken away
        assert tracker.update(Detection(None, 0.0, (1280, 960)), now=t).state == "no_page"
    assert tracker.update(_detection(quad + np.array([40, 0])), now=2.9).state == "moving"
