"""Synthetic scanner scenes with ground truth, for tests, the benchmark and the simulated camera.

A fabricated document (Chinese text, a table, a red seal, a photo box) is rendered flat with
Pillow, then placed on a cluttered desk with random perspective, rotation and scale, and spoiled
with lighting gradients, shadows, glare, blur, noise and JPEG artefacts. Every scene keeps the
document's true corners, so detection can be scored. Everything is drawn from a seeded RNG:
the same seed gives the same scene on every machine.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
Difficulty = Literal["easy", "hard"]
DocumentKind = Literal["letter", "form", "card"]

# Fabricated content only: no real person, place or case.
LETTER_LINES = (
    "关于办理户口迁移的证明",
    "兹证明测试样例同志系本单位职工，",
    "现因工作调动需要办理户口迁移手续。",
    "该同志在本单位工作期间表现良好，",
    "遵守各项规章制度，无违法违纪记录。",
    "特此证明，请予以办理为盼。",
    "联系电话：零三九一六六零零零零零",
    "示范镇便民服务中心",
    "二〇二六年十一月二十一日",
)
FORM_TITLE = "政务服务事项申请表"
FORM_ROWS = (
    ("申请人", "测试样例"),
    ("事项名称", "户口登记"),
    ("联系地址", "示范镇幸福路八号"),
    ("办理方式", "自助终端申请"),
    ("材料份数", "三份"),
)
FORM_NOTE = ("本人承诺所填信息真实有效，", "如有虚假愿意承担相应责任。")
CARD_LINES = ("姓名 测试样例", "性别 男  民族 汉", "住址 示范镇幸福路八号")
SEAL_TEXT = "示范镇便民服务中心"

# Physical sizes in millimetres (width, height) of each document kind.
KIND_SIZE_MM = {"letter": (210.0, 297.0), "form": (210.0, 297.0), "card": (85.6, 54.0)}


@dataclass(frozen=True)
class Document:
    """A flat rendered document and the text printed on it (for OCR scoring)."""

    kind: DocumentKind
    image: np.ndarray  # BGR
    text_lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(self.text_lines)


@dataclass(frozen=True)
class Scene:
    """A camera frame with a document on it and the document's true corners (TL, TR, BR, BL of the page)."""

    image: np.ndarray  # BGR
    corners: np.ndarray  # float32 (4, 2)
    document: Document
    difficulty: Difficulty


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATH, size)


