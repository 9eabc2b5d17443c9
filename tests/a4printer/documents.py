"""Every A4 document kind the terminal prints, built from fabricated data (tests, screenshots, bench)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from drivers.printer.samples import sample_case
from terminal.a4docs import a4_test_page, one_time_notice
from terminal.a4pdf import PdfDocument, document_pdf
from terminal.catalog import Catalog, load_catalog
from terminal.config import Config
from terminal.copying import PageToCopy, copy_document
from terminal.fonts import find_cjk_font
from terminal.receipts import acceptance_receipt, correction_notice, progress_slip
from terminal.scanner import synthetic
from terminal.scanner.pipeline import ScanOptions, scan_page

WHEN = datetime(2026, 12, 7, 20, 30)


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
        "acceptance": acceptance_receipt(case, config),
        "correction": correction_notice(case, config),
        "progress": progress_slip(config, case.case_no, case.item_name, "已受理，正在审核", WHEN, WHEN),
        "a4_test_page": a4_test_page(config, WHEN, {"状态": "打印机正常"}),
    }
    return {name: document_pdf(document, font) for name, document in documents.items()}


def all_documents(config: Config) -> dict[str, PdfDocument]:
    return {**text_documents(config), "id_card_copy": id_card_copy(),
            "page_copy": copy_document([scanned("letter", 3)], dpi=200)}
