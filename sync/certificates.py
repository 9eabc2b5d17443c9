"""证明 from the platform for the card holder, to print at once (`POST /v1/certificates`).

The terminal sends the identity just read from the ID card and gets a PDF back. The PDF is returned
as bytes for the A4 printer and never written anywhere: the caller prints it and drops it.
"""

from __future__ import annotations

import logging

from sync.client import ClientSettings, PlatformClient
from terminal.config import Config
from terminal.errors import PlatformError
from terminal.identity import Identity

log = logging.getLogger(__name__)

MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
# the catalog items whose result is a certificate printed on the spot (参保证明打印), per region
CERTIFICATE_ITEMS = {"jiyuan": "jiyuan-018", "yanshi": "yanshi-077"}


class CertificateUnavailable(PlatformError):
    """The platform issued no certificate (not a certificate item, no record, or not reachable)."""

    advice_zh = "暂时不能打印证明，请稍后再试，或到窗口请工作人员帮助。"


def fetch_certificate(config: Config, item_id: str, holder: Identity) -> bytes:
    """The certificate PDF for `holder`; raises CertificateUnavailable in words. Blocks: call it off the UI thread."""
    if not (config.platform.url and config.platform.credentials):
        raise CertificateUnavailable("no platform configured",
                                     advice_zh="本终端没有连接政务服务平台，不能打印证明，请到窗口办理。")
    client = PlatformClient(ClientSettings.from_config(config))
    try:
        response = client.request("POST", "/v1/certificates", max_answer_bytes=MAX_CERTIFICATE_BYTES,
                                  json_body={"item_id": item_id, "id_number": holder.id_number, "name": holder.name})
    except PlatformError as error:
        raise CertificateUnavailable(f"platform not reachable: {error.message}") from None
    finally:
        client.close()
    if response.status_code == 404:
        raise CertificateUnavailable("no certificate for this item",
                                     advice_zh="平台没有查到可以打印的证明，请到窗口咨询。")
    if response.status_code != 200 or not response.content.startswith(b"%PDF-"):
        log.warning("certificate.refused status=%s", response.status_code)
        raise CertificateUnavailable(f"platform answered {response.status_code}")
    return response.content
