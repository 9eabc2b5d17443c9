"""Every A4 document kind the terminal prints, built from fabricated data (tests, screenshots, bench)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import numpy as np

from drivers.printer.samples import sample_case
from terminal.a4docs import a4_test_page, one_time_notice
from terminal.a4pdf import PdfDocument, document_pdf
from terminal.casestates import CaseState, Decision
from terminal.catalog import Catalog, load_catalog
from terminal.config import Config
from terminal.copying import PageToCopy, copy_document
from terminal.fonts import find_cjk_font
from terminal.receipts import (
    ReceiptDocument,
    acceptance_notice,
    correction_notice,
    progress_slip,
    rejection_notice,
    submission_receipt,
)
from terminal.scanner import synthetic
from terminal.scanner.pipeline import ScanOptions, scan_page

WHEN = datetime(2026, 12, 7, 20, 30)
DECIDED = Decision("T0001-20261120-0007", CaseState.ACCEPTED, "城乡居民基本养老保险参保登记", "济源市人力资源和社会保障局",
                   datetime(2026, 12, 7, 9, 15), promised_date=date(2026, 12, 14), promised_days=5,
                   platform_ref="PLT-0A1B2C3D")  # the 受理 the platform reports through progress


def guided_item_id(catalog: Catalog) -> str:
    return next(item.id for item in catalog.items if item.guide is not None and
                any(m.sample_form for m in item.guide.materials))


def unguided_item_id(catalog: Catalog) -> str:
    return next(item.id for item in catalog.items if item.guide is None)


def scanned(kind: synthetic.DocumentKind, seed: int) -> PageToCopy:
    """A document camera frame of a fabricated document, through the real pipeline (detect, dewarp, enhance)."""
    scene = synthetic.make_scene(np.random.default_rng(seed), "easy", kind=kind)
    return PageToCopy.from_scan(scan_page(scene.image, ScanOptions(paper="auto")))


def id_card_copy() -> PdfDocument:
    """Both sides of a (fabricated) ID card on one A4 page."""
    return copy_document([scanned("card", 1), scanned("card", 2)], dpi=200)


def text_documents(config: Config) -> dict[str, PdfDocument]:
    catalog = load_catalog(config.terminal.region)
    font = find_cjk_font()
    case = sample_case(missing=("近期一寸免冠彩色照片",))
    documents = {
        "one_time_notice": one_time_notice(catalog.get(guided_item_id(catalog)), config, WHEN),
        "one_time_notice_no_guide": one_time_notice(catalog.get(unguided_item_id(catalog)), config, WHEN),
        "submission": submission_receipt(case, config),
        "correction": correction_notice(case, config),
        "acceptance_notice": acceptance_notice(DECIDED, config, WHEN),
        "rejection_notice": rejection_notice(dataclasses.replace(DECIDED, state=CaseState.RETURNED, promised_date=None,
                                                                 reasons="申请人不属于本地户籍"), config, WHEN),
        "progress": progress_slip(config, case.case_no, case.item_name, "已受理，正在审核", WHEN, WHEN),
        "a4_test_page": a4_test_page(config, WHEN, {"状态": "打印机正常"}),
    }
    return {name: document_pdf(document, font) for name, document in documents.items()}


def all_documents(config: Config) -> dict[str, PdfDocument]:
    return {**text_documents(config), "id_card_copy": id_card_copy(),
            "page_copy": copy_document([scanned("letter", 3)], dpi=200)}


def sample_form(filled: bool) -> PdfDocument:
    """What the platform ships in the catalog bundle: a 填写范本 (filled with fabricated data) or the blank 申请表."""
    from terminal.receipts import Row, Rule, SmallPrint, Text, Title

    value = (lambda text: text) if filled else (lambda _text: "＿＿＿＿＿＿＿＿＿＿＿＿")
    title = "变更姓名申请表（填写范本）" if filled else "变更姓名申请表"
    document = ReceiptDocument("sample_form" if filled else "blank_form", (
        Title(title), Rule(),
        Row("申请人姓名", value("测试样例")), Row("公民身份号码", value("41900119900101004X")),
        Row("拟变更姓名", value("测试新名")), Row("变更理由", value("姓名中含生僻字，影响日常使用")),
        Row("联系电话", value("13800138000")), Rule(),
        Text("本人承诺以上内容真实有效。"), Row("申请人签名", value("测试样例")), Row("申请日期", value("2026年12月7日")),
        SmallPrint("范本中的个人信息为虚构示例。" if filled else "请用黑色签字笔填写。"),
    ))
    return document_pdf(document, find_cjk_font())


def catalog_naming_forms(region: str, version: str, forms: dict[str, str]) -> bytes:
    """The shipped catalog with its sample guides inline (as an update carries them), where the material
    `forms["GUIDE/MATERIAL"]` names that form file (`sample_form: "forms/NAME"`)."""
    import json

    from terminal.catalog import SHIPPED_DIR

    data = json.loads((SHIPPED_DIR / f"{region}.json").read_text(encoding="utf-8"))
    samples = json.loads((SHIPPED_DIR / "sample_guides.json").read_text(encoding="utf-8"))
    rows = {row["id"]: row for row in data["items"]}
    for item_id, entry in samples["items"].items():
        if item_id in rows:
            guide = json.loads(json.dumps(samples["guides"][entry["guide"]]))  # (a copy per item)
            for material in guide["materials"]:
                name = forms.get(f"{entry['guide']}/{material['id']}")
                material["sample_form"] = f"forms/{name}" if name else material["sample_form"]
            rows[item_id]["guide"] = guide
    data["version"] = version
    return json.dumps(data, ensure_ascii=False).encode()
