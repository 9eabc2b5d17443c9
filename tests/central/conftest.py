"""The central service on both back ends: SQLite in a folder and a real PostgreSQL in a temporary folder."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from gov_central.credentials import Registry
from gov_central.server import CentralStore
from gov_central.service import create_service
from sync.httpserver import ServerThread
from tests.central.pg import PostgresServer
from tests.sync.helpers import SECRET


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CentralStore]:
    """A fresh store on each back end (a new PostgreSQL database per test)."""
    if request.param == "sqlite":
        made = CentralStore(tmp_path / "central.sqlite")
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        made = CentralStore(server.create_database(f"t{secrets.token_hex(6)}"), tmp_path / "files")
    yield made
    made.close()


@dataclass
class Service:
    store: CentralStore
    server: ServerThread
    registry: Registry  # the running service's (its cache learns of a revocation at once)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture
def service(store: CentralStore) -> Iterator[Service]:
    """The whole service (terminals' endpoints, enrolment, console) with the tests' shared demo secret."""
    app = create_service(store, SECRET)
    server = ServerThread(app, "127.0.0.1", 0).start()
    yield Service(store, server, app.registry)
    server.stop()


def login(url: str, name: str, password: str) -> tuple[requests.Session, str]:
    """A console session and its CSRF token (read from the logout form every page carries)."""
    session = requests.Session()
    answer = session.post(f"{url}/console/login", data={"name": name, "password": password}, timeout=10)
    answer.raise_for_status()
    marker = 'name="csrf" value="'
    if marker not in answer.text:
        raise AssertionError("login refused: " + answer.text[:300])
    start = answer.text.index(marker) + len(marker)
    return session, answer.text[start:answer.text.index('"', start)]
