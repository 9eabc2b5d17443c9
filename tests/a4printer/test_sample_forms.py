"""填写范本 and blank 申请表 from the signed catalog bundle: verified, then printed through a real cupsd."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from drivers.a4printer import A4Job
from drivers.a4printer.simulator import IppEvePrinter, PrivateCups
from terminal.catalog import CatalogError, MaterialSpec
from terminal.sample_forms import form_file, form_signing_message, forms_folder, load_form
from tests.a4printer.conftest import driver, is_a4, pdf_info, pdf_text
from tests.a4printer.documents import sample_form

KEY = Ed25519PrivateKey.generate()
PUBLIC = base64.b64encode(KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def install(data_dir: Path, region: str, name: str, pdf: bytes, signed_region: str | None = None) -> None:
    """The platform's side: the form and its stamp in the bundle folder."""
    folder = forms_folder(data_dir, region)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(pdf)
    signature = KEY.sign(form_signing_message(signed_region or region, name, pdf))
    (folder / f"{name}.signature.json").write_text(json.dumps(
        {"sha256": hashlib.sha256(pdf).hexdigest(), "signature": base64.b64encode(signature).decode()}))


def test_a_material_names_its_form_by_file_only() -> None:
    spec = MaterialSpec("m", "变更姓名申请表", "原件")
    assert form_file(spec) == ""
    assert form_file(MaterialSpec("m", "n", "原件", sample_form="forms/变更姓名申请表.pdf")) == "变更姓名申请表.pdf"
    assert form_file(MaterialSpec("m", "n", "原件", sample_form="变更姓名申请表（填写样表）")) == ""
    assert form_file(MaterialSpec("m", "n", "原件", sample_form="forms/../keys.pdf")) == ""


@pytest.mark.parametrize("filled", [True, False])
def test_a_signed_form_prints_on_a4(filled: bool, tmp_path: Path, cups: PrivateCups, printer_sim: IppEvePrinter) -> None:
    form = sample_form(filled)
    install(tmp_path, "jiyuan", "变更姓名申请表.pdf", form.data)
    pdf = load_form(tmp_path, "jiyuan", "变更姓名申请表.pdf", (PUBLIC,))
    before = set(printer_sim.printed())
    assert driver(cups.uri).print_job(A4Job(pdf, form.kind, form.pages)).printed
    (arrived,) = set(printer_sim.printed()) - before
    text = pdf_text(arrived)
    assert is_a4(pdf_info(arrived)) and "变更姓名申请表" in text
    assert ("填写范本" in text and "测试新名" in text) if filled else "＿＿＿" in text


def test_a_changed_moved_or_unsigned_form_is_refused(tmp_path: Path) -> None:
    form = sample_form(True).data
    install(tmp_path, "jiyuan", "a.pdf", form)
    (forms_folder(tmp_path, "jiyuan") / "a.pdf").write_bytes(form + b"%")
    install(tmp_path, "yanshi", "b.pdf", form, signed_region="jiyuan")
    install(tmp_path, "jiyuan", "c.pdf", form)
    for region, name, keys in (("jiyuan", "a.pdf", (PUBLIC,)), ("yanshi", "b.pdf", (PUBLIC,)),
                               ("jiyuan", "c.pdf", ()), ("jiyuan", "missing.pdf", (PUBLIC,))):
        with pytest.raises(CatalogError):
            load_form(tmp_path, region, name, keys)
