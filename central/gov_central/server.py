"""The platform side of docs/sync-protocol.md: the endpoints terminals speak to, and the store behind them.

It accepts pushes (manifest, resumable chunked attachments, complete -> receipt), pulls from a
terminal's sync API and acknowledges, answers progress queries (with the console's decisions),
serves signed catalogs and keeps the latest heartbeat per terminal. Storage is a Database
(gov_central.db: SQLite in one folder, or PostgreSQL) plus a folder of attachment files. Tokens are
checked against each terminal's own secret (gov_central.credentials; a shared secret still serves
terminals never enrolled, for tests and demos). gov_central.service adds the console and the limits.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import requests
from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from gov_central.catalogs import REGION, form_envelope
from gov_central.certificates import CERTIFICATE_ITEMS, NoFont, certificate_pdf
from gov_central.credentials import EnrolmentRefused, Registry
from gov_central.db import Database, Row, SqliteDatabase, open_database
from gov_central.fleet import update_alarms
from gov_central.states import progress_sentence
from sync.auth import TokenRefused, make_token
from sync.httpserver import use_error_shape
from sync.manifest import PROTOCOL_VERSION, RECORD_ID
from terminal.safewrite import fsync_dir

log = logging.getLogger(__name__)

MAX_CHUNK_BYTES = 8 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
ATTACHMENT_NAME = RECORD_ID  # the same grammar: safe as a file name

def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Answer:
    """A storage outcome the HTTP layer turns into a response."""

    status: int
    body: dict[str, Any]


class CentralStore:
    """The platform's storage: idempotent by record id, attachments assembled chunk by chunk."""

    def __init__(self, where: Path | str | Database, files: Path | None = None, *,
                 terminal_retention_days: float = 30) -> None:
        """`where`: a SQLite file (its attachments beside it in `<file>.files/`), a `postgresql://` URL or
        an open Database; `files` is the attachment folder (required with PostgreSQL);
        `terminal_retention_days` is the terminals' storage.retention_days (for the backlog alarm)."""
        self.terminal_retention_days = terminal_retention_days
        self.db: Database = where if not isinstance(where, str | Path) else open_database(where)
        if files is None:
            if not isinstance(self.db, SqliteDatabase):
                raise ValueError("a PostgreSQL store needs an attachment folder")
            files = self.db.path.with_name(self.db.path.name + ".files")
        self.files = Path(files)
        self.files.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._file_locks: dict[tuple[str, str], threading.Lock] = {}

    def close(self) -> None:
        self.db.close()

    def _tx(self, sql: str, params: tuple = ()) -> None:
        self.db.execute(sql, params)

    def _durable(self, statements: list[tuple[str, tuple]]) -> None:
        """One transaction that is on disk when this returns (the receipt must never be lost)."""
        with self.db.transaction(durable=True) as tx:
            for sql, params in statements:
                tx.execute(sql, params)

    def _row(self, sql: str, params: tuple = ()) -> Row | None:
        return self.db.one(sql, params)

    def _one(self, sql: str, params: tuple = ()) -> Row:
        """A row this store wrote earlier (a missing one is a bug, not an answer)."""
        row = self._row(sql, params)
        if row is None:
            raise LookupError(f"no row for {params!r}")
        return row

    def _rows(self, sql: str, params: tuple = ()) -> list[Row]:
        return self.db.all(sql, params)

    def _path(self, record_id: str, name: str) -> Path:
        return self.files / record_id / name

    def _received(self, record_id: str) -> dict[str, int]:
        return {r["name"]: r["received"] for r in self._rows(
            "SELECT name, received FROM attachments WHERE record_id = ?", (record_id,))}

    def _state(self, record_id: str, status: int) -> Answer:
        row = self._one("SELECT receipt FROM records WHERE record_id = ?", (record_id,))
        return Answer(status, {"record_id": record_id, "state": "complete" if row["receipt"] else "receiving",
                               "received": self._received(record_id), "receipt": row["receipt"]})

    def put_manifest(self, record_id: str, terminal_id: str, manifest: bytes, via: str) -> Answer:
        """Store a manifest; the same bytes again are accepted, different bytes refused with 409."""
        sha = hashlib.sha256(manifest).hexdigest()
        try:
            parsed = json.loads(manifest)
        except ValueError:
            return Answer(400, {"error": "manifest is not JSON"})
        if not isinstance(parsed, dict) or parsed.get("record_id") != record_id \
                or parsed.get("protocol") != PROTOCOL_VERSION:
            return Answer(400, {"error": "manifest does not name this record or protocol"})
        files = parsed.get("attachments", [])
        if any(not ATTACHMENT_NAME.match(str(f.get("name", ""))) for f in files):
            return Answer(400, {"error": "bad attachment name"})
        body = parsed.get(str(parsed.get("kind")))
        body = body if isinstance(body, dict) else {}
        item = body.get("item_name") or body.get("category")
        submitted = body.get("submitted_at") or body.get("rated_at") or body.get("created_at")
        with self._lock:
            existing = self._row("SELECT manifest_sha256, terminal_id FROM records WHERE record_id = ?", (record_id,))
            if existing is not None:
                if existing["manifest_sha256"] != sha or existing["terminal_id"] != terminal_id:
                    self._tx("INSERT INTO conflicts (record_id, at) VALUES (?, ?)", (record_id, _now()))
                    log.warning("event=central.conflict record=%s", record_id)
                    return Answer(409, {"error": "different content under a known record id"})
                self._tx("UPDATE records SET resends = resends + 1 WHERE record_id = ?", (record_id,))
                return self._state(record_id, 200)
            self._path(record_id, "x").parent.mkdir(exist_ok=True)
            fsync_dir(self.files)
            department = body.get("department")
            linked = [("INSERT INTO supplements (record_id, case_no) VALUES (?, ?)", (record_id, str(body["case_no"])))
                      ] if parsed.get("kind") == "supplement" and body.get("case_no") else []
            self._durable(linked + [("INSERT INTO records (record_id, terminal_id, kind, manifest, manifest_sha256, created_at,"
                            " via, item, submitted_at, department) VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (record_id, terminal_id, str(parsed.get("kind")), manifest, sha, _now(), via,
                             str(item) if item else None, str(submitted) if submitted else None,
                             str(department) if department else None))]
                          + [("INSERT INTO attachments (record_id, name, sha256, size) VALUES (?,?,?,?)",
                              (record_id, f["name"], f["sha256"], int(f["size"]))) for f in files])
        return self._state(record_id, 201)

    def _file_lock(self, record_id: str, name: str) -> threading.Lock:
        with self._lock:
            return self._file_locks.setdefault((record_id, name), threading.Lock())

    def put_chunk(self, record_id: str, name: str, start: int, total: int, data: bytes,
                  terminal_id: str | None = None) -> Answer:
        """Append one chunk at `start`; it must begin where the confirmed bytes end.

        One attachment is written by one request at a time (push and pull may race for it);
        different attachments are written in parallel. Bytes go to `<name>.part` (fsync'd) and the
        whole, hash-checked file is renamed to `<name>` and its folder fsync'd: a file under its
        final name is always complete. With `terminal_id`, another terminal's record is unknown.
        """
        with self._file_lock(record_id, name):
            row = self._row("SELECT a.sha256, a.size, a.received, r.receipt, r.terminal_id FROM attachments a"
                            " JOIN records r USING (record_id) WHERE record_id = ? AND name = ?", (record_id, name))
            if row is None or terminal_id not in (None, row["terminal_id"]):
                return Answer(404, {"error": "unknown record or attachment; PUT the manifest first"})
            if row["receipt"] or row["received"] == row["size"]:
                return Answer(200, {"received": row["size"]})
            if total != row["size"] or start + len(data) > row["size"]:
                return Answer(416, {"error": "range outside the attachment", "received": row["received"]})
            if start != row["received"]:
                return Answer(409, {"error": "chunk does not start at the confirmed offset", "received": row["received"]})
            path = self._path(record_id, name)
            part = path.with_name(name + ".part")
            path.parent.mkdir(exist_ok=True)  # made (and synced) with the manifest; here for older stores
            if start and not part.exists() and path.exists():
                path.rename(part)  # a partial file of a store from before `.part` files
            with open(part, "r+b" if part.exists() else "wb") as fh:
                fh.truncate(start)
                fh.seek(start)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            received = start + len(data)
            if received == row["size"]:
                if _assembled_sha256(part, start, data) != row["sha256"]:
                    part.unlink()
                    self._tx("UPDATE attachments SET received = 0 WHERE record_id = ? AND name = ?", (record_id, name))
                    return Answer(422, {"error": "assembled file does not match its sha256; start again",
                                        "received": 0})
                os.replace(part, path)
                fsync_dir(path.parent)
            self._tx("UPDATE attachments SET received = ? WHERE record_id = ? AND name = ?", (received, record_id, name))
        return Answer(200, {"received": received})

    def complete(self, record_id: str, terminal_id: str | None = None) -> Answer:
        """Issue (or repeat) the receipt once every attachment is whole."""
        with self._lock:
            row = self._row("SELECT receipt, completed_at, terminal_id FROM records WHERE record_id = ?", (record_id,))
            if row is None or terminal_id not in (None, row["terminal_id"]):
                return Answer(404, {"error": "unknown record"})
            if not row["receipt"]:
                missing = {r["name"]: r["received"] for r in self._rows(
                    "SELECT name, received, size FROM attachments WHERE record_id = ? AND received < size", (record_id,))}
                if missing:
                    return Answer(409, {"error": "incomplete", "received": missing})
                fsync_dir(self._path(record_id, "x").parent)  # the files' names are durable before the receipt
                receipt = f"PLT-{secrets.token_hex(8).upper()}"
                self._durable([("UPDATE records SET receipt = ?, completed_at = ? WHERE record_id = ?",
                                (receipt, _now(), record_id))])
                log.info("event=central.complete record=%s", record_id)
                row = self._one("SELECT receipt, completed_at FROM records WHERE record_id = ?", (record_id,))
        return Answer(200, {"record_id": record_id, "receipt": row["receipt"], "received_at": row["completed_at"]})

    def supplements(self, case_no: str) -> list[dict[str, Any]]:
        """The complete 补交材料 records of a case, oldest first: number, arrival, materials with pages."""
        found = []
        for row in self._rows("SELECT r.record_id, r.manifest, r.completed_at FROM supplements s JOIN records r"
                              " USING (record_id) WHERE s.case_no = ? AND r.receipt IS NOT NULL"
                              " ORDER BY r.completed_at, r.record_id", (case_no,)):
            body = json.loads(bytes(row["manifest"]))["supplement"]
            found.append({"record_id": row["record_id"], "received_at": row["completed_at"],
                          "materials": body.get("materials", [])})
        return found

    def missing(self, case_no: str, case: dict[str, Any]) -> list[str]:
        """What the case still lacks: missing at submit, less what complete supplements brought."""
        brought = {str(m.get("name")) for s in self.supplements(case_no) for m in s["materials"] if m.get("pages")}
        return [name for name in case.get("missing", []) if name not in brought]

    def progress(self, case_no: str) -> dict[str, Any] | None:
        """What the terminal's progress screen shows: the state (terminal/casestates.py), the department's
        decision once there is one (time, promised date, reasons), the platform's reference and what is
        still missing. No personal data: anyone may type a case number."""
        row = self._row("SELECT r.manifest, r.receipt, r.completed_at, r.created_at, s.state, s.reason, s.updated_at,"
                        " s.accepted_at, s.promised_date FROM records r LEFT JOIN case_states s ON s.case_no = r.record_id"
                        " WHERE r.record_id = ? AND r.kind = 'case'", (case_no,))
        if row is None:
            return None
        case = json.loads(bytes(row["manifest"])).get("case", {})
        about = {"item_id": case.get("item_id", ""), "item_name": case.get("item_name", ""),
                 "department": case.get("department", ""), "platform_ref": row["receipt"],
                 "promised_days": case.get("promised_days"), "missing": self.missing(case_no, case)}
        if row["state"]:
            return {"case_no": case_no, "status": row["state"], "state": row["state"],
                    "status_zh": progress_sentence(row["state"], row["reason"]), "updated_at": row["updated_at"],
                    "decided_at": row["updated_at"], "accepted_at": row["accepted_at"],
                    "promised_date": row["promised_date"], "reasons": row["reason"] or "", **about}
        if row["receipt"]:
            return {"case_no": case_no, "status": "received", "state": "received",
                    "status_zh": progress_sentence("received", ""), "updated_at": row["completed_at"], **about}
        return {"case_no": case_no, "status": "receiving", "status_zh": "材料正在传送",
                "updated_at": row["created_at"], **about, "platform_ref": None}

    def complaint_progress(self, complaint_no: str) -> dict[str, Any] | None:
        """有诉即办 on the terminal's progress screen: once the platform has the complaint, its own reference
        (the delivery receipt, which the 12345 hotline and the console know) and whether it is answered."""
        row = self._row("SELECT r.receipt, r.completed_at, r.created_at, f.closed_at FROM records r"
                        " LEFT JOIN followups f ON f.record_id = r.record_id"
                        " WHERE r.record_id = ? AND r.kind = 'complaint'", (complaint_no,))
        if row is None:
            return None
        if not row["receipt"]:
            return {"case_no": complaint_no, "status": "receiving", "status_zh": "诉求正在传送到平台",
                    "updated_at": row["created_at"], "reference": None}
        if row["closed_at"]:
            return {"case_no": complaint_no, "status": "answered",
                    "status_zh": f"诉求已办结（平台受理号 {row['receipt']}）", "updated_at": row["closed_at"],
                    "reference": row["receipt"]}
        return {"case_no": complaint_no, "status": "received",
                "status_zh": f"平台已收到诉求，平台受理号 {row['receipt']}，正在办理", "updated_at": row["completed_at"],
                "reference": row["receipt"]}

    def heartbeat(self, terminal_id: str, body: dict[str, Any]) -> None:
        """Keep the latest heartbeat and raise or clear the terminal's alarms from it."""
        self._tx("INSERT INTO heartbeats (terminal_id, received_at, body) VALUES (?, ?, ?) ON CONFLICT (terminal_id)"
                 " DO UPDATE SET received_at = excluded.received_at, body = excluded.body",
                 (terminal_id, _now(), json.dumps(body, ensure_ascii=False)))
        update_alarms(self.db, terminal_id, body, self.terminal_retention_days)

    def purge(self, older_than_days: float) -> int:
        """Delete records delivered more than `older_than_days` ago: rows, decisions, follow-ups, files.

        The personal data of a case or complaint lives here and in its attachment folder; the rows go
        first, in one transaction, then the folder (a crash between leaves only an unreferenced folder,
        which the next purge does not see but holds no row either). Returns how many records went.
        """
        cutoff = (datetime.now(UTC) - timedelta(days=older_than_days)).isoformat(timespec="seconds")
        ids = [row["record_id"] for row in self._rows(
            "SELECT record_id FROM records WHERE receipt IS NOT NULL AND completed_at < ?", (cutoff,))]
        for record_id in ids:
            with self.db.transaction(durable=True) as tx:
                for table, column in (("attachments", "record_id"), ("case_states", "case_no"),
                                      ("supplements", "record_id"),
                                      ("followups", "record_id"), ("conflicts", "record_id"),
                                      ("records", "record_id")):
                    tx.execute(f"DELETE FROM {table} WHERE {column} = ?", (record_id,))
            shutil.rmtree(self.files / record_id, ignore_errors=True)
        if ids:
            fsync_dir(self.files)
        log.info("event=central.purge records=%d", len(ids))
        return len(ids)

    def note_catalog_fetch(self, terminal_id: str, region: str, envelope: bytes) -> None:
        """Remember which catalog version a terminal was last given (the console shows it)."""
        try:
            version = int(json.loads(envelope)["version"])
        except (ValueError, KeyError, TypeError):
            return
        self._tx("INSERT INTO catalog_fetches (terminal_id, region, version, at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (terminal_id, region) DO UPDATE SET version = excluded.version, at = excluded.at",
                 (terminal_id, region, version, _now()))

    # -- for tests and demos ------------------------------------------------------------------

    def completed(self) -> dict[str, str]:
        """record id -> manifest sha256 of every completed record."""
        return {r["record_id"]: r["manifest_sha256"] for r in self._rows(
            "SELECT record_id, manifest_sha256 FROM records WHERE receipt IS NOT NULL")}

    def conflict_count(self) -> int:
        row = self._one("SELECT COUNT(*) AS n FROM conflicts")
        return int(row["n"])

    def manifest(self, record_id: str) -> bytes:
        manifest: bytes = self._one("SELECT manifest FROM records WHERE record_id = ?", (record_id,))["manifest"]
        return manifest

    def attachment(self, record_id: str, name: str) -> bytes:
        return self._path(record_id, name).read_bytes()

    def verify(self) -> list[str]:
        """Problems in completed records: a file missing or not matching its hash."""
        problems = []
        for row in self._rows("SELECT a.record_id, a.name, a.sha256 FROM attachments a JOIN records r USING (record_id)"
                              " WHERE r.receipt IS NOT NULL"):
            path = self._path(row["record_id"], row["name"])
            if not path.exists() or _file_sha256(path) != row["sha256"]:
                problems.append(f"{row['record_id']}/{row['name']}")
        return problems


