"""What comes down the wire: signed catalog updates, case progress, and the heartbeat that goes up.

A catalog update is a JSON envelope signed with Ed25519 by a key listed in
`platform.catalog_keys`; the signed message binds region, version and the catalog's SHA-256, so
neither can be swapped. A bad signature, a tampered catalog, an unknown key or a version not newer
than the one installed is refused and the current catalog stays. An accepted catalog is written
atomically to `<data_dir>/catalog/<region>.json`, where `terminal.catalog.load_catalog` reads it
and checks it again against its stamp `<region>.signature.json`.

Nothing from the platform is trusted before its limits are checked: the answer is read with a size
cap (sync.client), then parsed by terminal.strictjson (depth, finite numbers) before the signature
is looked at; a refusal never stops the sync service. A corrupt stamp on disk is moved aside
(`.corrupt`) with an event, and the next valid update is installed over it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.client import AnswerRefused, ClientSettings, PlatformClient
from sync.forms import update_forms
from sync.outbox import DELIVERED, PURGED, QUEUED, SENDING, Outbox
from terminal import __version__, events, strictjson
from terminal.casestates import OPEN_FOR_SUPPLEMENT, CaseState, Decision
from terminal.catalog import (
    MAX_CATALOG_BYTES,
    MAX_CATALOG_DEPTH,
    SIGNED_FORMAT,
    CatalogError,
    parse_catalog,
    read_stamp,
    signature_valid,
    signing_message,
)
from terminal.config import Config
from terminal.errors import ConfigError, PlatformError, TerminalError
from terminal.safewrite import write_atomic

log = logging.getLogger(__name__)

CATALOG_FORMAT = SIGNED_FORMAT
PROGRESS_TIMEOUT_SECONDS = 5.0
# The envelope carries the catalog in base64 (4/3 of its size) and a few short fields.
MAX_ENVELOPE_BYTES = MAX_CATALOG_BYTES * 4 // 3 + 64 * 1024
MAX_VERSION = 2 ** 53


class CatalogRefused(TerminalError):
    """A catalog update failed its signature, version or content checks; the current catalog stays."""

    advice_zh = "收到的事项目录更新未通过校验，终端继续使用当前目录。"


def sign_catalog(private_key: Ed25519PrivateKey, region: str, version: int, catalog: bytes) -> dict[str, Any]:
    """Build a signed envelope (the platform's side; used by tests, the demo and `sync central`)."""
    return {"format": CATALOG_FORMAT, "region": region, "version": version,
            "catalog": base64.b64encode(catalog).decode("ascii"),
            "signature": base64.b64encode(private_key.sign(signing_message(region, version, catalog))).decode("ascii")}


def catalog_folder(data_dir: Path) -> Path:
    return Path(data_dir).expanduser() / "catalog"


def installed_version(data_dir: Path, region: str) -> int:
    """The signed version of the installed update, 0 when only the shipped catalog is there.

    A stamp that cannot be read is moved aside (with an event) and counts as 0, so that the next
    valid update replaces it instead of crashing on it.
    """
    stamp = catalog_folder(data_dir) / f"{region}.signature.json"
    try:
        found = read_stamp(stamp)
    except CatalogError as error:
        aside = stamp.with_name(f"{stamp.name}.corrupt")
        os.replace(stamp, aside)
        log.warning("catalog.stamp_quarantined region=%s moved_to=%s", region, aside.name)
        events.record(events.EventId.CATALOG_REFUSED, region=region, reason=error.message)
        return 0
    return found["version"] if found else 0


def _installed_intact(data_dir: Path, region: str, catalog: bytes) -> bool:
    """The installed update is still exactly `catalog`, stamped with its SHA-256 (else reinstalling repairs it)."""
    folder = catalog_folder(data_dir)
    try:
        stamp = read_stamp(folder / f"{region}.signature.json")
        return stamp is not None and stamp["sha256"] == hashlib.sha256(catalog).hexdigest() and \
            (folder / f"{region}.json").read_bytes() == catalog
    except (CatalogError, OSError):
        return False


def _validate_content(catalog: bytes, region: str) -> None:
    """The catalog must parse as the catalog loader expects (terminal.catalog), for this region."""
    try:
        data = strictjson.loads(catalog, max_bytes=MAX_CATALOG_BYTES, max_depth=MAX_CATALOG_DEPTH)
    except strictjson.JsonRefused as refused:
        raise CatalogRefused(f"catalog update is not JSON within limits: {refused.message}") from None
    if not isinstance(data, dict) or data.get("region") != region:
        raise CatalogRefused("catalog update is for another region")
    try:
        parse_catalog(data, "catalog update", region)
    except CatalogError as error:
        raise CatalogRefused(f"catalog update does not validate: {error.message}") from None


def accept_catalog(envelope: Mapping[str, Any], region: str, keys: tuple[str, ...], data_dir: Path) -> bool:
    """Check and install a signed envelope. True if installed, False if it is the version already installed.

    Raises CatalogRefused (and leaves the current catalog alone) for anything else. Both outcomes
    go to the event log (CATALOG_UPDATED / CATALOG_REFUSED) for the technician.
    """
    try:
        installed = _install_catalog(envelope, region, keys, data_dir)
    except CatalogRefused as refused:
        events.record(events.EventId.CATALOG_REFUSED, region=region, reason=refused.message)
        raise
    if installed:
        events.record(events.EventId.CATALOG_UPDATED, region=region, version=installed_version(data_dir, region))
    return installed


def _install_catalog(envelope: Mapping[str, Any], region: str, keys: tuple[str, ...], data_dir: Path) -> bool:
    try:
        if envelope["format"] != CATALOG_FORMAT or envelope["region"] != region:
            raise CatalogRefused("catalog envelope has the wrong format or region")
        version = envelope["version"]
        if type(version) is not int or not 0 < version < MAX_VERSION:
            raise ValueError("version is not a positive integer")
        catalog = base64.b64decode(envelope["catalog"], validate=True)
        signature = base64.b64decode(envelope["signature"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise CatalogRefused("catalog envelope is malformed") from None
    if not signature_valid(region, version, catalog, signature, keys):
        log.warning("catalog.refused region=%s version=%d reason=signature", region, version)
        raise CatalogRefused("catalog signature does not verify with any configured key")
    current = installed_version(data_dir, region)
    if version == current and _installed_intact(data_dir, region, catalog):
        return False
    if version < current:
        log.warning("catalog.refused region=%s version=%d installed=%d reason=older", region, version, current)
        raise CatalogRefused(f"catalog version {version} is older than the installed {current}")
    _validate_content(catalog, region)
    folder = catalog_folder(data_dir)
    write_atomic(folder / f"{region}.json", catalog, mode=0o644)
    write_atomic(folder / f"{region}.signature.json", json.dumps(
        {"region": region, "version": version, "sha256": hashlib.sha256(catalog).hexdigest(),
         "signature": envelope["signature"], "accepted_at": datetime.now(UTC).isoformat(timespec="seconds")},
        indent=1).encode("utf-8"), mode=0o644)
    log.info("catalog.accepted region=%s version=%d", region, version)
    return True


def fetch_catalog(client: PlatformClient, region: str, keys: tuple[str, ...], data_dir: Path) -> bool:
    """Ask the platform for the region's catalog and install it if it is newer and valid."""
    try:
        envelope = client.get_envelope(f"/v1/catalog/{region}", MAX_ENVELOPE_BYTES)
    except AnswerRefused as refused:
        events.record(events.EventId.CATALOG_REFUSED, region=region, reason=refused.message)
        raise CatalogRefused(f"catalog answer refused: {refused.message}") from None
    return envelope is not None and accept_catalog(envelope, region, keys, data_dir)


@dataclass(frozen=True)
class Progress:
    """What the progress screen shows for one case: a status word and a Chinese sentence, and
    from the platform the case's state (terminal.casestates) with what the notices print."""

    case_no: str
    status: str       # on_terminal | sending | received | ... (platform statuses pass through) | unknown
    status_zh: str
    updated_at: str | None
    source: str       # platform | terminal
    decision: Decision | None = None   # the department's decision once there is one (受理, 补正, 退件 ...)
    missing: tuple[str, ...] = ()      # materials still missing (after supplements the platform has)
    item_id: str = ""
    item_name: str = ""

    @property
    def state(self) -> CaseState | None:
        return self.decision.state if self.decision else None

    @property
    def open_for_supplement(self) -> bool:
        """补交材料 makes sense: something is missing and no decision closed the case to it."""
        return bool(self.missing) and (self.decision is None or self.decision.state in OPEN_FOR_SUPPLEMENT)


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""


def _decision(case_no: str, body: Mapping[str, Any]) -> Decision | None:
    """The decision fields of a progress answer; None while the platform has none (or sends nonsense)."""
    try:
        state = CaseState(body.get("state"))
        decided = datetime.fromisoformat(_text(body, "decided_at"))
        promised = date.fromisoformat(_text(body, "promised_date")) if body.get("promised_date") else None
        accepted = datetime.fromisoformat(_text(body, "accepted_at")) if body.get("accepted_at") else None
    except ValueError:
        return None
    days = body.get("promised_days")
    return Decision(case_no, state, _text(body, "item_name"), _text(body, "department"), decided, promised,
                    days if isinstance(days, int) else None, _text(body, "reasons"), _text(body, "platform_ref"),
                    accepted)


def _platform_progress(case_no: str, body: Mapping[str, Any]) -> Progress:
    updated = body.get("updated_at")
    missing = body.get("missing")
    return Progress(case_no, str(body.get("status", "unknown")), str(body.get("status_zh", "")),
                    updated if isinstance(updated, str) else None, "platform", _decision(case_no, body),
                    tuple(str(m) for m in missing) if isinstance(missing, list) else (),
                    _text(body, "item_id"), _text(body, "item_name"))


def _local_case(outbox: Outbox, case_no: str) -> tuple[tuple[str, ...], str, str]:
    """(missing, item id, item name) of a case still in the outbox (sealed until delivered)."""
    try:
        body = json.loads(outbox.manifest(case_no)).get("case", {})
    except (TerminalError, ValueError):
        return (), "", ""
    return tuple(body.get("missing", ())), str(body.get("item_id", "")), str(body.get("item_name", ""))


LOCAL_STATUS = {
    QUEUED: ("on_terminal", "申请已保存在本终端，网络恢复后自动提交。"),
    SENDING: ("sending", "申请正在提交到政务服务平台。"),
    DELIVERED: ("received", "政务服务平台已收件，等待部门受理。"),
    PURGED: ("received", "政务服务平台已收件，等待部门受理。"),
}


def progress(case_no: str, outbox: Outbox | None = None, client: PlatformClient | None = None) -> Progress:
    """Progress of a case: the platform's answer when reachable, else what this terminal knows."""
    if client is not None:
        try:
            response = client.request("GET", f"/v1/progress/{case_no}")
            body = response.json() if response.status_code == 200 else None  # strict JSON (sync.client)
            if isinstance(body, dict):
                return _platform_progress(case_no, body)
        except (PlatformError, ValueError) as error:
            log.info("progress.platform_unavailable problem=%s", type(error).__name__)
    record = outbox.record(case_no) if outbox is not None else None
    if record is None or outbox is None:
        return Progress(case_no, "unknown", "没有查到这个办件编号，请核对后再查，或到窗口咨询。", None, "terminal")
    status, sentence = LOCAL_STATUS[record.state]
    if record.kind == "complaint":  # the terminal's number is its own: the platform's reference, once it exists
        status, sentence = (("received", f"政务服务平台已收到诉求，平台受理号 {record.receipt}。") if record.receipt else
                            (status, "诉求已保存在本终端，送到政务服务平台后会有平台受理号。"))
    when = record.delivered_at or record.created_at
    missing, item_id, item_name = _local_case(outbox, case_no) if record.state in (QUEUED, SENDING) else ((), "", "")
    return Progress(case_no, status, sentence, datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds"),
                    "terminal", None, missing, item_id, item_name)


def progress_for(config: Config, case_no: str, outbox: Outbox | None = None) -> Progress:
    """The progress screen's query: one quick try at the platform (if configured), else the outbox.

    Blocks for up to PROGRESS_TIMEOUT_SECONDS: call it off the UI thread.
    """
    client = None
    if config.platform.url and config.platform.credentials:
        try:
            settings = dataclasses.replace(ClientSettings.from_config(config), attempts=1, timeout_seconds=min(
                PROGRESS_TIMEOUT_SECONDS, config.platform.timeout_seconds))
            client = PlatformClient(settings)
        except ConfigError as error:  # a plain http:// or unreadable credentials: the citizen still gets an answer
            log.warning("progress.platform_misconfigured problem=%s", error.message)
    try:
        return progress(case_no, outbox, client)
    finally:
        if client:
            client.close()


def update_catalog(config: Config) -> bool:
    """Fetch, check and install the region's signed catalog now, then the forms it names (sync.forms);
    True when a newer catalog was installed."""
    client = PlatformClient(ClientSettings.from_config(config))
    region, keys, data_dir = config.terminal.region, config.platform.catalog_keys, config.storage.data_dir
    try:
        installed = fetch_catalog(client, region, keys, data_dir)
        update_forms(client, region, keys, data_dir)
        return installed
    finally:
        client.close()


_STARTED = time.monotonic()


def heartbeat_body(terminal_id: str, outbox: Outbox, devices: Mapping[str, str] | None = None,
                   catalog_version: int | None = None) -> dict[str, Any]:
    """Device health for the platform: statuses and counts only, never personal data; and which
    signed catalog runs here (0 = the shipped one), so the county sees a refused update as refused."""
    stats = outbox.stats()
    disk = shutil.disk_usage(outbox.root)
    return {
        "terminal_id": terminal_id, "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": __version__, "uptime_s": int(time.monotonic() - _STARTED),
        "load_1m": round(os.getloadavg()[0], 2), "disk_free_mb": disk.free // (1024 * 1024),
        "outbox": {"counts": stats.counts, "oldest_queued_age_s": stats.oldest_queued_age_s,
                   "alarms": [a.level for a in stats.alarms]},
        "devices": dict(devices or {}),
        **({} if catalog_version is None else {"catalog_version": catalog_version}),
    }


def send_heartbeat(client: PlatformClient, body: Mapping[str, Any]) -> None:
    response = client.request("POST", "/v1/heartbeat", json_body=dict(body))
    if response.status_code not in (200, 204):
        raise PlatformError(f"heartbeat answered HTTP {response.status_code}")
