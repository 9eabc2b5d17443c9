"""The terminal's HTTP client for the platform: TLS always verified, explicit timeouts, our own retries.

urllib3 does not retry POST/PUT, and should not blindly; we can, because every request carries the
record's idempotency key and the platform answers a repeat with the same result. Retries use
exponential backoff with full jitter so that a fleet of terminals coming back after an outage does
not hammer the platform in step.

A platform that accepts the connection and never answers, or answers a byte at a time, must not
hold the sync loop past its systemd watchdog: one `request` (all its tries, pauses and the reading
of the answer) ends within `ClientSettings.deadline_seconds`, and an answer is read with a size cap
before anything parses it. Plain `http://` is refused except to this machine (loopback).
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3

from sync.auth import make_token, read_secret
from terminal import strictjson
from terminal.config import Config
from terminal.errors import ConfigError, PlatformError
from terminal.strictjson import ReceiptInvalid, check_receipt

log = logging.getLogger(__name__)

PROTOCOL_HEADER = "X-Sync-Protocol"
PROTOCOL_VERSION = "1"
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
REQUEST_DEADLINE_CAP = 50.0    # seconds; three jobs in a row (heartbeat, catalog, push) stay inside WatchdogSec=180
ANSWER_MAX_BYTES = 1024 * 1024  # a JSON answer of the platform; catalog updates pass their own cap
ANSWER_MAX_DEPTH = 32


class AnswerRefused(PlatformError):
    """The platform's answer is too large or not strict JSON (terminal.strictjson); it is not retried."""


class AnswerTooLarge(AnswerRefused):
    """The platform's answer is larger than this request allows; it was not read to the end."""


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def check_platform_url(url: str) -> str:
    """`https://...`, or `http://` to this machine only (a local proxy or test platform); ConfigError otherwise."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url
    raise ConfigError(f"platform.url {url!r} must start with https:// (plain http:// only to 127.0.0.1, ::1 or "
                      "localhost): personal data never crosses the network in clear",
                      advice_zh="政务服务平台地址必须使用 HTTPS 加密连接，终端拒绝明文 http:// 地址，请联系技术人员修改配置。")


def byte_count(value: object) -> int:
    """A byte count from a platform answer; PlatformError for anything but a non-negative integer."""
    if type(value) is not int or value < 0:
        raise PlatformError(f"platform answered a {type(value).__name__} where a byte count belongs")
    return value


def byte_counts(value: object) -> dict[str, int]:
    """`{"name": bytes}` from a platform answer; PlatformError for any other shape."""
    if not isinstance(value, dict):
        raise PlatformError(f"platform answered a {type(value).__name__} where byte counts per file belong")
    return {str(name): byte_count(count) for name, count in value.items()}


def receipt_of(answer: dict[str, Any]) -> str | None:
    """The platform's receipt in a push answer, if it sent one; PlatformError when it is not a valid receipt."""
    value = answer.get("receipt")
    if value is None:
        return None
    try:
        return check_receipt(value)
    except ReceiptInvalid as error:
        raise PlatformError(f"platform answered an invalid receipt: {error.message}") from None


