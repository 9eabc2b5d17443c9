"""The call-back request (预约回电) on the wire: pulled from the terminal's sync API by the platform like any
record, purged from the terminal once acknowledged (its phone with it), delivered once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest

from gov_central.server import Puller
from sync import api
from sync.httpserver import ServerThread
from sync.outbox import Outbox, RecordGone
from terminal.cases import CallbackRequest
from tests.sync.conftest import Central
from tests.sync.helpers import SECRET, TERMINAL_ID

PHONE = "13800138000"


@pytest.fixture
def pull_api(outbox: Outbox) -> Iterator[str]:
    server = ServerThread(api.create_app(outbox, TERMINAL_ID, SECRET)).start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def test_the_platform_pulls_a_callback_request_once_and_the_terminal_forgets_the_phone(
        outbox: Outbox, pull_api: str, central: Central) -> None:
    request = CallbackRequest("T0001-261208-0007", TERMINAL_ID, PHONE, "下午", "help", created_at=datetime(2026, 12, 8, 1))
    outbox.add_callback(request)
    puller = Puller(central.store, pull_api, TERMINAL_ID, SECRET)
    assert puller.pull_once() == [request.request_no]
    assert puller.pull_once() == []
    assert outbox.record(request.request_no).state == "purged"
    with pytest.raises(RecordGone):  # nothing personal left on the terminal once the platform has it
        outbox.manifest(request.request_no)
    row = central.store.db.one("SELECT kind, manifest FROM records WHERE record_id = ?", (request.request_no,))
    assert row is not None and row["kind"] == "callback"
    assert json.loads(bytes(row["manifest"]))["callback"]["phone"] == PHONE