class ErrorBody(BaseModel):
    """Every refusal: a reason for the logs and, for uploads, where the platform's copy stands."""

    error: str
    received: int | dict[str, int] | None = None


class RecordState(BaseModel):
    record_id: str
    state: Literal["receiving", "complete"]
    received: dict[str, int] = Field(description="bytes of each attachment the platform has confirmed")
    receipt: str | None = Field(description="set once the record is complete")


class ChunkResult(BaseModel):
    received: int = Field(description="bytes of this attachment confirmed so far; the next chunk starts here")


class Receipt(BaseModel):
    record_id: str
    receipt: str
    received_at: str


CaseStateCode = Literal["received", "accepted", "correction", "returned", "processing", "done", "delivered"]


class ProgressAnswer(BaseModel):
    case_no: str
    status: str = Field(description="receiving, or the case state below")
    status_zh: str = Field(description="the sentence the terminal shows the citizen as is")
    updated_at: str | None
    state: CaseStateCode | None = Field(None, description="terminal/casestates.py; absent while receiving")
    decided_at: str | None = Field(None, description="time of the latest decision (受理, 补正, 退件 ...)")
    accepted_at: str | None = Field(None, description="time of 受理; the promised limit counts from its day")
    promised_date: str | None = Field(None, description="YYYY-MM-DD, set at 受理: promised_days working days on")
    promised_days: int | None = Field(None, description="the guide's 承诺时限 in working days, from the case")
    reasons: str = Field("", description="written reasons of 补正 or 退件")
    platform_ref: str | None = Field(None, description="the platform's reference (the case's delivery receipt)")
    item_id: str = ""
    item_name: str = ""
    department: str = ""
    missing: list[str] = Field(default_factory=list,
                               description="materials still missing: missing at submit less complete supplements")
    reference: str | None = Field(default=None, description="the platform's own reference (平台受理号) of a "
                                  "complaint once the platform has it; the terminal's number is its own")


