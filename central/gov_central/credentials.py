"""Per-terminal credentials: enrolment with a one-time code, rotation, revocation.

An operator makes a one-time code for a terminal id in the console; the terminal (or its
installer) trades it once at `POST /v1/enrol` for its own secret, which signs its tokens from then
on (the token format of sync.auth is unchanged). Codes are kept only as SHA-256 and expire after a
day. `POST /v1/enrol/rotate`, signed with the current secret, issues a new one; the old one stays
valid for ten minutes so requests in flight still pass. A revoked terminal's tokens are refused.

The shared secret of the reference server (demo mode) still signs for terminals that were never
enrolled, when the service is started with one; an enrolled terminal must use its own secret.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import timedelta

from gov_central.db import Database
from gov_central.fleet import now, stamp
from sync.auth import TokenRefused, bearer, check_token

CODE_LIFETIME = timedelta(days=1)
ROTATION_GRACE = timedelta(minutes=10)
CACHE_SECONDS = 5.0  # a revocation takes effect within this long


class EnrolmentRefused(Exception):
    """The code is unknown, used, expired or for another terminal."""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Registry:
    """Which secrets sign for which terminal."""

    def __init__(self, db: Database, shared_secret: bytes | None = None) -> None:
        self.db = db
        self.shared = shared_secret or None
        self._cache: dict[str, tuple[float, list[bytes]]] = {}
        self._lock = threading.Lock()

    def make_code(self, terminal_id: str, operator: str) -> str:
        """A one-time enrolment code for `terminal_id` (shown once to the operator)."""
        code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        at = now()
        self.db.execute("INSERT INTO enrolment_codes (code_sha256, terminal_id, created_by, created_at, expires_at)"
                        " VALUES (?, ?, ?, ?, ?)", (_sha(code), terminal_id, operator, stamp(at),
                                                    stamp(at + CODE_LIFETIME)))
        return code

    def enrol(self, terminal_id: str, code: str) -> str:
        """Trade a one-time code for the terminal's own secret (a re-enrolment replaces the old one)."""
        secret = secrets.token_hex(32)
        at = stamp(now())
        with self.db.transaction(durable=True) as tx:
            row = tx.one("SELECT terminal_id, expires_at, used_at FROM enrolment_codes WHERE code_sha256 = ?",
                         (_sha(code.strip().upper()),))
            if row is None or row["used_at"] or row["terminal_id"] != terminal_id or row["expires_at"] < at:
                raise EnrolmentRefused("enrolment code unknown, used, expired or for another terminal")
            tx.execute("UPDATE enrolment_codes SET used_at = ? WHERE code_sha256 = ?", (at, _sha(code.strip().upper())))
            tx.execute("INSERT INTO terminals (terminal_id, secret, state, enrolled_at) VALUES (?, ?, 'active', ?)"
                       " ON CONFLICT (terminal_id) DO UPDATE SET secret = excluded.secret, state = 'active',"
                       " enrolled_at = excluded.enrolled_at, previous_secret = NULL, previous_until = NULL,"
                       " revoked_at = NULL, revoked_by = NULL", (terminal_id, secret, at))
        self._forget(terminal_id)
        return secret

    def rotate(self, terminal_id: str) -> str:
        """A new secret for an enrolled terminal; the old one passes for ROTATION_GRACE more."""
        secret = secrets.token_hex(32)
        at = now()
        with self.db.transaction(durable=True) as tx:
            row = tx.one("SELECT secret FROM terminals WHERE terminal_id = ? AND state = 'active'", (terminal_id,))
            if row is None:
                raise EnrolmentRefused("only an enrolled terminal rotates its secret")
            tx.execute("UPDATE terminals SET previous_secret = secret, previous_until = ?, secret = ?, rotated_at = ?"
                       " WHERE terminal_id = ?", (stamp(at + ROTATION_GRACE), secret, stamp(at), terminal_id))
        self._forget(terminal_id)
        return secret

    def revoke(self, terminal_id: str, operator: str) -> None:
        self.db.execute("INSERT INTO terminals (terminal_id, state, revoked_at, revoked_by) VALUES (?, 'revoked', ?, ?)"
                        " ON CONFLICT (terminal_id) DO UPDATE SET state = 'revoked', secret = NULL,"
                        " previous_secret = NULL, revoked_at = excluded.revoked_at, revoked_by = excluded.revoked_by",
                        (terminal_id, stamp(now()), operator))
        self._forget(terminal_id)

    def secrets_for(self, terminal_id: str) -> list[bytes]:
        """The secrets that sign for this terminal right now (none: refused)."""
        with self._lock:
            cached = self._cache.get(terminal_id)
            if cached and cached[0] > time.monotonic():
                return cached[1]
        row = self.db.one("SELECT secret, previous_secret, previous_until, state FROM terminals WHERE terminal_id = ?",
                          (terminal_id,))
        found: list[bytes] = []
        if row is None:
            found = [self.shared] if self.shared else []
        elif row["state"] == "active":
            found = [row["secret"].encode()]
            if row["previous_secret"] and row["previous_until"] > stamp(now()):
                found.append(row["previous_secret"].encode())
        with self._lock:
            self._cache[terminal_id] = (time.monotonic() + CACHE_SECONDS, found)
        return found

    def _forget(self, terminal_id: str) -> None:
        with self._lock:
            self._cache.pop(terminal_id, None)

    def authenticate(self, authorization: str | None) -> str:
        """The terminal id a bearer token signs for; TokenRefused otherwise."""
        token = bearer(authorization)
        terminal_id = token.split(".")[1] if token.count(".") == 3 else ""
        problem: TokenRefused = TokenRefused("terminal not enrolled or revoked")
        for secret in self.secrets_for(terminal_id):
            try:
                check_token(secret, token, terminal_id)
                return terminal_id
            except TokenRefused as error:
                problem = error
        raise problem

    def terminals(self) -> list[dict[str, str | None]]:
        return [dict(row) for row in self.db.all(
            "SELECT terminal_id, state, enrolled_at, rotated_at, revoked_at, revoked_by FROM terminals"
            " ORDER BY terminal_id")]
