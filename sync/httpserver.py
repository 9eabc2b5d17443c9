"""Run a FastAPI app under uvicorn on a background thread, for `sync serve`, `sync central` and tests.

The server stands up to hostile clients on its own (docs/sync-protocol.md, "Limits"):
- `GuardedProtocol` (uvicorn's h11 protocol plus timers) drops a connection whose request headers
  do not arrive within `header_timeout`, or whose body does not arrive within `body_timeout`; past
  `max_connections` it closes the oldest connection still waiting for its headers (else the new one),
  so a crowd of half-sent requests cannot starve real ones.
- `Gate` (ASGI, in front of the app) checks the credentials from the headers before a byte of the
  body is read, refuses a body over the endpoint's cap (413) and one that is not strict JSON (400).
- `OncePerMinute` keeps the server's log to one line per kind of problem per minute, without
  tracebacks, so that a flood ("Too many open files") cannot fill the disk.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match, Router
from uvicorn.protocols.http.h11_impl import H11Protocol

from terminal import strictjson

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class OncePerMinute(logging.Filter):
    """Let one record per kind (logger, message and its short arguments, exception type) through per minute.

    The next one let through says how many were held back; tracebacks become `Type: message`.
    """

    WINDOW = 60.0

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._kinds: dict[tuple[str, str, str], tuple[float, int]] = {}  # kind -> (last let through, held back)

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        details = repr(record.args)  # e.g. the status of a refusal; long ones (paths, messages) do not count
        kind = (record.name, str(record.msg) + (details if len(details) <= 40 else ""),
                type(error).__name__ if error else "")
        now = time.monotonic()
        with self._lock:
            last, held = self._kinds.get(kind, (-self.WINDOW, 0))
            if now - last < self.WINDOW:
                self._kinds[kind] = (last, held + 1)
                return False
            if len(self._kinds) > 1000:
                self._kinds.clear()
            self._kinds[kind] = (now, 0)
        if error is not None:
            record.msg = f"{record.getMessage()} error={type(error).__name__}: {str(error)[:200]}"
            record.args, record.exc_info, record.exc_text = None, None, None
        if held:
            record.msg = f"{record.getMessage()} (and {held} more like this in the last minute)"
            record.args = None
        return True


_LOG_FILTER = OncePerMinute()
RATE_LIMITED_LOGGERS = ("uvicorn.error", "asyncio", __name__, "sync.api")


def limit_server_logs() -> None:
    """Put the once-per-minute filter on the loggers a flood of bad connections writes to (idempotent)."""
    for name in RATE_LIMITED_LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)


@dataclass(frozen=True)
class ServerLimits:
    """What one client may cost the server; the defaults suit the pull API on a kiosk."""

    header_timeout: float = 10.0   # seconds from connecting (or the previous answer) to the end of the headers
    body_timeout: float = 10.0     # seconds from the end of the headers to the end of the body ...
    min_body_rate: int = 16 * 1024  # ... plus its declared length at this many bytes per second (large uploads)
    max_connections: int = 200     # open connections; more evict the oldest one still waiting for its headers


class GuardedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with header and body deadlines and a connection limit."""

    limits = ServerLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._phase = ""
        self._since = time.monotonic()

    @classmethod
    def with_limits(cls, limits: ServerLimits) -> type[GuardedProtocol]:
        return type("GuardedProtocol", (cls,), {"limits": limits})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn passes an asyncio.Transport, narrower than BaseTransport
        super().connection_made(transport)
        self._arm("headers", self.limits.header_timeout)
        self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._arm("", 0)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        if self.conn.their_state is h11.SEND_BODY:
            self.transport.close()  # answered before the body ended (a refusal): the rest is never read
        super().on_response_complete()
        if not self.transport.is_closing():
            self._since = time.monotonic()
            self._arm("headers", self.limits.header_timeout)
            self._follow()

    def _waiting_for_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)

    def _follow(self) -> None:
        """Move the deadline along with the request: headers, then body, then none while the app answers."""
        state = self.conn.their_state
        if state is h11.IDLE:
            if self._phase != "headers":
                self._arm("headers", self.limits.header_timeout)
        elif state is h11.SEND_BODY:
            if self._phase != "body":
                declared = next((value for name, value in self.headers if name == b"content-length"), b"0")
                length = int(declared) if declared.isdigit() else 0  # h11 has checked it; chunked: 0
                self._arm("body", self.limits.body_timeout + length / self.limits.min_body_rate)
        else:
            self._arm("", 0)

    def _arm(self, phase: str, seconds: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._phase = phase
        self._timer = self.loop.call_later(seconds, self._expired, phase) if phase else None

    def _expired(self, phase: str) -> None:
        log.warning("http.dropped reason=%s_timeout", phase)
        self.transport.close()

    def _make_room(self) -> None:
        open_now = [c for c in self.connections if not c.transport.is_closing()]
        if len(open_now) <= self.limits.max_connections:
            return
        waiting = [c for c in open_now if isinstance(c, GuardedProtocol) and c is not self and c._waiting_for_headers()]
        victim = min(waiting, key=lambda c: c._since, default=self)
        log.warning("http.dropped reason=connection_limit limit=%d", self.limits.max_connections)
        victim.transport.close()


class Gate:
    """ASGI guard in front of an app: credentials from the headers first, then a capped, strict body.

    `authorised(header)` gets the Authorization header (or None); `body_cap(method, path)` is the
    endpoint's largest body in bytes (0: none). An unknown path or method is answered 404 or 405
    here, from `router`, so that its body is not read either. JSON bodies are parsed by
    terminal.strictjson before the app sees them: NaN, huge numbers or deep nesting are a 400.
    """

    def __init__(self, app: Any, *, router: Router, authorised: Callable[[str | None], bool],
                 body_cap: Callable[[str, str], int], json_depth: int = 16) -> None:
        self.app = app
        self.router = router
        self.authorised = authorised
        self.body_cap = body_cap
        self.json_depth = json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        if not self.authorised(headers.get("authorization")):
            await refuse(send, 401, "credentials refused", {"WWW-Authenticate": "Bearer"})
            return
        matches = [(route, route.matches(scope)[0]) for route in self.router.routes]
        if not any(match is Match.FULL for _, match in matches):
            allowed = sorted({m for route, match in matches if match is Match.PARTIAL
                              for m in getattr(route, "methods", None) or ()})
            if allowed:
                await refuse(send, 405, "method not allowed", {"Allow": ", ".join(allowed)})
            else:
                await refuse(send, 404, "not found")
            return
        cap = self.body_cap(scope["method"], scope["path"])
        declared = headers.get("content-length")
        if declared is None and "transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        if declared is not None and not (declared.isascii() and declared.isdigit()):
            await refuse(send, 400, "Content-Length is not a number")
            return
        if declared is not None and int(declared) > cap:
            await refuse(send, 413, f"body larger than {cap} bytes")
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > cap:
                await refuse(send, 413, f"body larger than {cap} bytes")
                return
            if not message.get("more_body", False):
                break
        if body and "json" in headers.get("content-type", "json"):
            try:
                strictjson.loads(bytes(body), max_bytes=cap, max_depth=self.json_depth)
            except strictjson.JsonRefused as refused:
                await refuse(send, 400, refused.message)
                return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then waits for the disconnect as usual."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def refuse(send: Send, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
    """Answer `{"error": reason}` and close the connection: whatever body the client still sends is never read."""
    log.warning("http.refused status=%d", status)
    response = JSONResponse({"error": reason}, status_code=status, headers={"Connection": "close", **(headers or {})})
    await response({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def use_error_shape(app: FastAPI) -> None:
    """Refusals answer `{"error": "..."}` in both directions, as docs/sync-protocol.md says."""

    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)

    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]  # Starlette types handlers for any Exception


def parse_listen(listen: str) -> tuple[str, int]:
    """`127.0.0.1:8700` or `[::1]:8700` -> (host, port)."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


class ServerThread:
    """uvicorn on its own thread; `start()` returns once the socket listens, `stop()` once it is closed."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, certfile: Path | None = None,
                 keyfile: Path | None = None, client_ca: Path | None = None, log_level: str = "warning",
                 limits: ServerLimits = ServerLimits()) -> None:
        limit_server_logs()
        options: dict[str, Any] = {"host": host, "port": port, "log_level": log_level, "access_log": False,
                                   "lifespan": "off", "timeout_keep_alive": 30, "backlog": 2048,
                                   "http": GuardedProtocol.with_limits(limits)}
        if certfile:
            options.update(ssl_certfile=str(certfile), ssl_keyfile=str(keyfile))
            if client_ca:
                import ssl
                options.update(ssl_ca_certs=str(client_ca), ssl_cert_reqs=ssl.CERT_REQUIRED)
        self.server = uvicorn.Server(uvicorn.Config(app, **options))
        self.handshake_timeout = limits.header_timeout
        self.thread = threading.Thread(target=self._serve, daemon=True, name=f"http-{port}")

    def _serve(self) -> None:
        """Run uvicorn on a loop whose TLS handshakes get the header timeout, not asyncio's 60 s.

        A connection is handed to GuardedProtocol only after its handshake, so without this a crowd
        that connects and never says hello would hold its descriptors for a minute, uncounted.
        """
        with asyncio.Runner() as runner:
            loop = runner.get_loop()
            create_server = loop.create_server

            async def with_handshake_timeout(*args: Any, **kwargs: Any) -> asyncio.AbstractServer:
                if kwargs.get("ssl"):
                    kwargs.setdefault("ssl_handshake_timeout", self.handshake_timeout)
                return await create_server(*args, **kwargs)

            loop.create_server = with_handshake_timeout  # type: ignore[method-assign,assignment]  # uvicorn calls it
            runner.run(self.server.serve())

    def start(self, timeout: float = 10.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("HTTP server did not start")
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
