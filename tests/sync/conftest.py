"""Real servers on 127.0.0.1 for the sync tests: the reference central server (with fault switches) and a proxy."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import Request
from fastapi.responses import JSONResponse

from gov_central.server import CentralStore, create_app
from sync.client import ClientSettings, PlatformClient
from sync.httpserver import ServerThread
from sync.outbox import Outbox
from tests.sync.helpers import SECRET, TERMINAL_ID


@dataclass
class Fault:
    """Answer requests matching `when` with `status` (or stall `delay` seconds first), `times` times."""

    when: Callable[[Request], bool]
    status: int | None = None
    delay: float = 0.0
    times: int = 1


@dataclass
class Central:
    store: CentralStore
    server: ServerThread
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, content-range

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


def start_central(db: Path, port: int = 0, catalog_dir: Path | None = None, **tls: Path) -> Central:
    store = CentralStore(db)
    app = create_app(store, SECRET, catalog_dir)
    central = Central(store, None)  # type: ignore[arg-type]  # the central store is not used by these tests

    @app.middleware("http")
    async def inject(request: Request, call_next):
        central.seen.append((request.method, request.url.path, request.headers.get("content-range", "")))
        for fault in central.faults:
            if fault.times > 0 and fault.when(request):
                fault.times -= 1
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if fault.status:
                    await request.body()
                    return JSONResponse({"error": "injected"}, status_code=fault.status)
        return await call_next(request)

    central.server = ServerThread(app, "127.0.0.1", port, **tls).start()
    return central


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    c = start_central(tmp_path / "central.sqlite")
    yield c
    c.server.stop()
    c.store.close()


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "terminal", min_free_mb=10)
    yield box
    box.close()


def make_client(url: str, **overrides: object) -> PlatformClient:
    options: dict[str, object] = {"base_url": url, "terminal_id": TERMINAL_ID, "secret": SECRET,
                                  "timeout_seconds": 2.0, "backoff_base": 0.02, "backoff_cap": 0.1, **overrides}
    settings = ClientSettings(**options)  # type: ignore[arg-type]  # test options are the settings fields
    return PlatformClient(settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CuttingProxy:
    """A TCP proxy that drops a connection once `cut_after` request bytes have passed, or instead of
    forwarding an answer containing `drop_reply_with`; each switch fires once, then the link heals."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = upstream_port
        self.cut_after: int | None = None
        self.drop_reply_with: bytes | None = None
        self.passed = 0
        self.cuts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        try:
            while data := src.recv(65536):
                if upstream:
                    self.passed += len(data)
                    if self.cut_after is not None and self.passed > self.cut_after:
                        self.cut_after = None
                        self.cuts += 1
                        raise OSError("cut")
                elif self.drop_reply_with is not None and self.drop_reply_with in data:
                    self.drop_reply_with = None
                    self.cuts += 1
                    raise OSError("answer lost")
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self.listener.close()
