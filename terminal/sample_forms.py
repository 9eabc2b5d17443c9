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
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from terminal.catalog import CatalogError, MaterialSpec, signature_valid_for
from terminal.safewrite import write_atomic

FORM_FORMAT = "gov-terminal-form/1"
MAX_FORM_BYTES = 10 * 1024 * 1024
STAMP_SUFFIX = ".signature.json"
MAX_NAME_BYTES = 200  # (a file name on ext4 may have 255 bytes; the stamp adds 15)


def form_file(material: MaterialSpec) -> str:
    """The form's file name ("" when the catalog gives only a description)."""
    return form_name(material.sample_form)


def form_name(sample_form: str) -> str:
    """The file name a catalog's `sample_form` names, "" for a description or a name that could leave
    the forms folder (a path, a hidden file): the one rule for the kiosk, the sync and the platform."""
    name = sample_form.removeprefix("forms/")
    safe = name.isprintable() and not name.startswith(".") and not set(name) & set("/\\")
    return name if safe and name.endswith(".pdf") and len(name.encode()) <= MAX_NAME_BYTES else ""


def form_signing_message(region: str, name: str, pdf: bytes) -> bytes:
    return f"{FORM_FORMAT}\n{region}\n{name}\n{hashlib.sha256(pdf).hexdigest()}".encode()


def forms_folder(data_dir: Path, region: str) -> Path:
    return Path(data_dir).expanduser() / "catalog" / "forms" / region


def sign_form(private_key: Ed25519PrivateKey, region: str, name: str, pdf: bytes) -> dict[str, str]:
    """The envelope `GET /v1/forms/{region}/{name}` serves (the platform's side; gov_central and tests)."""
    signature = private_key.sign(form_signing_message(region, name, pdf))
    return {"format": FORM_FORMAT, "region": region, "name": name, "pdf": base64.b64encode(pdf).decode("ascii"),
            "signature": base64.b64encode(signature).decode("ascii")}


def check_form(region: str, name: str, pdf: bytes, signature: bytes, keys: tuple[str, ...]) -> None:
    """CatalogError in words unless `pdf` is a PDF within limits signed for this region and name."""
    if len(pdf) > MAX_FORM_BYTES or not pdf.startswith(b"%PDF-"):
        raise CatalogError(f"form {name}: not a PDF of at most {MAX_FORM_BYTES} bytes")
    if not keys or not signature_valid_for(form_signing_message(region, name, pdf), signature, keys):
        raise CatalogError(f"form {name}: signature does not verify with any configured key")


def install_form(data_dir: Path, region: str, name: str, pdf: bytes, signature: bytes) -> None:
    """The PDF, then its stamp (a crash between leaves a stamp that does not match: fetched again)."""
    path = forms_folder(data_dir, region) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, pdf, mode=0o644)
    write_atomic(path.with_name(name + STAMP_SUFFIX), json.dumps(
        {"sha256": hashlib.sha256(pdf).hexdigest(), "signature": base64.b64encode(signature).decode("ascii"),
         "accepted_at": datetime.now(UTC).isoformat(timespec="seconds")}).encode(), mode=0o644)


def load_form(data_dir: Path, region: str, name: str, keys: tuple[str, ...]) -> bytes:
    """The form's PDF bytes if present and signed by one of `keys`; CatalogError in words otherwise."""
    path = forms_folder(data_dir, region) / name
    try:
        pdf = path.read_bytes()
        stamp = json.loads(path.with_name(name + STAMP_SUFFIX).read_text(encoding="utf-8"))
        signature = base64.b64decode(stamp["signature"], validate=True)
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as error:
        raise CatalogError(f"form {name}: not available ({type(error).__name__})") from None
    if stamp.get("sha256") != hashlib.sha256(pdf).hexdigest():
        raise CatalogError(f"form {name}: changed since it was signed")
    check_form(region, name, pdf, signature, keys)
    return pdf
