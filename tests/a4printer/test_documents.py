"""Every A4 document kind printed through a real private cupsd to a real ippeveprinter, and the PDF
that arrived checked: page count, A4 page size, the Chinese text pdftotext extracts, a copy's true size."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from drivers.a4printer import A4Job
from drivers.a4printer.simulator import IppEvePrinter, PrivateCups
from drivers.printer.samples import SAMPLE_ID_NUMBER, SAMPLE_NAME
from terminal.a4pdf import PdfDocument
from terminal.config import Config, from_dict
from tests.a4printer.conftest import driver, is_a4, need, pdf_info, pdf_text
from tests.a4printer.documents import all_documents

EXPECTED_TEXT = {
    "one_time_notice": ["一次性告知单", "申请材料", "原件及复印件", "受理条件", "承诺时限", "咨询电话",
                        "手机扫码查看网上办事指南"],
    "one_time_notice_no_guide": ["一次性告知单", "办事指南尚未发布到本终端", "咨询电话"],
    "submission": ["收件回执", "T0001-20261120-0007", "已收材料"],
    "correction": ["补齐补正通知书", "近期一寸免冠彩色照片"],
    "acceptance_notice": ["受理通知书", "2026年12月14日前办结", "PLT-0A1B2C3D"],
    "rejection_notice": ["不予受理（退件）告知书", "申请人不属于本地户籍"],
    "progress": ["办理进度", "已受理，正在审核"],
    "a4_test_page": ["A4打印机测试页", "测试页不含任何个人信息"],
}


@pytest.fixture(scope="module")
def config() -> Config:
    return from_dict({})


@pytest.fixture(scope="module")
def documents(config: Config) -> dict[str, PdfDocument]:
    return all_documents(config)


def print_through_cups(cups: PrivateCups, printer: IppEvePrinter, document: PdfDocument) -> Path:
    before = set(printer.printed())
    result = driver(cups.uri).print_job(A4Job(document.data, document.kind, document.pages))
    assert result.printed, result
    assert result.pages == document.pages  # as CUPS counted them
    (arrived,) = set(printer.printed()) - before
    return arrived


@pytest.mark.parametrize("name", sorted(EXPECTED_TEXT))
def test_a_text_document_prints_on_a4_with_its_chinese_text(name: str, documents: dict[str, PdfDocument],
                                                             cups: PrivateCups, printer_sim: IppEvePrinter) -> None:
    document = documents[name]
    arrived = print_through_cups(cups, printer_sim, document)
    info = pdf_info(arrived)
    assert int(info["Pages"]) == document.pages and is_a4(info)
    text = pdf_text(arrived)
    for words in EXPECTED_TEXT[name]:
        assert re.sub(r"\s+", "", words) in text, f"{words!r} not in the printed {name}"


def test_the_receipts_on_a4_mask_the_applicant(documents: dict[str, PdfDocument], tmp_path: Path) -> None:
    for name in ("submission", "correction"):
        (tmp_path / f"{name}.pdf").write_bytes(documents[name].data)
        text = pdf_text(tmp_path / f"{name}.pdf")
        assert "**********" in text and SAMPLE_ID_NUMBER not in text and SAMPLE_NAME not in text


def image_sizes_mm(path: Path) -> list[tuple[float, float]]:
    """Each placed image's width and height in millimetres (pixels over the ppi it is drawn at)."""
    need("pdfimages")
    out = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    sizes = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        width, height, x_ppi, y_ppi = int(cols[3]), int(cols[4]), float(cols[12]), float(cols[13])
        sizes.append((width / x_ppi * 25.4, height / y_ppi * 25.4))
    return sizes


def test_an_id_card_copy_prints_both_sides_at_true_size_on_one_page(documents: dict[str, PdfDocument],
                                                                   cups: PrivateCups, printer_sim: IppEvePrinter) -> None:
    document = documents["id_card_copy"]
    assert document.pages == 1 and document.kind == "id_card_copy"
    arrived = print_through_cups(cups, printer_sim, document)
    info = pdf_info(arrived)
    assert info["Pages"] == "1" and is_a4(info)
    sizes = image_sizes_mm(arrived)
    assert len(sizes) == 2
    for width, height in sizes:
        assert abs(width - 85.6) <= 1.0 and abs(height - 54.0) <= 1.0, sizes


def test_a_page_copy_prints_at_a4_size(documents: dict[str, PdfDocument], cups: PrivateCups,
                                       printer_sim: IppEvePrinter) -> None:
    arrived = print_through_cups(cups, printer_sim, documents["page_copy"])
    (size,) = image_sizes_mm(arrived)
    assert abs(size[0] - 210) <= 1.0 and abs(size[1] - 297) <= 1.0, size
