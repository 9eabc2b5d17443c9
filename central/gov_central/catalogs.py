"""Catalogs from the console: upload, validate against the terminal's schema, sign with Ed25519, publish.

The signing key is a file (`--catalog-key`, base64 of the 32-byte Ed25519 seed, mode 0600), never
the database: a copy of the database cannot sign. A published catalog is the envelope of
docs/sync-protocol.md (`gov-terminal-catalog/1`) written durably to `<catalog dir>/<region>.signed.json`,
which `GET /v1/catalog/{region}` serves; its version is the region's last one plus one, so every
terminal takes it as newer. Which version each terminal runs is what its heartbeat says it installed
(`catalog_version`, 0 for the catalog it shipped with), beside what it last fetched: a fetched update
that the terminal refused (a key it does not trust) shows as fetched and not running.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gov_central.db import Database, Row
from gov_central.fleet import now, stamp
from terminal import strictjson
from terminal.catalog import MAX_CATALOG_BYTES, SIGNED_FORMAT, CatalogError, parse_catalog, signing_message
from terminal.safewrite import write_atomic
from terminal.sample_forms import MAX_FORM_BYTES, form_name, sign_form

REGION = re.compile(r"[a-z0-9_-]{1,32}")


class CatalogRejected(Exception):
    """The upload is not a valid catalog (the message says where), or publishing is not set up."""


def new_key(path: Path) -> str:
    """Write a new signing key (0600); returns its public key in base64 for the terminals' `catalog_keys`."""
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes_raw()
    write_atomic(path, base64.b64encode(seed) + b"\n", mode=0o600)
    return public_key(key)


def load_key(path: Path) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_bytes().strip(), validate=True))


def public_key(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes_raw()).decode("ascii")


def form_path(catalog_dir: Path | None, region: str, name: str) -> Path | None:
    """Where a published form's envelope lives; None for a region or name that could leave the folder."""
    if catalog_dir is None or not REGION.fullmatch(region) or form_name(name) != name:
        return None
    return catalog_dir / "forms" / region / f"{name}.signed.json"


def form_envelope(catalog_dir: Path | None, region: str, name: str) -> bytes | None:
    """The signed envelope `GET /v1/forms/{region}/{name}` serves, None when there is none."""
    path = form_path(catalog_dir, region, name)
    try:
        return path.read_bytes() if path is not None else None
    except FileNotFoundError:
        return None


class Catalogs:
    def __init__(self, db: Database, folder: Path | None, key_file: Path | None) -> None:
        self.db = db
        self.folder = folder
        self.key_file = key_file

    @property
    def ready(self) -> bool:
        return self.folder is not None and self.key_file is not None

    def publish(self, data: bytes, operator: str) -> tuple[str, int]:
        """Validate, sign and publish; returns (region, version)."""
        if self.folder is None or self.key_file is None:
            raise CatalogRejected("未配置目录发布（需要 --catalog-dir 和 --catalog-key）")
        try:
            parsed = strictjson.loads(data, max_bytes=MAX_CATALOG_BYTES, max_depth=32)
            catalog = parse_catalog(parsed, "上传的目录")
        except strictjson.JsonRefused as refused:
            raise CatalogRejected(f"不是有效的 JSON：{refused.message}") from None
        except CatalogError as error:
            raise CatalogRejected(error.message) from None
        region = catalog.region
        last = self.db.one("SELECT MAX(version) AS v FROM catalogs WHERE region = ?", (region,))
        version = int(last["v"] or 0) + 1 if last else 1
        key = load_key(self.key_file)
        envelope = {"format": SIGNED_FORMAT, "region": region, "version": version,
                    "catalog": base64.b64encode(data).decode("ascii"),
                    "signature": base64.b64encode(key.sign(signing_message(region, version, data))).decode("ascii")}
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / f"{region}.signed.json", json.dumps(envelope).encode(), mode=0o644)
        self.db.execute("INSERT INTO catalogs (region, version, sha256, items, published_at, operator)"
                        " VALUES (?, ?, ?, ?, ?, ?)", (region, version, hashlib.sha256(data).hexdigest(),
                                                       len(catalog.items), stamp(now()), operator))
        return region, version

    def publish_form(self, region: str, name: str, pdf: bytes) -> None:
        """Sign a 填写范本 or blank form for a region; terminals fetch it when their catalog names
        `forms/NAME` (a form of the same name is replaced)."""
        if self.folder is None or self.key_file is None:
            raise CatalogRejected("未配置目录发布（需要 --catalog-dir 和 --catalog-key）")
        path = form_path(self.folder, region, name)
        if path is None:
            raise CatalogRejected("地区或文件名不可用：文件名须以 .pdf 结尾，不含路径，不以点开头")
        if len(pdf) > MAX_FORM_BYTES or not pdf.startswith(b"%PDF-"):
            raise CatalogRejected(f"不是 PDF 文件，或超过 {MAX_FORM_BYTES // (1024 * 1024)} MB")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(sign_form(load_key(self.key_file), region, name, pdf)).encode(), mode=0o644)

    def forms(self) -> list[dict[str, object]]:
        """Published forms by region and name, with size and SHA-256, for the console."""
        found: list[dict[str, object]] = []
        for path in sorted(self.folder.glob("forms/*/*.signed.json")) if self.folder else ():
            try:
                pdf = base64.b64decode(json.loads(path.read_bytes())["pdf"])
            except (OSError, ValueError, KeyError, TypeError):  # (a damaged file: listed, to be published again)
                pdf = b""
            found.append({"region": path.parent.name, "name": path.name.removesuffix(".signed.json"),
                          "bytes": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest() if pdf else "（文件损坏）"})
        return found

    def published(self) -> list[Row]:
        return self.db.all("SELECT region, version, sha256, items, published_at, operator FROM catalogs"
                           " ORDER BY region, version DESC")

    def fetches(self) -> list[dict[str, object]]:
        """Per terminal: region, version last fetched and when, and the version its heartbeat says runs."""
        running: dict[str, object] = {}
        for hb in self.db.all("SELECT terminal_id, body FROM heartbeats"):
            body = json.loads(hb["body"])
            running[hb["terminal_id"]] = body.get("catalog_version") if isinstance(body, dict) else None
        rows = {r["terminal_id"]: {**dict(r), "running": running.get(r["terminal_id"])}
                for r in self.db.all("SELECT terminal_id, region, version, at FROM catalog_fetches ORDER BY terminal_id")}
        for terminal_id, version in running.items():
            rows.setdefault(terminal_id, {"terminal_id": terminal_id, "region": "", "version": None, "at": None,
                                          "running": version})
        return [rows[t] for t in sorted(rows)]

    def public(self) -> str:
        return public_key(load_key(self.key_file)) if self.key_file and os.path.exists(self.key_file) else ""
