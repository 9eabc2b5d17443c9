"""填写范本 and blank forms come down beside the catalog: the forms the installed catalog names, and no other.

After each catalog check the sync service reads which files the installed catalog update names
(`sample_form: "forms/NAME.pdf"`), asks the platform for each one that is missing or no longer
verifies (`GET /v1/forms/{region}/{NAME}`, a signed envelope, docs/sync-protocol.md), installs it
with its stamp (terminal.sample_forms) and deletes every file the catalog no longer names: the
folder holds what the current catalog needs, however many catalogs came before.

Like the catalog, nothing is trusted before its limits: the answer is read with a size cap, parsed
by terminal.strictjson, then the signature over region, name and SHA-256 is checked. A refused or
missing form is logged and recorded as an event; the others still come, and the next round tries again.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sync.client import AnswerRefused, PlatformClient
from terminal import events, strictjson
from terminal.catalog import MAX_CATALOG_BYTES, MAX_CATALOG_DEPTH, CatalogError
from terminal.sample_forms import (
    FORM_FORMAT,
    MAX_FORM_BYTES,
    STAMP_SUFFIX,
    check_form,
    form_name,
    forms_folder,
    install_form,
    load_form,
)

log = logging.getLogger(__name__)

MAX_FORM_ENVELOPE_BYTES = MAX_FORM_BYTES * 4 // 3 + 64 * 1024
MAX_FORMS = 500  # forms one catalog may name (a county has a few dozen)


@dataclass
class FormsRound:
    """What one round did, for the log and the tests."""

    fetched: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)    # the platform has no such form (yet)
    refused: list[str] = field(default_factory=list)    # the answer failed its checks
    removed: list[str] = field(default_factory=list)    # files the catalog no longer names


def named_forms(data_dir: Path, region: str) -> list[str] | None:
    """The form files the installed catalog update names, in catalog order (none with the shipped catalog);
    None when the installed catalog cannot be read now (then nothing is fetched or deleted this round)."""
    try:
        data = strictjson.loads((Path(data_dir).expanduser() / "catalog" / f"{region}.json").read_bytes(),
                                max_bytes=MAX_CATALOG_BYTES, max_depth=MAX_CATALOG_DEPTH)
    except FileNotFoundError:
        return []
    except (OSError, strictjson.JsonRefused) as error:
        log.warning("forms.catalog_unreadable region=%s problem=%s", region, type(error).__name__)
        return None
    names: dict[str, None] = {}
    for value in _sample_forms(data):
        if name := form_name(value):
            names.setdefault(name)
    return list(names)[:MAX_FORMS]


def _sample_forms(node: Any) -> list[str]:
    """Every `sample_form` string anywhere in the catalog (materials sit in guides, guides in items)."""
    if isinstance(node, dict):
        own = [node["sample_form"]] if isinstance(node.get("sample_form"), str) else []
        return own + [found for value in node.values() for found in _sample_forms(value)]
    if isinstance(node, list):
        return [found for value in node for found in _sample_forms(value)]
    return []


def fetch_form(client: PlatformClient, region: str, name: str, keys: tuple[str, ...], data_dir: Path) -> bool:
    """Download, check and install one form; False when the platform has none by that name.

    Raises CatalogError (refused: nothing written) or PlatformError (not reachable).
    """
    try:
        envelope = client.get_envelope(f"/v1/forms/{region}/{quote(name)}", MAX_FORM_ENVELOPE_BYTES)
    except AnswerRefused as refused:
        raise CatalogError(f"form {name}: answer refused: {refused.message}") from None
    if envelope is None:
        return False
    try:
        if (envelope["format"], envelope["region"], envelope["name"]) != (FORM_FORMAT, region, name):
            raise CatalogError(f"form {name}: envelope for another format, region or name")
        pdf = base64.b64decode(envelope["pdf"], validate=True)
        signature = base64.b64decode(envelope["signature"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise CatalogError(f"form {name}: envelope is malformed") from None
    check_form(region, name, pdf, signature, keys)
    install_form(data_dir, region, name, pdf, signature)
    return True


def update_forms(client: PlatformClient, region: str, keys: tuple[str, ...], data_dir: Path) -> FormsRound:
    """Bring the forms folder to what the installed catalog names. PlatformError when the platform is not
    reachable (what was fetched before that stays)."""
    done = FormsRound()
    wanted = named_forms(data_dir, region)
    if wanted is None:
        return done
    for name in wanted:
        try:
            load_form(data_dir, region, name, keys)
            done.kept.append(name)
            continue
        except CatalogError:
            pass  # missing, changed or signed by a key no longer trusted: ask again
        try:
            (done.fetched if fetch_form(client, region, name, keys, data_dir) else done.missing).append(name)
        except CatalogError as refused:
            done.refused.append(name)
            log.warning("forms.refused region=%s problem=%s", region, refused.message)
            events.record(events.EventId.CATALOG_REFUSED, region=region, reason=refused.message)
    done.removed = _prune(forms_folder(data_dir, region), set(wanted))
    if done.fetched or done.missing or done.refused or done.removed:
        log.info("forms.updated region=%s fetched=%d kept=%d missing=%d refused=%d removed=%d", region,
                 len(done.fetched), len(done.kept), len(done.missing), len(done.refused), len(done.removed))
    return done


def _prune(folder: Path, wanted: set[str]) -> list[str]:
    """Delete what the catalog does not name: old forms, their stamps, a temporary left by a crash."""
    keep = wanted | {name + STAMP_SUFFIX for name in wanted}
    try:
        stale = [path for path in folder.iterdir() if path.name not in keep and not path.is_dir()]
    except FileNotFoundError:
        return []
    for path in stale:
        path.unlink(missing_ok=True)
    return sorted(path.name for path in stale)
