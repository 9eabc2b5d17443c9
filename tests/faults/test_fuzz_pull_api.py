"""Schemathesis against the running pull API, from docs/openapi.json: no 500s, every answer as documented.

Cases are generated from the committed document (positive and negative data), sent over real HTTP
to a server on 127.0.0.1 with a valid token, and each answer is checked against the document:
status documented, body and content type conforming, nothing a 5xx. About 50 examples per operation
keep the run short enough for CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from sync import api
from sync.auth import make_token
from sync.httpserver import ServerThread
from sync.outbox import Outbox
from tests.sync.helpers import SECRET, TERMINAL_ID, make_case

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
schema = schemathesis.openapi.from_path(DOC).include(path_regex=r"^/v1/outbox")


@pytest.fixture(scope="module")
def pull_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    outbox = Outbox(tmp_path_factory.mktemp("fuzz") / "terminal", min_free_mb=10)
    for n in range(3):
        outbox.submit(make_case(n, pages=1, page_bytes=2000))
    server = ServerThread(api.create_app(outbox, TERMINAL_ID, SECRET)).start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()
    outbox.close()


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_pull_api_answers_as_documented(case: schemathesis.Case, pull_api: str) -> None:
    # A valid token goes with every case, so cases whose only flaw is a missing Authorization header are
    # rightly answered 200: negative_data_rejection would call that a failure. The refusals of bad data
    # are asserted one by one in test_pull_limits.py; here no 5xx and conformance are the point.
    case.call_and_validate(base_url=pull_api, timeout=5,
                           headers={"Authorization": f"Bearer {make_token(SECRET, TERMINAL_ID)}"},
                           excluded_checks=[schemathesis.checks.negative_data_rejection])