@dataclass(frozen=True)
class ClientSettings:
    base_url: str
    terminal_id: str
    secret: bytes
    timeout_seconds: float = 15.0
    ca_bundle: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    bandwidth_kbps: int = 0
    attempts: int = 4           # tries per request before the record waits for the next round
    backoff_base: float = 0.5   # seconds; doubled per try, with jitter
    backoff_cap: float = 20.0

    def __post_init__(self) -> None:
        check_platform_url(self.base_url)

    @property
    def deadline_seconds(self) -> float:
        """The longest one `PlatformClient.request` may take, all tries and pauses included."""
        return min(REQUEST_DEADLINE_CAP, 3 * self.timeout_seconds)

    @classmethod
    def from_config(cls, config: Config, secret: bytes | None = None) -> ClientSettings:
        """`secret` overrides `platform.credentials` (b"": a request that carries no token, enrolment)."""
        platform = config.platform
        if not platform.url:
            raise PlatformError("platform.url is empty: push, catalog updates and progress queries are off",
                                advice_zh="终端没有配置政务服务平台地址，请联系技术人员。")
        return cls(base_url=platform.url.rstrip("/"), terminal_id=config.terminal.id,
                   secret=read_secret(platform.credentials, "platform.credentials") if secret is None else secret,
                   timeout_seconds=platform.timeout_seconds, ca_bundle=platform.ca_bundle,
                   client_cert=platform.client_cert, client_key=platform.client_key,
                   bandwidth_kbps=platform.bandwidth_kbps)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**attempt)], never below base/2."""
    return max(base / 2, random.uniform(0, min(cap, base * (2 ** attempt))))


class Throttle:
    """A token bucket over bytes sent, so uploads never take more than the configured bandwidth."""

    def __init__(self, kbps: int, stop: threading.Event) -> None:
        self.rate = kbps * 1024
        self.stop = stop
        self._lock = threading.Lock()  # parallel uploads share one budget
        self._next_free = time.monotonic()

    def wait(self, size: int) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_free)
            self._next_free = start + size / self.rate
        if start > now:
            self.stop.wait(start - now)


class PlatformClient:
    """One keep-alive session to the platform; `request` retries transient failures itself."""

    def __init__(self, settings: ClientSettings, stop: threading.Event | None = None) -> None:
        self.settings = settings
        self.stop = stop or threading.Event()
        self.throttle = Throttle(settings.bandwidth_kbps, self.stop)
        # Keep-alive sessions lent to one request at a time: parallel uploads reuse connections, and
        # their number stays bounded by the concurrency however many worker threads come and go.
        self._idle: queue.LifoQueue[requests.Session] = queue.LifoQueue()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        # The environment (proxies, REQUESTS_CA_BUNDLE for the system store) is read once here instead of
        # by requests on every request, where it cost more CPU than the rest of sending a chunk.
        # `verify` is passed on every request: a session-level value would lose to the environment.
        with requests.Session() as probe:
            environment = probe.merge_environment_settings(
                settings.base_url, {}, None, str(settings.ca_bundle) if settings.ca_bundle else True, None)
        verify = environment["verify"]
        self.verify: str | bool = True if verify is None else verify  # None would mean "requests decides": verify
        self.proxies: dict[str, str] = dict(environment["proxies"])
        self.cert: str | tuple[str, str] | None = None
        if settings.client_cert:
            self.cert = (str(settings.client_cert), str(settings.client_key)) if settings.client_key \
                else str(settings.client_cert)
        self.timeout = (min(5.0, settings.timeout_seconds), settings.timeout_seconds)

    @contextmanager
    def session(self) -> Iterator[requests.Session]:
        try:
            session = self._idle.get_nowait()
        except queue.Empty:
            session = requests.Session()
            session.trust_env = False  # read once in __init__; also keeps ~/.netrc from replacing our token
            session.proxies.update(self.proxies)
            session.headers[PROTOCOL_HEADER] = PROTOCOL_VERSION
            with self._sessions_lock:
                self._sessions.append(session)
        try:
            yield session
        finally:
            self._idle.put(session)

    def close(self) -> None:
        for session in self._sessions:
            session.close()

    def request(self, method: str, path: str, *, idempotency_key: str | None = None, body: bytes | None = None,
                json_body: Any = None, headers: dict[str, str] | None = None,
                max_answer_bytes: int = ANSWER_MAX_BYTES) -> requests.Response:
        """Send with retries; returns the first non-transient answer (read whole, at most `max_answer_bytes`).

        A JSON answer is checked by terminal.strictjson, so `response.json()` is safe to call on it.
        Raises PlatformError when out of tries or past the deadline, AnswerRefused at once.
        """
        url = self.settings.base_url + path
        last_problem = "no try within the deadline"
        deadline = time.monotonic() + self.settings.deadline_seconds
        for attempt in range(self.settings.attempts):
            if self.stop.is_set():
                raise PlatformError("stopping")
            left = deadline - time.monotonic()
            if left <= 0:
                break
            all_headers = {"Authorization": "Bearer " + make_token(self.settings.secret, self.settings.terminal_id)} \
                if self.settings.secret else {}
            if idempotency_key:
                all_headers["Idempotency-Key"] = idempotency_key
            all_headers.update(headers or {})
            if body:
                self.throttle.wait(len(body))
            try:
                with self.session() as session:
                    response = session.request(method, url, data=body, json=json_body, headers=all_headers,
                                               timeout=(min(self.timeout[0], left), min(self.timeout[1], left)),
                                               verify=self.verify, cert=self.cert, stream=True)
                    read_answer(response, max_answer_bytes, deadline)
            except requests.exceptions.SSLError as error:
                # A certificate problem will not fix itself by retrying.
                raise PlatformError(f"TLS verification failed for {self.settings.base_url}: {type(error).__name__} {error}",
                                    advice_zh="与政务服务平台的安全连接校验失败，请联系技术人员。") from None
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
                last_problem = type(error).__name__
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                last_problem = f"HTTP {response.status_code}"
                response.close()
            delay = backoff_delay(attempt, self.settings.backoff_base, self.settings.backoff_cap)
            log.info("platform.retry method=%s path_kind=%s problem=%s attempt=%d delay=%.2f", method,
                     path.split("/")[2] if path.count("/") > 1 else path, last_problem, attempt + 1, delay)
            if attempt + 1 < self.settings.attempts:
                self.stop.wait(min(delay, max(0.0, deadline - time.monotonic())))
        raise PlatformError(f"platform unreachable within {self.settings.deadline_seconds:.0f} s: {last_problem}")

    def get_envelope(self, path: str, max_bytes: int) -> Any:
        """A signed download (catalog, form): the strictly parsed JSON answer, None on 404.

        Raises AnswerRefused (too large, not strict JSON: the caller refuses it in words), PlatformError.
        """
        response = self.request("GET", path, max_answer_bytes=max_bytes)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PlatformError(f"{path.split('/')[2]} request answered HTTP {response.status_code}")
        try:
            return strictjson.loads(response.content, max_bytes=max_bytes, max_depth=2)
        except strictjson.JsonRefused as refused:
            raise AnswerRefused(refused.message) from None


def read_answer(response: requests.Response, max_bytes: int, deadline: float) -> None:
    """Read the answer's body into `response.content`, refusing it past `max_bytes`, past `deadline`, or if
    it claims to be JSON and is not strict JSON.

    `read1` returns whatever one receive brought, so a platform sending a byte at a time cannot
    keep us past the deadline, and a huge answer is dropped once the cap is passed, never buffered.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise AnswerTooLarge(f"platform answer of {declared} bytes is larger than {max_bytes}")
    body = bytearray()
    while chunk := response.raw.read1(65536, decode_content=True):
        body += chunk
        if len(body) > max_bytes:
            response.close()
            raise AnswerTooLarge(f"platform answer is larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            response.close()
            raise requests.exceptions.Timeout("platform answer still arriving at the deadline")
    response._content = bytes(body)  # what requests' own reading would have stored
    response._content_consumed = True  # type: ignore[attr-defined]  # requests keeps this flag untyped
    if body and "json" in response.headers.get("Content-Type", ""):
        try:
            strictjson.loads(response._content, max_bytes=max_bytes, max_depth=ANSWER_MAX_DEPTH)
        except strictjson.JsonRefused as refused:
            raise AnswerRefused(f"platform answer refused: {refused.message}") from None
