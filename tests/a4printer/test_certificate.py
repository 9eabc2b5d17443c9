"""证明: the reference platform's POST /v1/certificates on a real HTTP server, the PDF printed through a
real cupsd to ippeveprinter, only for the card holder who asked, and never written by the terminal."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from drivers.a4printer import A4Job
from drivers.a4printer.simulator import IppEvePrinter, PrivateCups
from drivers.printer.samples import SAMPLE_ID_NUMBER, SAMPLE_NAME, sample_case
from sync.certificates import MAX_CERTIFICATE_BYTES, CertificateUnavailable, fetch_certificate
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


class Hostile(BaseHTTPRequestHandler):
    """A platform that answers the certificate request with something that is not a certificate."""

    answers: ClassVar[dict[str, bytes]] = {"/not-pdf": b"<html>error</html>",
                                           "/huge": b"%PDF-" + bytes(MAX_CERTIFICATE_BYTES)}

    def do_POST(self) -> None:  # (the name http.server calls)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path.startswith("/slow"):
            time.sleep(5)  # past the client's deadline (3 x 1 s)
            return
        body = self.answers[self.path.split("/v1/")[0]]
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.mark.parametrize("where", ["/not-pdf", "/huge", "/slow"])
def test_what_is_not_a_certificate_is_refused_in_words(where: str, config: Config) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    platform = dataclasses.replace(config.platform, url=f"http://127.0.0.1:{server.server_port}{where}",
                                   timeout_seconds=1.0)
    try:
        with pytest.raises(CertificateUnavailable) as refused:
            fetch_certificate(dataclasses.replace(config, platform=platform), "jiyuan-018", sample_case().applicant)
        assert "暂时不能打印证明" in refused.value.advice_zh
    finally:
        server.shutdown()
        server.server_close()
