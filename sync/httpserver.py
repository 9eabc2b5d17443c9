"""Run a FastAPI app under uvicorn on a background thread, for `sync serve`, `sync central` and tests."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException


def use_error_shape(app: FastAPI) -> None:
    """Refusals answer `{"error": "..."}` in both directions, as docs/sync-protocol.md says."""

    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)

    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]


def parse_listen(listen: str) -> tuple[str, int]:
    """`127.0.0.1:8700` or `[::1]:8700` -> (host, port)."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


class ServerThread:
    """uvicorn on its own thread; `start()` returns once the socket listens, `stop()` once it is closed."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, certfile: Path | None = None,
                 keyfile: Path | None = None, client_ca: Path | None = None, log_level: str = "warning") -> None:
        options: dict[str, Any] = {"host": host, "port": port, "log_level": log_level, "access_log": False,
                                   "lifespan": "off", "timeout_keep_alive": 30}
        if certfile:
            options.update(ssl_certfile=str(certfile), ssl_keyfile=str(keyfile))
            if client_ca:
                import ssl
                options.update(ssl_ca_certs=str(client_ca), ssl_cert_reqs=ssl.CERT_REQUIRED)
        self.server = uvicorn.Server(uvicorn.Config(app, **options))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True,
                                       name=f"http-{port}")

    def start(self, timeout: float = 10.0) -> "ServerThread":
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