class CatalogEnvelope(BaseModel):
    format: Literal["gov-terminal-catalog/1"]
    region: str
    version: int = Field(description="increases with every update; the terminal refuses anything not newer")
    catalog: str = Field(description="base64 of the catalog JSON bytes")
    signature: str = Field(description="base64 Ed25519 signature, see docs/sync-protocol.md")


class OutboxHealth(BaseModel):
    counts: dict[str, int]
    oldest_queued_age_s: float | None
    alarms: list[str]


class Heartbeat(BaseModel):
    """Device health only; unknown fields are refused so personal data cannot creep in."""

    model_config = ConfigDict(extra="forbid")
    terminal_id: str
    sent_at: str
    version: str
    uptime_s: int
    load_1m: float
    disk_free_mb: int
    outbox: OutboxHealth
    devices: dict[str, str]
    catalog_version: int | None = Field(None, ge=0, description="installed signed catalog version; 0 = shipped")


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


def _raw_body(media_type: str, description: str) -> dict[str, Any]:
    schema = {"type": "string", "format": "binary"} if media_type == "application/octet-stream" else {"type": "object"}
    return {"requestBody": {"required": True, "description": description,
                            "content": {media_type: {"schema": schema}}}}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _assembled_sha256(path: Path, start: int, last_chunk: bytes) -> str:
    """The whole file's hash without reading back the chunk just written (often the whole file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while fh.tell() < start and (block := fh.read(min(1024 * 1024, start - fh.tell()))):
            digest.update(block)
    digest.update(last_chunk)
    return digest.hexdigest()


def _parse_content_range(header: str | None) -> tuple[int, int, int]:
    match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", header or "")
    if not match:
        raise HTTPException(400, "Content-Range bytes START-END/TOTAL is required")
    start, end, total = (int(g) for g in match.groups())
    if end < start:
        raise HTTPException(400, "Content-Range end before start")
    return start, end, total


def _reply(answer: Answer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status)


class Enrolment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    terminal_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    code: str = Field(max_length=64)


class CertificateRequest(BaseModel):
    """Who asks for which certificate: the identity the terminal read from the ID card a moment ago."""

    model_config = ConfigDict(extra="forbid")
    item_id: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    id_number: str = Field(pattern=r"^[0-9]{17}[0-9X]$")
    name: str = Field(min_length=1, max_length=30)


def create_app(store: CentralStore, secret: bytes, catalog_dir: Path | None = None, *,
               registry: Registry | None = None) -> FastAPI:
    """The platform endpoints the terminal pushes to (documented in docs/openapi.json).

    Tokens are checked against the terminal's own secret (enrolled) or `secret` (never enrolled;
    empty: no shared secret). Enrolment and rotation are left out of the OpenAPI document: they
    are between an installer and the county, not part of what a terminal speaks in service.
    """
    if registry is None and store is not None:
        registry = Registry(store.db, secret)
    app = FastAPI(title="Government platform sync endpoints (reference server)", version=str(PROTOCOL_VERSION),
                  description="What a terminal calls on the platform: push records, catalog, progress, heartbeat.")
    use_error_shape(app)

    async def terminal(authorization: str | None = Header(default=None)) -> str:
        # async: an HMAC check is microseconds and the secrets are cached, so no thread hop per request.
        assert registry is not None
        try:
            return registry.authenticate(authorization)
        except TokenRefused as error:
            raise HTTPException(401, f"credentials refused: {error}") from None

    async def body_of(request: Request, limit: int) -> bytes:
        if int(request.headers.get("content-length") or 0) > limit:
            raise HTTPException(413, f"body larger than {limit} bytes")
        try:
            return await request.body()
        except ClientDisconnect:
            raise HTTPException(400, "the terminal went away mid-request") from None

    @app.put("/v1/records/{record_id}", summary="Store a record's manifest (idempotent)",
             responses={200: {"model": RecordState, "description": "already known, same content"},
                        201: {"model": RecordState, "description": "stored"}, **_errors(400, 401, 409, 413)},
             openapi_extra=_raw_body("application/json", "the manifest, canonical JSON, byte for byte"))
    async def put_record(record_id: str, request: Request, terminal_id: str = Depends(terminal),
                         idempotency_key: str = Header(), x_manifest_sha256: str | None = Header(default=None)):
        if not RECORD_ID.match(record_id) or idempotency_key != record_id:
            raise HTTPException(400, "Idempotency-Key must equal the record id")
        body = await body_of(request, MAX_MANIFEST_BYTES)
        if x_manifest_sha256 and hashlib.sha256(body).hexdigest() != x_manifest_sha256:
            raise HTTPException(400, "X-Manifest-SHA256 does not match the body")
        return _reply(await run_in_threadpool(store.put_manifest, record_id, terminal_id, body, "push"))

    @app.put("/v1/records/{record_id}/attachments/{name}", summary="Upload one chunk of an attachment",
             responses={200: {"model": ChunkResult}, **_errors(400, 401, 404, 409, 413, 416, 422)},
             openapi_extra=_raw_body("application/octet-stream", "bytes START..END of the attachment"))
    async def put_chunk(record_id: str, name: str, request: Request, terminal_id: str = Depends(terminal),
                        content_range: str = Header()):
        start, end, total = _parse_content_range(content_range)
        body = await body_of(request, MAX_CHUNK_BYTES)
        if len(body) != end - start + 1:
            raise HTTPException(400, "body length does not match Content-Range")
        return _reply(await run_in_threadpool(store.put_chunk, record_id, name, start, total, body, terminal_id))

    @app.post("/v1/records/{record_id}/complete", summary="Finish a record and get the delivery receipt",
              responses={200: {"model": Receipt}, **_errors(401, 404, 409)})
    def complete(record_id: str, terminal_id: str = Depends(terminal)):
        return _reply(store.complete(record_id, terminal_id))

    @app.get("/v1/progress/{case_no}", summary="Progress of one case for the terminal's progress screen",
             response_model=ProgressAnswer, responses=_errors(401, 404))
    def progress(case_no: str, terminal_id: str = Depends(terminal)):
        found = store.progress(case_no) or store.complaint_progress(case_no)
        if found is None:
            raise HTTPException(404, "unknown case")
        return found

    @app.get("/v1/catalog/{region}", summary="The current signed catalog envelope of a region",
             responses={200: {"model": CatalogEnvelope}, **_errors(401, 404)})
    def catalog(region: str, terminal_id: str = Depends(terminal)):
        if catalog_dir is None or not REGION.fullmatch(region) \
                or not (catalog_dir / f"{region}.signed.json").exists():
            raise HTTPException(404, "no catalog for this region")
        envelope = (catalog_dir / f"{region}.signed.json").read_bytes()
        store.note_catalog_fetch(terminal_id, region, envelope)
        return Response(envelope, media_type="application/json")

    @app.get("/v1/forms/{region}/{name}", summary="A signed 填写范本 or blank form the region's catalog names",
             description="The envelope of docs/sync-protocol.md (`gov-terminal-form/1`): the PDF in base64, signed "
                         "over region, file name and SHA-256 with the catalog key.",
             responses={200: {"content": {"application/json": {}}}, **_errors(401, 404)})
    def form(region: str, name: str, terminal_id: str = Depends(terminal)):
        envelope = form_envelope(catalog_dir, region, name)
        if envelope is None:
            raise HTTPException(404, "no such form for this region")
        return Response(envelope, media_type="application/json")

    @app.post("/v1/certificates", summary="A certificate (证明) for the card holder, as a PDF to print at once",
              description="For items whose result is a certificate printed on the spot (参保证明打印). The terminal "
                          "sends the identity it has just read from the ID card; the answer is the PDF, which the "
                          "terminal prints from memory and never stores. Nothing of the request is logged or kept.",
              responses={200: {"content": {"application/pdf": {}}, "description": "the certificate, one A4 PDF"},
                         **_errors(401, 404, 422, 503)})
    def certificate(body: CertificateRequest, terminal_id: str = Depends(terminal)) -> Response:
        if body.item_id not in CERTIFICATE_ITEMS:
            raise HTTPException(404, "this item issues no certificate at a terminal")
        try:
            pdf = certificate_pdf(body.item_id, body.id_number, body.name, datetime.now())
        except NoFont:
            raise HTTPException(503, "the platform cannot write certificates now") from None
        log.info("event=certificate_issued item=%s terminal=%s", body.item_id, terminal_id)
        return Response(pdf, media_type="application/pdf", headers={"Cache-Control": "no-store"})

    @app.post("/v1/heartbeat", status_code=204, summary="Device health, no personal data",
              responses=_errors(401, 422))
    def heartbeat(body: Heartbeat, terminal_id: str = Depends(terminal)) -> Response:
        if body.terminal_id != terminal_id:
            raise HTTPException(401, "credentials refused: token for another terminal")
        store.heartbeat(terminal_id, body.model_dump())
        return Response(status_code=204)

    @app.post("/v1/enrol", include_in_schema=False)
    def enrol(body: Enrolment) -> dict[str, str]:
        assert registry is not None
        try:
            return {"terminal_id": body.terminal_id, "secret": registry.enrol(body.terminal_id, body.code)}
        except EnrolmentRefused as error:
            raise HTTPException(403, str(error)) from None

    @app.post("/v1/enrol/rotate", include_in_schema=False)
    def rotate(terminal_id: str = Depends(terminal)) -> dict[str, str]:
        assert registry is not None
        try:
            return {"terminal_id": terminal_id, "secret": registry.rotate(terminal_id)}
        except EnrolmentRefused as error:
            raise HTTPException(403, str(error)) from None

    return app


class Puller:
    """The central side of pull: list a terminal's queued records, fetch them, store, acknowledge."""

    def __init__(self, store: CentralStore, terminal_url: str, terminal_id: str, secret: bytes, *,
                 verify: str | bool = True, timeout: float = 15.0) -> None:
        self.store = store
        self.base = terminal_url.rstrip("/")
        self.terminal_id = terminal_id
        self.secret = secret
        self.session = requests.Session()
        self.verify = verify  # passed per request: a session-level value loses to REQUESTS_CA_BUNDLE
        self.timeout = timeout

    def _get(self, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": "Bearer " + make_token(self.secret, self.terminal_id), **kwargs.pop("headers", {})}
        return self.session.get(self.base + path, headers=headers, timeout=self.timeout, verify=self.verify, **kwargs)

    def pull_once(self, on_record: Callable[[str], None] | None = None) -> list[str]:
        """One pass over everything the terminal lists; returns the record ids acknowledged."""
        acked: list[str] = []
        cursor = 0
        while True:
            page = self._get("/v1/outbox", params={"after": cursor, "limit": 50})
            page.raise_for_status()
            listing = page.json()
            for item in listing["records"]:
                if self._pull_record(item["record_id"]):
                    acked.append(item["record_id"])
                    if on_record:
                        on_record(item["record_id"])
            if not listing["records"]:
                return acked
            cursor = listing["next_cursor"]

    def _pull_record(self, record_id: str) -> bool:
        response = self._get(f"/v1/outbox/{record_id}/manifest")
        if response.status_code == 404:
            return False  # acknowledged by a push meanwhile
        response.raise_for_status()
        stored = self.store.put_manifest(record_id, self.terminal_id, response.content, "pull")
        if stored.status not in (200, 201):
            log.warning("event=central.pull_refused record=%s status=%d", record_id, stored.status)
            return False
        received = stored.body["received"]
        for item in json.loads(response.content).get("attachments", []):
            offset = received.get(item["name"], 0)
            if offset >= item["size"]:
                continue
            part = self._get(f"/v1/outbox/{record_id}/attachments/{item['name']}",
                             headers={"Range": f"bytes={offset}-"})
            if part.status_code == 404:
                return False
            part.raise_for_status()
            chunk = self.store.put_chunk(record_id, item["name"], offset, item["size"], part.content, self.terminal_id)
            if chunk.status != 200:
                return False
        done = self.store.complete(record_id, self.terminal_id)
        if done.status != 200:
            return False
        ack = self.session.post(f"{self.base}/v1/outbox/{record_id}/ack", timeout=self.timeout, verify=self.verify,
                                headers={"Authorization": "Bearer " + make_token(self.secret, self.terminal_id)},
                                json={"receipt": done.body["receipt"],
                                      "manifest_sha256": hashlib.sha256(response.content).hexdigest()})
        return ack.status_code == 200

    def run(self, stop: threading.Event, interval: float) -> None:
        """Pull every `interval` seconds until stopped; network trouble waits for the next pass."""
        while not stop.is_set():
            try:
                self.pull_once()
            except (requests.RequestException, ValueError, KeyError) as error:
                log.warning("event=central.pull_failed problem=%s", type(error).__name__)
            stop.wait(interval)
