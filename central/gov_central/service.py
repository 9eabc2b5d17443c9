"""The county service: the wire endpoints, enrolment and the operator console in one app, behind the limits.

Every endpoint gets the request limits of the terminal's pull API (sync.httpserver): the header and
body deadlines and the connection cap of `ServerThread`, and a `Gate` that refuses a body over the
endpoint's cap (413) or not strict JSON (400) before the app reads it. Terminal endpoints also have
their token checked from the headers before a byte of the body is read; the console's own login
and CSRF checks are done by its routes.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from gov_central.catalogs import Catalogs
from gov_central.credentials import Registry
from gov_central.server import MAX_CHUNK_BYTES, MAX_MANIFEST_BYTES, CentralStore, create_app
from sync.auth import TokenRefused
from sync.httpserver import Gate, Receive, Scope, Send
from terminal.sample_forms import MAX_FORM_BYTES

SMALL_BODY = 64 * 1024         # heartbeats, enrolment, console forms
CATALOG_UPLOAD = 4 * 1024 * 1024
FORM_UPLOAD = MAX_FORM_BYTES + 1  # (one byte over: refused in words, not cut off)


def body_cap(method: str, path: str) -> int:
    """The largest body each endpoint takes."""
    if method == "PUT" and path.startswith("/v1/records/"):
        return MAX_CHUNK_BYTES if "/attachments/" in path else MAX_MANIFEST_BYTES
    if path.startswith("/console/catalogs"):
        return CATALOG_UPLOAD
    if path.startswith("/console/forms"):
        return FORM_UPLOAD
    return SMALL_BODY


class Limits:
    """Sends terminal paths through a token-checking Gate, the console and enrolment through an open one."""

    def __init__(self, app: FastAPI, registry: Registry) -> None:
        self.registry = registry
        self.terminals = Gate(app, router=app.router, authorised=self._token_ok, body_cap=body_cap)
        self.open = Gate(app, router=app.router, authorised=lambda _: True, body_cap=body_cap)

    def _token_ok(self, header: str | None) -> bool:
        try:
            self.registry.authenticate(header)
        except TokenRefused:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        gate = self.terminals if path.startswith("/v1/") and path != "/v1/enrol" else self.open
        await gate(scope, receive, send)


def create_service(store: CentralStore, shared_secret: bytes | None, *, catalog_dir: Path | None = None,
                   console: bool = True, complaint_reply_hours: float = 24.0,
                   catalog_key: Path | None = None) -> Limits:
    """The whole service as one ASGI app (serve it with sync.httpserver.ServerThread)."""
    registry = Registry(store.db, shared_secret)
    app = create_app(store, shared_secret or b"", catalog_dir, registry=registry)
    if console:
        from gov_central.console import add_console
        add_console(app, store, registry, timedelta(hours=complaint_reply_hours),
                    Catalogs(store.db, catalog_dir, catalog_key))
    return Limits(app, registry)