def _draw_seal(draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int) -> None:
    """A red round official seal: ring, star and the issuing body's name around the top."""
    red = (215, 30, 35)
    cx, cy = centre
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=max(3, radius // 14))
    star = []
    for i in range(10):
        r = radius * (0.32 if i % 2 == 0 else 0.13)
        a = -np.pi / 2 + i * np.pi / 5
        star.append((cx + r * np.cos(a), cy + r * np.sin(a)))
    draw.polygon(star, fill=red)
    font = _font(max(10, radius // 4))
    n = len(SEAL_TEXT)
    for i, ch in enumerate(SEAL_TEXT):
        a = np.radians(-205 + i * 230 / (n - 1))
        x, y = cx + radius * 0.72 * np.cos(a), cy + radius * 0.72 * np.sin(a)
        draw.text((x, y), ch, font=font, fill=red, anchor="mm")


@lru_cache(maxsize=8)
def render_document(kind: DocumentKind = "letter", dpi: int = 200) -> Document:
    """The flat document at `dpi`: what a perfect scan of it would look like."""
    w_mm, h_mm = KIND_SIZE_MM[kind]
    w, h = round(w_mm / 25.4 * dpi), round(h_mm / 25.4 * dpi)
    img = Image.new("RGB", (w, h), (250, 249, 244))
    draw = ImageDraw.Draw(img)
    unit = dpi / 200.0
    lines: list[str] = []
    if kind == "card":
        font = _font(round(34 * unit))
        for i, text in enumerate(CARD_LINES):
            draw.text((round(40 * unit), round((60 + i * 70) * unit)), text, font=font, fill=(25, 25, 30))
            lines.append(text)
        box = (w - round(230 * unit), round(50 * unit), w - round(50 * unit), round(290 * unit))
        draw.rectangle(box, fill=(170, 190, 215))
        draw.ellipse((box[0] + 45 * unit, box[1] + 40 * unit, box[2] - 45 * unit, box[1] + 130 * unit), fill=(120, 100, 90))
        draw.rectangle((box[0] + 25 * unit, box[1] + 140 * unit, box[2] - 25 * unit, box[3]), fill=(60, 70, 90))
    elif kind == "letter":
        title = _font(round(64 * unit))
        body = _font(round(44 * unit))
        draw.text((w // 2, round(220 * unit)), LETTER_LINES[0], font=title, fill=(20, 20, 25), anchor="mm")
        lines.append(LETTER_LINES[0])
        y = round(380 * unit)
        for text in LETTER_LINES[1:7]:
            draw.text((round(170 * unit), y), text, font=body, fill=(25, 25, 30))
            lines.append(text)
            y += round(92 * unit)
        y += round(120 * unit)
        for text in LETTER_LINES[7:]:
            draw.text((w - round(170 * unit), y), text, font=body, fill=(25, 25, 30), anchor="ra")
            lines.append(text)
            y += round(92 * unit)
        _draw_seal(draw, (w - round(420 * unit), y - round(140 * unit)), round(190 * unit))
    else:
        title = _font(round(60 * unit))
        body = _font(round(42 * unit))
        draw.text((w // 2, round(200 * unit)), FORM_TITLE, font=title, fill=(20, 20, 25), anchor="mm")
        lines.append(FORM_TITLE)
        left, right, top, row_h = round(150 * unit), w - round(150 * unit), round(330 * unit), round(120 * unit)
        split = left + round(380 * unit)
        for i, (label, value) in enumerate(FORM_ROWS):
            y0 = top + i * row_h
            draw.rectangle((left, y0, right, y0 + row_h), outline=(30, 30, 30), width=max(2, round(3 * unit)))
            draw.line((split, y0, split, y0 + row_h), fill=(30, 30, 30), width=max(2, round(3 * unit)))
            draw.text((left + round(30 * unit), y0 + row_h // 2), label, font=body, fill=(25, 25, 30), anchor="lm")
            draw.text((split + round(30 * unit), y0 + row_h // 2), value, font=body, fill=(25, 25, 30), anchor="lm")
            lines.append(label + value)
        y = top + len(FORM_ROWS) * row_h + round(120 * unit)
        for text in FORM_NOTE:
            draw.text((left, y), text, font=body, fill=(25, 25, 30))
            lines.append(text)
            y += round(90 * unit)
        _draw_seal(draw, (right - round(260 * unit), y + round(250 * unit)), round(180 * unit))
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    bgr.setflags(write=False)
    return Document(kind=kind, image=bgr, text_lines=tuple(lines))


def _background(rng: np.random.Generator, w: int, h: int, difficulty: Difficulty) -> np.ndarray:
    """A desk: base colour, low-frequency texture or wood grain, and clutter."""
    light = difficulty == "hard" and rng.random() < 0.45
    if light:  # low contrast: a pale desk under a white page
        base = rng.uniform(175, 225, 3) * np.array([0.92, 1.0, 1.05]) * rng.uniform(0.93, 1.0, 3)
    else:
        base = rng.uniform(30, 140, 3)
    bg = np.empty((h, w, 3), np.float32)
    bg[:] = base
    texture = cv2.resize(rng.normal(0, 1, (6, 8)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    bg += texture[..., None] * rng.uniform(5, 20)
    if rng.random() < 0.4:  # wood grain
        yy = np.arange(h, dtype=np.float32)[:, None]
        xx = np.arange(w, dtype=np.float32)[None, :]
        grain = np.sin((yy + 8 * np.sin(xx / rng.uniform(60, 200))) / rng.uniform(3, 9))
        bg += grain[..., None] * rng.uniform(4, 12)
    bg = np.clip(bg, 0, 255).astype(np.uint8)
    n_items = int(rng.integers(3, 7) if difficulty == "easy" else rng.integers(6, 16))
    unit = min(w, h)
    for _ in range(n_items):
        bright = difficulty == "hard" and rng.random() < 0.3
        colour = tuple(float(c) for c in (rng.uniform(160, 245, 3) if bright else rng.uniform(0, 200, 3)))
        shape = rng.integers(0, 4)
        x, y = int(rng.uniform(0, w)), int(rng.uniform(0, h))
        size = int(rng.uniform(0.05, 0.25) * unit)
        if shape == 0:
            angle = rng.uniform(0, 180)
            box = cv2.boxPoints(((x, y), (size, size * rng.uniform(0.3, 1.0)), angle)).astype(np.int32)
            cv2.fillPoly(bg, [box], colour, lineType=cv2.LINE_AA)
        elif shape == 1:
            cv2.circle(bg, (x, y), size // 2, colour, -1, lineType=cv2.LINE_AA)
        elif shape == 2:
            end = (int(x + rng.uniform(-2, 2) * size), int(y + rng.uniform(-2, 2) * size))
            cv2.line(bg, (x, y), end, colour, int(rng.integers(3, 12)), lineType=cv2.LINE_AA)
        else:
            cv2.putText(bg, "".join(rng.choice(list("ABCDEFGH0123456789"), 6)), (x, y),
                        cv2.FONT_HERSHEY_SIMPLEX, size / 60, colour, 2, cv2.LINE_AA)
    return bg.astype(np.float32)


def _rotation(tilt_x: float, tilt_y: float, spin: float) -> np.ndarray:
    cx, sx, cy, sy, cz, sz = np.cos(tilt_x), np.sin(tilt_x), np.cos(tilt_y), np.sin(tilt_y), np.cos(spin), np.sin(spin)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    rotation: np.ndarray = rx @ ry @ rz
    return rotation


def _place(rng: np.random.Generator, doc_w: int, doc_h: int, w: int, h: int, difficulty: Difficulty,
           kind: DocumentKind) -> np.ndarray:
    """Random corners for the page inside the frame (TL, TR, BR, BL of the document).

    The page is a rectangle in 3-D seen by a pinhole camera (focal length about the frame width,
    principal point at the centre), so its perspective is one a real camera could produce.
    """
    easy = difficulty == "easy"
    margin = 0.03 * min(w, h)
    focal = w * rng.uniform(0.9, 1.3)
    for _ in range(200):
        if kind == "card":
            fraction = rng.uniform(0.35, 0.6) if easy else rng.uniform(0.25, 0.6)
        else:
            fraction = rng.uniform(0.6, 0.92) if easy else rng.uniform(0.4, 0.95)
        spin = np.radians(rng.uniform(-20, 20) if easy else rng.uniform(-180, 180))
        if easy and rng.random() < 0.2:
            spin += np.pi / 2 * rng.choice([-1, 1])
        max_tilt = np.radians(10 if easy else 28)
        rotation = _rotation(rng.uniform(-max_tilt, max_tilt), rng.uniform(-max_tilt, max_tilt), spin)
        size = fraction * min(w, h) / focal / max(doc_w, doc_h)
        flat = np.array([[-doc_w, -doc_h, 0], [doc_w, -doc_h, 0], [doc_w, doc_h, 0], [-doc_w, doc_h, 0]]) / 2 * size
        offset = np.array([rng.uniform(-0.3, 0.3) * w / focal, rng.uniform(-0.3, 0.3) * h / focal, 1.0])
        world = flat @ rotation.T + offset
        if (world[:, 2] <= 0.1).any():
            continue
        pts = focal * world[:, :2] / world[:, 2:3] + (w / 2, h / 2)
        if pts[:, 0].min() < margin or pts[:, 1].min() < margin or pts[:, 0].max() > w - margin or pts[:, 1].max() > h - margin:
            continue
        placed: np.ndarray = pts.astype(np.float32)
        if cv2.isContourConvex(placed.reshape(-1, 1, 2)):
            return placed
    raise RuntimeError("could not place the page in the frame")


def _lighting(rng: np.random.Generator, img: np.ndarray, corners: np.ndarray, difficulty: Difficulty) -> np.ndarray:
    """Light falling unevenly on `img` (changed in place): a gradient, maybe a soft shadow, maybe glare
    spots (all smooth, so they are computed on a quarter-size grid and scaled up)."""
    h, w = img.shape[:2]
    easy = difficulty == "easy"
    factor = 4
    sh, sw = max(1, h // factor), max(1, w // factor)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32) * factor
    a = rng.uniform(0, 2 * np.pi)
    ramp = (xx * np.cos(a) + yy * np.sin(a)) / np.hypot(w, h)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    low = rng.uniform(0.7, 0.9) if easy else rng.uniform(0.4, 0.8)
    gain = low + (rng.uniform(1.0, 1.08) - low) * ramp
    if (not easy and rng.random() < 0.6) or (easy and rng.random() < 0.2):  # a soft shadow (hand, head, lamp arm)
        shadow = np.zeros((sh, sw), np.float32)
        centre = (corners[int(rng.integers(0, 4))] + rng.normal(0, 0.1 * min(w, h), 2)) / factor
        axes = (int(rng.uniform(0.2, 0.5) * sw), int(rng.uniform(0.15, 0.4) * sh))
        cv2.ellipse(shadow, (int(centre[0]), int(centre[1])), axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
        shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(5, 25) / factor)
        gain *= 1 - shadow * (rng.uniform(0.15, 0.3) if easy else rng.uniform(0.25, 0.5))
    glare = np.zeros((sh, sw), np.float32)
    if not easy and rng.random() < 0.5:  # glare: a bright spot from a ceiling lamp on the page
        for _ in range(int(rng.integers(1, 3))):
            t = rng.uniform(0.2, 0.8, 2)
            top = corners[0] + (corners[1] - corners[0]) * t[0]
            bottom = corners[3] + (corners[2] - corners[3]) * t[0]
            centre = top + (bottom - top) * t[1]
            sigma = rng.uniform(0.02, 0.06) * min(w, h)
            glare += np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * sigma ** 2)) * rng.uniform(150, 300)
    gain = cv2.resize(gain.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    img *= gain[..., None]  # in place: the simulated camera makes these frames inside the kiosk
    if glare.any():
        img += cv2.resize(glare, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    return img


def _bend(paper: np.ndarray, mask: np.ndarray, matrix: np.ndarray, corners: np.ndarray, doc_w: int,
          amount: float) -> tuple[np.ndarray, np.ndarray]:
    """Bow the page: its top and bottom edges bulge by `amount` of its height in the middle (a curled sheet)."""
    h, w = mask.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    inverse = np.linalg.inv(matrix)
    z = inverse[2, 0] * xx + inverse[2, 1] * yy + inverse[2, 2]
    u = (inverse[0, 0] * xx + inverse[0, 1] * yy + inverse[0, 2]) / z / doc_w
    up = corners[0] - corners[3]
    shift = amount * float(np.linalg.norm(up)) * np.sin(np.pi * np.clip(u, 0, 1))
    up = up / np.linalg.norm(up)
    map_x = (xx - shift * up[0]).astype(np.float32)
    map_y = (yy - shift * up[1]).astype(np.float32)
    return (cv2.remap(paper, map_x, map_y, cv2.INTER_LINEAR), cv2.remap(mask, map_x, map_y, cv2.INTER_LINEAR))


def make_scene(rng: np.random.Generator, difficulty: Difficulty = "easy", size: tuple[int, int] = (1280, 960),
               kind: DocumentKind | None = None, bend: float = 0.0) -> Scene:
    """One camera frame of `size` (width, height) with a document on a desk; `bend` curls the sheet."""
    w, h = size
    kinds: tuple[DocumentKind, ...] = ("letter", "form", "card")
    if kind is None:
        kind = kinds[int(rng.choice(3, p=[0.45, 0.45, 0.1]))]
    document = render_document(kind)
    doc = document.image
    doc_h, doc_w = doc.shape[:2]
    bg = _background(rng, w, h, difficulty)
    corners = _place(rng, doc_w, doc_h, w, h, difficulty, kind)
    src = np.array([[0, 0], [doc_w, 0], [doc_w, doc_h], [0, doc_h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, corners)
    # Shrink the flat page first so warping does not alias its text.
    page_px = float(np.linalg.norm(corners[0] - corners[3]))
    factor = min(1.0, 1.5 * page_px / doc_h)
    small = cv2.resize(doc, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else doc
    scale = np.diag([small.shape[1] / doc_w, small.shape[0] / doc_h, 1.0])
    matrix_small = matrix @ np.linalg.inv(scale)
    paper = cv2.warpPerspective(small.astype(np.float32), matrix_small, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones(small.shape[:2], np.float32), matrix_small, (w, h), flags=cv2.INTER_LINEAR)
    if bend:
        paper, mask = _bend(paper, mask, matrix, corners, doc_w, bend)
    np.multiply(paper, rng.uniform(0.85, 1.0, 3).astype(np.float32) if difficulty == "hard" else rng.uniform(0.93, 1.0),
                out=paper)  # the paper's tint, in place
    img: np.ndarray = paper  # bg * (1 - mask) + paper * mask, in place: 15 MB per frame-sized array
    img -= bg
    img *= mask[..., None]
    img += bg
    del bg, mask
    if difficulty == "hard" and rng.random() < 0.3:  # a pen lying across one edge of the page
        i = int(rng.integers(0, 4))
        mid = (corners[i] + corners[(i + 1) % 4]) / 2
        direction = rng.normal(0, 1, 2)
        direction = direction / np.linalg.norm(direction) * 0.08 * min(w, h)
        colour = tuple(float(c) for c in rng.uniform(0, 120, 3))
        cv2.line(img, tuple(int(v) for v in mid - direction), tuple(int(v) for v in mid + direction), colour,
                 int(rng.integers(6, 14)), cv2.LINE_AA)
    img = _lighting(rng, img, corners, difficulty)
    blur = rng.uniform(0, 0.9) if difficulty == "easy" else rng.uniform(0, 2.0)
    if blur > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    noise = np.empty(img.shape, np.float32)
    cv2.setRNGSeed(int(rng.integers(0, 2**31)))
    sigma = rng.uniform(1, 3) if difficulty == "easy" else rng.uniform(2, 8)
    cv2.randn(noise, 0.0, sigma)  # type: ignore[call-overload]  # OpenCV's stubs want arrays; scalars work
    img += noise
    img8: np.ndarray = np.clip(img, 0, 255, out=img).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", img8, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(75, 96))])
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else None
    img8 = decoded if decoded is not None else img8
    return Scene(image=img8, corners=corners, document=document, difficulty=difficulty)


def make_set(difficulty: Difficulty, count: int, seed: int = 0, size: tuple[int, int] = (1280, 960)) -> Iterator[Scene]:
    """`count` scenes from one seed; scene i is the same whatever `count` is."""
    for i in range(count):
        yield make_scene(np.random.default_rng([seed, i, 0 if difficulty == "easy" else 1]), difficulty, size)


def write_set(folder: Path, difficulty: Difficulty, count: int, seed: int = 0,
              size: tuple[int, int] = (1280, 960), ext: str = "jpg") -> Path:
    """Write scenes as `img_000.jpg`... (an OpenCV image sequence) and their corners to truth.json."""
    folder.mkdir(parents=True, exist_ok=True)
    truth = []
    for i, scene in enumerate(make_set(difficulty, count, seed, size)):
        name = f"img_{i:03d}.{ext}"
        cv2.imwrite(str(folder / name), scene.image)
        truth.append({"file": name, "corners": scene.corners.round(2).tolist(), "kind": scene.document.kind})
    (folder / "truth.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")
    render_document.cache_clear()  # a set on disk needs no flat documents in memory (~4 MB each; the sim camera)
    log.info("synthetic set written folder=%s difficulty=%s count=%d", folder, difficulty, count)
    return folder


def main() -> None:
    """`python -m terminal.scanner.synthetic DIR [easy|hard] [COUNT]`: write a set for inspection."""
    import sys

    folder = Path(sys.argv[1])
    difficulty: Difficulty = sys.argv[2] if len(sys.argv) > 2 else "easy"  # type: ignore[assignment]  # the command line is checked against Difficulty below
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    write_set(folder, difficulty, count)
    print(folder)


if __name__ == "__main__":
    main()
