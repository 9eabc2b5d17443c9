"""A fabricated case (测试样例, valid check digit) for the receipt screenshots, the benchmark and tests.

Never real people: the name is 测试样例 and the ID number is made up with a correct GB 11643
check digit, so masking and validation run exactly as they do on a real card.
"""

from __future__ import annotations

from datetime import date, datetime

from terminal.cases import Case, CaseKind, Material, Page
from terminal.identity import Identity
from terminal.idnumber import make_id_number

SAMPLE_NAME = "测试样例"
SAMPLE_ID_NUMBER = make_id_number("419001", date(1990, 1, 1), 4)


def sample_case(kind: CaseKind = CaseKind.PROMISED,
                missing: tuple[str, ...] = ("近期一寸免冠彩色照片", "银行卡（社保卡）复印件")) -> Case:
    """A typical 承诺件 with three materials received (the ID card by the card read) and two missing."""
    identity = Identity("resident", SAMPLE_NAME, "男", "01", date(1990, 1, 1), "河南省济源市示范镇测试路1号",
                        SAMPLE_ID_NUMBER, "济源市公安局", date(2020, 1, 1), None)
    page = Page(b"\xff\xd8 fabricated page", 10, 10)
    return Case("T0001-20261120-0007", "T0001", "jiyuan", "J001", "城乡居民基本养老保险参保登记",
                "济源市人力资源和社会保障局", kind, datetime(2026, 11, 20, 14, 35),
                None if kind is CaseKind.IMMEDIATE else date(2026, 11, 27), identity, "13800138000",
                materials=(Material("m1", "居民身份证", from_card=True), Material("m2", "户口簿首页及本人页", (page,)),
                           Material("m3", "参保登记表", (page,))),
                missing=missing, promised_days=None if kind is CaseKind.IMMEDIATE else 5)
