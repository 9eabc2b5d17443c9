"""The terminal's pull API: the central server lists, fetches and acknowledges queued records.

It serves the same outbox the push loop drains, so a record acknowledged here is never pushed
again and vice versa. Authentication is a per-terminal signed token (sync.auth) checked in
constant time, from the headers, before any body byte is read (sync.httpserver.Gate); URLs carry
only record ids and attachment names, never personal data. Every bad input is a 4xx with
`{"error": ...}`: 400 for a bad parameter or body, 401, 404, 409, 413 for a body over its cap, 416.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Header, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from sync.auth import TokenRefused, bearer, check_token
from sync.httpserver import Gate, use_error_shape
from sync.manifest import PROTOCOL_VERSION
from sync.outbox import Outbox, RecordConflict, RecordGone
from sync.push import utc_now
from terminal import events
from terminal.errors import TerminalError
from terminal.strictjson import RECEIPT_PATTERN, ReceiptInvalid, check_receipt

log = logging.getLogger(__name__)


class RecordSummary(BaseModel):
    seq: int
    record_id: str
    kind: str
    manifest_sha256: str
    manifest_size: int
    attachment_count: int
    attachment_bytes: int
    created_at: float


class Listing(BaseModel):
    records: list[RecordSummary]
    next_cursor: int


MAX_SEQ = 2 ** 63 - 1               # SQLite's largest integer: a cursor past it is a 400, not an overflow
ACK_BODY_BYTES = 4096              # the largest body the API takes (an ack); every other endpoint takes none
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"  # record ids (sync.outbox.RECORD_ID) and attachment names


class Ack(BaseModel):
    model_config = ConfigDict(extra="forbid")

    receipt: str = Field(pattern=RECEIPT_PATTERN, description="1-200 printable characters, kept exactly as sent")
    manifest_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("receipt")
    @classmethod
    def printable(cls, value: str) -> str:
        """The pattern is the published rule; check_receipt, shared with push, also refuses lone surrogates."""
        try:
            return check_receipt(value)
        except ReceiptInvalid as error:
            raise ValueError(error.message) from None


class PullError(BaseModel):
    """Every refusal of the pull API."""

    error: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The refusals an endpoint documents: its own, plus 400, 401, 413 and 503 that every endpoint may give."""
    return {code: {"model": PullError} for code in sorted({400, 401, 413, 503, *codes})}


class AckResult(BaseModel):
    record_id: str
    state: str
    already_acknowledged: bool


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """`bytes=A-B`, `bytes=A-` or `bytes=-N` -> inclusive (start, end); None for no header."""
    if not header:
        return None
    match = re.fullmatch(r"bytes=([0-9]{0,18})-([0-9]{0,18})", header.strip())
    if not match or match.groups() == ("", ""):
        raise HTTPException(416, "only a single bytes=START-END range is supported")
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(size - 1, int(last)) if last else size - 1
    if start >= size or end < start:
        raise HTTPException(416, "range not satisfiable", headers={"Content-Range": f"bytes */{size}"})
    return start, end


def _body_cap(method: str, path: str) -> int:
    return ACK_BODY_BYTES if method == "POST" and path.endswith("/ack") else 0


async def _bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """A parameter or body that does not validate is a 400 naming the field (never echoing its value)."""
    where = ", ".join(".".join(map(str, problem["loc"])) for problem in error.errors())
    return JSONResponse({"error": f"invalid {where}"}, status_code=400)


async def _unavailable(request: Request, error: TerminalError) -> JSONResponse:
    """A record the outbox cannot open right now (its own fault handling sets it aside): 503, not a traceback."""
    log.warning("pull.unavailable problem=%s", type(error).__name__)
    return JSONResponse({"error": "record cannot be served now"}, status_code=503)


