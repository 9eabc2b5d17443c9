"""证明 the platform issues to a card holder for printing at a terminal (参保证明打印: jiyuan-018, yanshi-077).

The reference server has no insurance records: it issues a 参保证明 marked 示例 (sample) with the
holder's masked name and number, so terminals and tests have a real PDF to print. A production
platform answers from its own records the same way. Nothing of the request is logged or kept.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

# items whose result is a certificate printed on the spot, by region catalog id
CERTIFICATE_ITEMS = {"jiyuan-018": "城乡居民基本医疗保险参保证明", "yanshi-077": "城乡居民基本医疗保险参保证明"}
FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
         "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT = "CentralCJK"


class NoFont(RuntimeError):
    """The server has no CJK font to write a certificate with."""


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in FONTS if Path(p).is_file()), None)
        if path is None:
            raise NoFont("no CJK font; install fonts-wqy-microhei")
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    return FONT


def masked(id_number: str, name: str) -> tuple[str, str]:
    return id_number[:4] + "*" * 10 + id_number[-4:], name[:1] + "*" * (len(name) - 1)


def certificate_pdf(item_id: str, id_number: str, name: str, issued: datetime) -> bytes:
    """One A4 page: title, holder (masked), the sample insurance rows, issuer and date."""
    font = _font()
    title = CERTIFICATE_ITEMS[item_id]
    shown_id, shown_name = masked(id_number, name)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, initialFontName=font)  # type: ignore[arg-type]  # the stub says float
    canvas.setTitle(title)
    width, height = A4
    canvas.setFont(font, 20)
    canvas.drawCentredString(width / 2, height - 35 * mm, title)
    canvas.setFont(font, 11)
    canvas.drawCentredString(width / 2, height - 45 * mm, "（示例：参考平台生成，非正式证明）")
    lines = [f"参保人：{shown_name}", f"公民身份号码：{shown_id}", "参保险种：城乡居民基本医疗保险",
             "参保状态：正常参保", "参保地：示范市示范镇", f"缴费年度：{issued.year}年（已缴费）",
             "", "特此证明。", "", "出具单位：示范市医疗保障事务中心（示例）", f"出具日期：{issued:%Y年%m月%d日}",
             f"验证码：{int(hashlib.sha256(f'{item_id}{issued:%Y%m%d}{id_number}'.encode()).hexdigest(), 16) % 10**8:08d}"]
    y = height - 65 * mm
    canvas.setFont(font, 13)
    for line in lines:
        canvas.drawString(30 * mm, y, line)
        y -= 9 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
