"""填写范本 and blank 申请表: PDFs in the catalog bundle, signed like the catalog.

A material names its form by file (`sample_form: "forms/变更姓名申请表.pdf"`; a plain description
names none). The platform delivers the files beside the catalog update, in
`<data_dir>/catalog/forms/<region>/`, each with a stamp `<file>.signature.json` holding its SHA-256
and an Ed25519 signature over format, region, file name and SHA-256 by a key in
`platform.catalog_keys`: a form that was changed, renamed or moved to another region is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path

from terminal.catalog import CatalogError, MaterialSpec, signature_valid_for

FORM_FORMAT = "gov-terminal-form/1"
MAX_FORM_BYTES = 10 * 1024 * 1024


def form_file(material: MaterialSpec) -> str:
    """The form's file name ("" when the catalog gives only a description)."""
    name = material.sample_form.removeprefix("forms/")
    return name if name.endswith(".pdf") and "/" not in name and not name.startswith(".") else ""


def form_signing_message(region: str, name: str, pdf: bytes) -> bytes:
    return f"{FORM_FORMAT}\n{region}\n{name}\n{hashlib.sha256(pdf).hexdigest()}".encode()


def forms_folder(data_dir: Path, region: str) -> Path:
    return Path(data_dir).expanduser() / "catalog" / "forms" / region


def load_form(data_dir: Path, region: str, name: str, keys: tuple[str, ...]) -> bytes:
    """The form's PDF bytes if present and signed by one of `keys`; CatalogError in words otherwise."""
    path = forms_folder(data_dir, region) / name
    try:
        pdf = path.read_bytes()
        stamp = json.loads(path.with_name(name + ".signature.json").read_text(encoding="utf-8"))
        signature = base64.b64decode(stamp["signature"], validate=True)
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as error:
        raise CatalogError(f"form {name}: not available ({type(error).__name__})") from None
    if len(pdf) > MAX_FORM_BYTES or not pdf.startswith(b"%PDF-"):
        raise CatalogError(f"form {name}: not a PDF of at most {MAX_FORM_BYTES} bytes")
    if stamp.get("sha256") != hashlib.sha256(pdf).hexdigest():
        raise CatalogError(f"form {name}: changed since it was signed")
    if not keys or not signature_valid_for(form_signing_message(region, name, pdf), signature, keys):
        raise CatalogError(f"form {name}: signature does not verify with any configured key")
    return pdf