def _without_422(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents validation errors as 422; this API answers them with 400."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
    schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
    return schema


def create_app(outbox: Outbox, terminal_id: str, secret: bytes) -> FastAPI:
    app = FastAPI(title="Terminal pull API", version=str(PROTOCOL_VERSION),
                  description="What the central server calls on a terminal to pull queued records. "
                              "See docs/sync-protocol.md.", docs_url=None, redoc_url=None, openapi_url=None)
    use_error_shape(app)
    app.add_exception_handler(RequestValidationError, _bad_request)  # type: ignore[arg-type]  # Starlette types handlers for any Exception
    app.add_exception_handler(TerminalError, _unavailable)  # type: ignore[arg-type]  # Starlette types handlers for any Exception

    def authorised(authorization: str | None) -> bool:
        try:
            check_token(secret, bearer(authorization), terminal_id)
        except TokenRefused as error:
            log.warning("pull.auth_refused reason=%s", error)
            return False
        return True

    app.add_middleware(Gate, router=app.router, authorised=authorised, body_cap=_body_cap)
    documented = app.openapi
    app.openapi = lambda: _without_422(documented())  # type: ignore[method-assign]  # FastAPI documents replacing openapi this way

    def gone(record_id: str) -> HTTPException:
        return HTTPException(404, f"record {record_id} is not queued (unknown or already acknowledged)")

    record_id_path = Path(pattern=NAME)

    @app.get("/v1/outbox", response_model=Listing, responses=_errors(),
             summary="Records waiting for delivery, in submit order, after a cursor")
    def listing(after: int = Query(0, ge=0, le=MAX_SEQ), limit: int = Query(100, ge=1, le=500)) -> Listing:
        records = outbox.pending(after, limit)
        return Listing(records=[RecordSummary(**{k: getattr(r, k) for k in RecordSummary.model_fields})
                                for r in records],
                       next_cursor=records[-1].seq if records else after)

    @app.get("/v1/outbox/{record_id}/manifest",
             summary="A record's manifest, exactly the bytes its sha256 names",
             responses={200: {"content": {"application/json": {}}}, **_errors(404)})
    def manifest(record_id: str = record_id_path) -> Response:
        try:
            return Response(outbox.manifest(record_id), media_type="application/json")
        except RecordGone:
            raise gone(record_id) from None

    @app.get("/v1/outbox/{record_id}/attachments/{name}",
             summary="One attachment; a Range header returns part of it (206)",
             responses={200: {"content": {"application/octet-stream": {}}},
                        206: {"content": {"application/octet-stream": {}}}, **_errors(404, 416)})
    def attachment(record_id: str = record_id_path, name: str = Path(pattern=NAME),
                   byte_range: str | None = Header(default=None, alias="Range")) -> Response:
        try:
            data = outbox.attachment(record_id, name)
        except RecordGone:
            raise gone(record_id) from None
        chosen = _byte_range(byte_range, len(data))
        sha256 = next(a.sha256 for a in outbox.attachments(record_id) if a.name == name)
        headers = {"Accept-Ranges": "bytes", "ETag": f'"{sha256}"'}
        if chosen is None:
            return Response(data, media_type="application/octet-stream", headers=headers)
        start, end = chosen
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return Response(data[start:end + 1], status_code=206, media_type="application/octet-stream", headers=headers)

    @app.post("/v1/outbox/{record_id}/ack", response_model=AckResult, responses=_errors(404, 409),
              summary="Acknowledge a record with the platform's receipt; the terminal then deletes its personal data")
    def acknowledge(ack: Ack, record_id: str = record_id_path) -> AckResult:
        try:
            fresh = outbox.mark_delivered(record_id, ack.receipt, "pull", ack.manifest_sha256)
        except RecordGone:
            raise HTTPException(404, f"record {record_id} is unknown") from None
        except RecordConflict:
            raise HTTPException(409, "manifest_sha256 does not match the stored record") from None
        outbox.note("last_pull", utc_now())
        if fresh:
            events.record(events.EventId.PULL_ACKNOWLEDGED, record=record_id)
            events.record(events.EventId.CASE_DELIVERED, record=record_id, via="pull")
        return AckResult(record_id=record_id, state="delivered", already_acknowledged=not fresh)

    return app
