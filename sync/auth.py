"""Per-terminal signed tokens with expiry, used in both directions of the sync protocol.

A token is `v1.<terminal id>.<expiry unix seconds>.<hex HMAC-SHA256 of the first three parts>` with
a secret shared by one terminal and the platform (the secret file is `platform.credentials` for
push and `sync_api.credentials` for pull). Tokens are short-lived, so a leaked one is soon useless;
comparison is constant-time. A token carries no personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

from terminal.errors import ConfigError

TOKEN_VERSION = "v1"
DEFAULT_TTL_SECONDS = 300
MAX_TTL_SECONDS = 3600  # a token valid longer than this is refused even if correctly signed


class TokenRefused(Exception):
    """The token is malformed, wrongly signed, for another terminal, expired or too long-lived."""


def read_secret(path: Path | None, what: str) -> bytes:
    """Load a shared secret file (one line; at least 16 bytes)."""
    if path is None:
        raise ConfigError(f"{what} is not set: a credentials file with this terminal's shared secret is required")
    try:
        secret = Path(path).read_bytes().strip()
    except OSError as error:
        raise ConfigError(f"{what} {path} cannot be read: {error.strerror}") from None
    if len(secret) < 16:
        raise ConfigError(f"{what} {path} holds a secret shorter than 16 bytes")
    return secret


def _sign(secret: bytes, body: str) -> str:
    return hmac.new(secret, body.encode("ascii"), hashlib.sha256).hexdigest()


def make_token(secret: bytes, terminal_id: str, ttl: float = DEFAULT_TTL_SECONDS, now: float | None = None) -> str:
    expiry = int((time.time() if now is None else now) + ttl)
    body = f"{TOKEN_VERSION}.{terminal_id}.{expiry}"
    return f"{body}.{_sign(secret, body)}"


def check_token(secret: bytes, token: str, terminal_id: str, now: float | None = None) -> None:
    """Raise TokenRefused unless `token` is valid for `terminal_id` right now."""
    now = time.time() if now is None else now
    if not token.isascii():
        raise TokenRefused("token is not ASCII")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != TOKEN_VERSION:
        raise TokenRefused("malformed token")
    body, signature = ".".join(parts[:3]), parts[3]
    if not hmac.compare_digest(_sign(secret, body).encode("ascii"), signature.encode("ascii", "replace")):
        raise TokenRefused("bad signature")
    if not hmac.compare_digest(parts[1].encode("ascii", "replace"), terminal_id.encode("ascii")):
        raise TokenRefused("token for another terminal")
    if not parts[2].isdigit() or len(parts[2]) > 12:
        raise TokenRefused("malformed expiry")
    expiry = int(parts[2])
    if expiry < now:
        raise TokenRefused("expired")
    if expiry > now + MAX_TTL_SECONDS:
        raise TokenRefused("valid for too long")


def bearer(header: str | None) -> str:
    """The token from an `Authorization: Bearer ...` header."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise TokenRefused("no bearer token")
    return token.strip()
