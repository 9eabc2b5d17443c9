"""Technician login: an enrolled card proves itself by signing a fresh challenge, then a PIN.

A card's UID or ID can be copied; a private key made on the card cannot. Enrolment stores only
the card's public key and a salted scrypt hash of the PIN on the terminal (one JSON file, mode
0600, under the data folder), so reading that file lets nobody log in. Failed attempts, card or
PIN, are counted in the same file (a restart does not reset them): after `free_attempts` every
further failure doubles a waiting time during which nothing is even checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.smartcard import PIN_LENGTHS, CardChannel
from drivers.smartcard.codec import (
    CARD_ID_SIZE,
    CHALLENGE_SIZE,
    CLA_PROPRIETARY,
    INS_GET_CARD_ID,
    INS_INTERNAL_AUTHENTICATE,
    INS_KEY,
    P1_GENERATE,
    P1_READ_PUBLIC,
    PUBLIC_KEY_SIZE,
    TECHNICIAN_AID,
    Apdu,
    ConditionsNotSatisfied,
    check_status,
    select_aid,
)
from terminal.errors import TerminalError
from terminal.safewrite import write_atomic

log = logging.getLogger(__name__)

STORE_NAME = "technician_cards.json"


class AuthError(TerminalError):
    """Technician login refused."""

    advice_zh = "技术人员身份验证没有通过。"


class CardNotEnrolled(AuthError):
    advice_zh = "这张卡没有在本终端登记，请使用已登记的技术人员卡。"


class CardProofFailed(AuthError):
    advice_zh = "技术人员卡验证失败，请使用本人已登记的卡。"


class WrongPin(AuthError):
    advice_zh = "密码不正确，请重新输入。"


class LockedOut(AuthError):
    """Too many failures: `retry_after` seconds until the next attempt is even looked at."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"technician login locked for {retry_after:.0f} s after repeated failures",
                         advice_zh=f"验证失败次数过多，请 {max(1, round(retry_after))} 秒后再试。")
        self.retry_after = retry_after


class WeakPin(AuthError):
    advice_zh = "密码须为6到12位数字。"


# ---------------------------------------------------------------- the card application, terminal side


class TechnicianCard:
    """Client for the technician card application on any channel (pcscd or simulated)."""

    def __init__(self, channel: CardChannel) -> None:
        self.channel = channel
        check_status(channel.transmit(select_aid(TECHNICIAN_AID).encode()))

    def _command(self, apdu: Apdu) -> bytes:
        return check_status(self.channel.transmit(apdu.encode()))

    def card_id(self) -> bytes:
        card_id = self._command(Apdu(CLA_PROPRIETARY, INS_GET_CARD_ID, le=CARD_ID_SIZE))
        if len(card_id) != CARD_ID_SIZE:
            raise CardProofFailed(f"card ID has {len(card_id)} bytes, expected {CARD_ID_SIZE}")
        return card_id

    def public_key(self, generate_if_missing: bool = False) -> bytes:
        try:
            return self._command(Apdu(CLA_PROPRIETARY, INS_KEY, P1_READ_PUBLIC, le=0))
        except ConditionsNotSatisfied:
            if not generate_if_missing:
                raise
        return self._command(Apdu(CLA_PROPRIETARY, INS_KEY, P1_GENERATE, le=0))

    def sign(self, challenge: bytes) -> bytes:
        return self._command(Apdu(CLA_PROPRIETARY, INS_INTERNAL_AUTHENTICATE, data=challenge, le=0))


