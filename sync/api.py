"""The terminal's pull API: the central server lists, fetches and acknowledges queued records.

It serves the same outbox the push loop drains, so a record acknowledged here is never pushed
again and vice versa. Authentication is a per-terminal signed token (sync.auth) checked in
constant time; URLs carry only record ids and attachment names, never personal data.
"""

from __future__ import annotations

import logging
import re

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Response
from pydantic import BaseModel

from sync.httpserver import use_error_shape
from sync.auth import TokenRefused, bearer, check_token
from sync.manifest import PROTOCOL_VERSION
from sync.outbox import Outbox, RecordConflict, RecordGone
from sync.push import utc_now
from terminal import events

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


class Ack(BaseModel):
    receipt: str
    manifest_sha256: str


class AckResult(BaseModel):
    record_id: str
    state: str
    already_acknowledged: bool


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """`bytes=A-B`, `bytes=A-` or `bytes=-N` -> inclusive (start, end); None for no header."""
    if not header:
        return None
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
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


def create_app(outbox: Outbox, terminal_id: str, secret: bytes) -> FastAPI:
    app = FastAPI(title="Terminal pull API", version=str(PROTOCOL_VERSION),
                  description="What the central server calls on a terminal to pull queued records. "
                              "See docs/sync-protocol.md.")
    use_error_shape(app)

    def authorised(authorization: str | None = Header(default=None)) -> None:
        try:
            check_token(secret, bearer(authorization), terminal_id)
        except TokenRefused as error:
            log.warning("pull.auth_refused reason=%s", error)
            raise HTTPException(401, "credentials refused") from None

    def gone(record_id: str) -> HTTPException:
        return HTTPException(404, f"record {record_id} is not queued (unknown or already acknowledged)")

    @app.get("/v1/outbox", response_model=Listing, dependencies=[Depends(authorised)],
             summary="Records waiting for delivery, in submit order, after a cursor")
    def listing(after: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=500)) -> Listing:
        records = outbox.pending(after, limit)
        return Listing(records=[RecordSummary(**{k: getattr(r, k) for k in RecordSummary.model_fields})
                                for r in records],
                       next_cursor=records[-1].seq if records else after)

    @app.get("/v1/outbox/{record_id}/manifest", dependencies=[Depends(authorised)],
             summary="A record's manifest, exactly the bytes its sha256 names",
             responses={200: {"content": {"application/json": {}}}})
    def manifest(record_id: str) -> Response:
        try:
            return Response(outbox.manifest(record_id), media_type="application/json")
        except RecordGone:
            raise gone(record_id) from None

    @app.get("/v1/outbox/{record_id}/attachments/{name}", dependencies=[Depends(authorised)],
             summary="One attachment; a Range header returns part of it (206)",
             responses={200: {"content": {"application/octet-stream": {}}},
                        206: {"content": {"application/octet-stream": {}}}})
    def attachment(record_id: str, name: str, byte_range: str | None = Header(default=None, alias="Range")) -> Response:
        try:
            data = outbox.attachment(record_id, name)
        except RecordGone:
            raise gone(record_id) from None
        chosen = _byte_range(byte_range, len(data))
        headers = {"Accept-Ranges": "bytes", "ETag": f'"{next(a.sha256 for a in outbox.attachments(record_id) if a.name == name)}"'}
        if chosen is None:
            return Response(data, media_type="application/octet-stream", headers=headers)
        start, end = chosen
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return Response(data[start:end + 1], status_code=206, media_type="application/octet-stream", headers=headers)

    @app.post("/v1/outbox/{record_id}/ack", response_model=AckResult, dependencies=[Depends(authorised)],
              summary="Acknowledge a record with the platform's receipt; the terminal then deletes its personal data")
    def acknowledge(record_id: str, ack: Ack) -> AckResult:
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
