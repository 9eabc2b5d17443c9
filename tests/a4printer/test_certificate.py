"""证明: the reference platform's POST /v1/certificates on a real HTTP server, the PDF printed through a
real cupsd to ippeveprinter, only for the card holder who asked, and never written by the terminal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.a4printer import A4Job
from drivers.a4printer.simulator import IppEvePrinter, PrivateCups
from drivers.printer.samples import SAMPLE_ID_NUMBER, SAMPLE_NAME, sample_case
from sync.certificates import CertificateUnavailable, fetch_certificate
from terminal.config import Config, from_dict
from tests.a4printer.conftest import driver, is_a4, pdf_info, pdf_text
from ui.demo import Central, start_central


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Central, Path]]:
    server, secret = start_central(tmp_path_factory.mktemp("central"))
    yield server, secret
    server.stop()


@pytest.fixture
def config(central: tuple[Central, Path], tmp_path: Path) -> Config:
    server, secret = central
    base = from_dict({"storage": {"data_dir": str(tmp_path / "data")}})
    return dataclasses.replace(base, platform=dataclasses.replace(base.platform, url=server.url, credentials=secret))


def test_the_holder_gets_a_certificate_that_prints_on_a4(config: Config, cups: PrivateCups,
                                                        printer_sim: IppEvePrinter, tmp_path: Path) -> None:
    holder = sample_case().applicant
    pdf = fetch_certificate(config, "jiyuan-018", holder)
    before = set(printer_sim.printed())
    result = driver(cups.uri).print_job(A4Job(pdf, "certificate", 1))
    assert result.printed and result.pages == 1
    (arrived,) = set(printer_sim.printed()) - before
    text = pdf_text(arrived)
    assert is_a4(pdf_info(arrived)) and "城乡居民基本医疗保险参保证明" in text
    assert SAMPLE_ID_NUMBER[:4] + "*" * 10 + SAMPLE_ID_NUMBER[-4:] in text
    assert SAMPLE_ID_NUMBER not in text and SAMPLE_NAME not in text
    written = [p for p in (tmp_path / "data").rglob("*") if p.is_file()] if (tmp_path / "data").exists() else []
    assert written == []  # the terminal kept nothing of it


def test_an_item_without_certificate_and_no_platform_say_so_in_words(config: Config) -> None:
    holder = sample_case().applicant
    with pytest.raises(CertificateUnavailable) as refused:
        fetch_certificate(config, "jiyuan-001", holder)
    assert "没有查到" in refused.value.advice_zh
    offline = dataclasses.replace(config, platform=dataclasses.replace(config.platform, url=""))
    with pytest.raises(CertificateUnavailable) as none:
        fetch_certificate(offline, "jiyuan-018", holder)
    assert "没有连接政务服务平台" in none.value.advice_zh
