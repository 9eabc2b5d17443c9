"""Operators of the console: scrypt-hashed passwords, lockout after failures, expiring sessions, CSRF, roles.

A session is a random cookie value (kept only as SHA-256) with its own CSRF token, which every form
posts back. Five wrong passwords in a row lock the account for 15 minutes. Sessions end after 8
hours, or when the operator logs out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from gov_central.db import Database, Row
from gov_central.fleet import now, stamp

ROLES = ("管理员", "业务审核", "运维")
PERMISSIONS = {
    "fleet": {"管理员", "运维"},         # fleet page, acknowledging alarms, enrolment codes, revocation
    "cases": {"管理员", "业务审核"},     # cases, 好差评, 有诉即办
    "identity": {"业务审核"},            # a case's full identity (every view audited)
    "operators": {"管理员"},
}
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    _, n, salt, digest = stored.split("$")
    mine = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=8, p=1)
    return hmac.compare_digest(mine.hex(), digest)


@dataclass(frozen=True)
class Operator:
    name: str
    role: str
    csrf: str

    def may(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


class LoginRefused(Exception):
    """Wrong name or password, or the account is locked (the message says which, for the operator)."""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Operators:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, role: str, password: str) -> None:
        """Create an operator, or reset one's role and password (and lift a lockout)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}（角色须为{'、'.join(ROLES)}）")
        if len(password) < 10:
            raise ValueError("a password has at least 10 characters（密码至少10个字符）")
        self.db.execute("INSERT INTO operators (name, role, password, created_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (name) DO UPDATE SET role = excluded.role, password = excluded.password,"
                        " failures = 0, locked_until = NULL", (name, role, hash_password(password), stamp(now())))

    def listing(self) -> list[Row]:
        return self.db.all("SELECT name, role, failures, locked_until, created_at FROM operators ORDER BY name")

    def login(self, name: str, password: str) -> str:
        """A new session cookie value; LoginRefused otherwise (failures counted, lockout applied)."""
        row = self.db.one("SELECT password, failures, locked_until FROM operators WHERE name = ?", (name,))
        if row is None:
            hash_password(password)  # the same time as a known name
            raise LoginRefused("用户名或密码不正确")
        if row["locked_until"] and row["locked_until"] > stamp(now()):
            raise LoginRefused("连续输错次数过多，账号已锁定15分钟，请稍后再试或联系管理员")
        if not password_matches(password, row["password"]):
            failures = row["failures"] + 1
            locked = stamp(now() + LOCKOUT) if failures >= MAX_FAILURES else None
            self.db.execute("UPDATE operators SET failures = ?, locked_until = ? WHERE name = ?",
                            (0 if locked else failures, locked, name))
            raise LoginRefused("连续输错次数过多，账号已锁定15分钟" if locked else "用户名或密码不正确")
        token = secrets.token_urlsafe(32)
        self.db.execute("UPDATE operators SET failures = 0, locked_until = NULL WHERE name = ?", (name,))
        self.db.execute("DELETE FROM sessions WHERE expires_at < ?", (stamp(now()),))  # expired ones, anyone's
        self.db.execute("INSERT INTO sessions (token_sha256, operator, csrf, expires_at) VALUES (?, ?, ?, ?)",
                        (_sha(token), name, secrets.token_urlsafe(24), stamp(now() + SESSION_LIFETIME)))
        return token

    def session(self, token: str | None) -> Operator | None:
        if not token:
            return None
        row = self.db.one("SELECT o.name, o.role, s.csrf, s.expires_at FROM sessions s JOIN operators o"
                          " ON o.name = s.operator WHERE s.token_sha256 = ?", (_sha(token),))
        if row is None or row["expires_at"] < stamp(now()):
            return None
        return Operator(row["name"], row["role"], row["csrf"])

    def logout(self, token: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE token_sha256 = ?", (_sha(token),))