# ---------------------------------------------------------------- PIN hashing


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_pin(pin: str, *, n: int = 2 ** 14, salt: bytes | None = None) -> dict[str, Any]:
    """A salted scrypt record of `pin`: slow enough that a copied file is not a PIN list."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    return {"kdf": "scrypt", "n": n, "r": 8, "p": 1, "salt": _b64(salt), "hash": _b64(digest)}


def pin_matches(pin: str, record: dict[str, Any]) -> bool:
    digest = hashlib.scrypt(pin.encode(), salt=base64.b64decode(record["salt"]), n=record["n"], r=record["r"],
                            p=record["p"], dklen=32)
    return hmac.compare_digest(digest, base64.b64decode(record["hash"]))


# ---------------------------------------------------------------- login


@dataclass(frozen=True)
class LockoutPolicy:
    free_attempts: int = 3
    first_delay_seconds: float = 30.0
    max_delay_seconds: float = 3600.0

    def delay(self, failures: int) -> float:
        """Waiting time after `failures` consecutive failures: 0, then 30 s, 60 s, 120 s, ... up to an hour."""
        if failures < self.free_attempts:
            return 0.0
        return float(min(self.max_delay_seconds, self.first_delay_seconds * 2 ** (failures - self.free_attempts)))


@dataclass(frozen=True)
class CardProof:
    """A card that has just proven it holds an enrolled key; the PIN step comes next."""

    card_id: str
    label: str


@dataclass(frozen=True)
class TechnicianLogin:
    card_id: str  # "" for a PIN-only login
    label: str


class TechnicianAuth:
    """Enrolment and login of technician cards; the store lives in one 0600 JSON file."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time, policy: LockoutPolicy = LockoutPolicy(),
                 scrypt_n: int = 2 ** 14) -> None:
        self.path = path
        self.clock = clock
        self.policy = policy
        self.scrypt_n = scrypt_n
        self._lock = threading.Lock()

    # ------------------------------------------------------------ store

    def _load(self) -> dict[str, Any]:
        try:
            store: dict[str, Any] = json.loads(self.path.read_text())
            return store
        except FileNotFoundError:
            return {"version": 1, "cards": {}, "pin_only": None, "failures": 0, "locked_until": 0.0}

    def _save(self, store: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(self.path, json.dumps(store, indent=1).encode())

    # ------------------------------------------------------------ enrolment

    def _checked_pin(self, pin: str) -> dict[str, Any]:
        if not pin.isdigit() or len(pin) not in PIN_LENGTHS:
            raise WeakPin("PIN must be 6 to 12 digits")
        return hash_pin(pin, n=self.scrypt_n)

    def enrol(self, card: TechnicianCard, label: str, pin: str) -> str:
        """Register `card` (making its key on the card if it has none) with `pin`; returns the card ID (hex)."""
        pin_record = self._checked_pin(pin)
        card_id = card.card_id().hex()
        public_key = card.public_key(generate_if_missing=True)
        if len(public_key) != PUBLIC_KEY_SIZE:
            raise CardProofFailed(f"public key has {len(public_key)} bytes, expected {PUBLIC_KEY_SIZE}")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)  # refuses a point not on the curve
        with self._lock:
            store = self._load()
            store["cards"][card_id] = {"label": label, "public_key": _b64(public_key), "pin": pin_record,
                                       "enrolled_at": datetime.now(UTC).isoformat(timespec="seconds")}
            self._save(store)
        log.info("event=technician_card_enrolled card=%s", card_id[:8])
        return card_id

    def revoke(self, card_id: str) -> None:
        with self._lock:
            store = self._load()
            store["cards"].pop(card_id, None)
            self._save(store)

    def set_pin_only(self, pin: str, label: str = "technician") -> None:
        """The PIN that opens technician mode on terminals without a card reader."""
        record = self._checked_pin(pin)
        with self._lock:
            store = self._load()
            store["pin_only"] = {"label": label, "pin": record}
            self._save(store)

    def enrolled(self) -> dict[str, str]:
        """Card ID -> label."""
        return {card_id: entry["label"] for card_id, entry in self._load()["cards"].items()}

    # ------------------------------------------------------------ login

    def retry_after(self) -> float:
        """Seconds until the next attempt is allowed (0 when it is)."""
        with self._lock:
            return max(0.0, self._wait(self._load()))

    def _wait(self, store: dict[str, Any]) -> float:
        """Seconds still locked, never more than the policy's delay from now: a lockout begun while the
        clock was set ahead (and corrected since) is cut back to that and saved, not left for weeks."""
        wait, longest = float(store["locked_until"]) - self.clock(), self.policy.delay(store["failures"])
        if wait > longest:
            store["locked_until"] = self.clock() + longest
            self._save(store)
            return longest
        return wait

    def _refuse_if_locked(self, store: dict[str, Any]) -> None:
        wait = self._wait(store)
        if wait > 0:
            raise LockedOut(wait)

    def _record(self, store: dict[str, Any], success: bool) -> None:
        if success:
            store["failures"], store["locked_until"] = 0, 0.0
        else:
            store["failures"] += 1
            store["locked_until"] = self.clock() + self.policy.delay(store["failures"])
            log.warning("event=technician_login_failed failures=%d", store["failures"])
        self._save(store)

    def authenticate_card(self, card: TechnicianCard) -> CardProof:
        """Challenge-response with the card; raises CardNotEnrolled / CardProofFailed / LockedOut."""
        with self._lock:
            store = self._load()
            self._refuse_if_locked(store)
            card_id = card.card_id().hex()
            entry = store["cards"].get(card_id)
            if entry is None:
                self._record(store, False)
                raise CardNotEnrolled("card is not enrolled on this terminal")
            challenge = secrets.token_bytes(CHALLENGE_SIZE)
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), base64.b64decode(entry["public_key"]))
            try:
                key.verify(card.sign(challenge), challenge, ec.ECDSA(hashes.SHA256()))
            except (InvalidSignature, ValueError, TerminalError):
                self._record(store, False)
                raise CardProofFailed("card did not prove its enrolled key") from None
            return CardProof(card_id, entry["label"])

    def verify_pin(self, proof: CardProof, pin: str) -> TechnicianLogin:
        """The PIN step after `authenticate_card`."""
        return self._check_pin(lambda store: store["cards"].get(proof.card_id), pin, proof.card_id)

    def verify_pin_only(self, pin: str) -> TechnicianLogin:
        """Login by PIN alone (no card reader fitted)."""
        return self._check_pin(lambda store: store["pin_only"], pin, "")

    def _check_pin(self, entry_of: Callable[[dict[str, Any]], dict[str, Any] | None], pin: str,
                   card_id: str) -> TechnicianLogin:
        with self._lock:
            store = self._load()
            self._refuse_if_locked(store)
            entry = entry_of(store)
            ok = entry is not None and pin_matches(pin, entry["pin"])
            self._record(store, ok)
            if not ok or entry is None:
                raise WrongPin("wrong technician PIN")
            log.info("event=technician_login card=%s", card_id[:8] or "pin-only")
            return TechnicianLogin(card_id, entry["label"])

    def login(self, card: TechnicianCard, pin: str) -> TechnicianLogin:
        return self.verify_pin(self.authenticate_card(card), pin)
