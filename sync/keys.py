"""Encryption at rest for the outbox: a key ring that wraps one random data key per record.

The key file is JSON `{"current": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"}}`, mode 0600,
owned by the service user. Each record's manifest and files are sealed with its own random data
key (`DataKey`); the data key is stored wrapped by the ring's current key, so destroying the
wrapped data key at purge makes the record unreadable for anyone, also with the key ring
(crypto-shredding). Every wrapped blob starts with the id of the ring key that sealed it, so a
rotation (`Keyring.rotate`) only changes which key wraps new data; old keys stay in the file until
no stored record uses them (`terminal outbox rotate-key` prints which ids are still used).

The ring is never created behind anyone's back: `Keyring.create` is for a fresh outbox only; a
missing, empty or garbled key file is a `KeyringFault` with words for the technician (restore the
file from the backup, docs/deployment.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from terminal.errors import TerminalError
from terminal.safewrite import write_atomic

NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_MAX = 31  # "k1", "k2", ...: a blob whose first 32 bytes hold no separator is not ours
KEY_FILE_MODE = 0o600


class SealBroken(Exception):
    """A sealed blob failed authentication: tampered, truncated or sealed with an unknown key."""


class KeyringFault(TerminalError):
    """The key file is missing or unreadable while the outbox holds (or held) data sealed with it."""

    advice_zh = "待发送队列的密钥文件丢失或损坏，已停止处理申请；请联系技术人员从备份恢复密钥文件。"


class Keyring:
    """The outbox ring keys; wraps with the current key and unwraps with whichever key a blob names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            mode = path.stat().st_mode & 0o777
            if mode & 0o077:
                os.chmod(path, KEY_FILE_MODE)  # tighten a key file someone copied in with loose rights
            data = self._read()
            self.current: str = data["current"]
            raw = {kid: base64.b64decode(key, validate=True) for kid, key in data["keys"].items()}
            self._ciphers = {kid: AESGCM(key) for kid, key in raw.items()}
            self.fingerprints = {kid: _fingerprint(key) for kid, key in raw.items()}
            if self.current not in self._ciphers:
                raise KeyError(self.current)
        except FileNotFoundError:
            raise KeyringFault(f"key file {path} is missing") from None
        except OSError as error:
            raise KeyringFault(f"key file {path} cannot be read ({error.strerror})") from None
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            # json, base64 and AESGCM (wrong key length) errors are all ValueError subclasses.
            raise KeyringFault(f"key file {path} is damaged (not a key ring)") from None

    @classmethod
    def create(cls, path: Path) -> Keyring:
        """A new ring for a new outbox; refuses to replace an existing key file."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.exists():
            return cls(path)
        write_atomic(path, _dump({"current": "k1", "keys": {"k1": _new_key()}}), mode=KEY_FILE_MODE)
        return cls(path)

    def _read(self) -> dict:
        data = json.loads(self.path.read_text(encoding="ascii"))
        if not isinstance(data, dict) or not isinstance(data.get("keys"), dict) or not data["keys"]:
            raise ValueError("not a key ring")
        return data

    def _write(self, data: dict) -> None:
        write_atomic(self.path, _dump(data), mode=KEY_FILE_MODE)

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._ciphers)

    def rotate(self) -> str:
        """Add a fresh key and wrap new data keys with it; old keys stay for opening old data."""
        data = self._read()
        new_id = f"k{max(int(k[1:]) for k in data['keys']) + 1}"
        data["keys"][new_id] = _new_key()
        data["current"] = new_id
        self._write(data)
        self.current = new_id
        raw = base64.b64decode(data["keys"][new_id])
        self._ciphers[new_id] = AESGCM(raw)
        self.fingerprints[new_id] = _fingerprint(raw)
        return new_id

    def retire(self, key_id: str) -> None:
        """Drop a key nobody needs any more (the caller checks no record still uses it)."""
        if key_id == self.current:
            raise ValueError("the current key cannot be retired; rotate first")
        data = self._read()
        data["keys"].pop(key_id, None)
        self._write(data)
        self._ciphers.pop(key_id, None)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        """`key id | 0 | nonce | ciphertext+tag`; `context` (a record or file name) is bound in as AAD."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        header = self.current.encode("ascii") + b"\0"
        return header + nonce + self._ciphers[self.current].encrypt(nonce, plaintext, header + context)

    def open(self, blob: bytes, context: bytes) -> bytes:
        # Views, not slices: a slice of a sealed page copies it, twice per page sent.
        key_end = blob.find(b"\0", 0, KEY_ID_MAX + 1)
        cipher = self._ciphers.get(blob[:key_end].decode("ascii", "replace")) if key_end > 0 else None
        nonce_end = key_end + 1 + NONCE_BYTES
        if cipher is None or len(blob) < nonce_end + TAG_BYTES:
            raise SealBroken("sealed with an unknown key or truncated")
        view = memoryview(blob)
        try:
            return cipher.decrypt(view[key_end + 1:nonce_end], view[nonce_end:], blob[:key_end + 1] + context)
        except InvalidTag:
            raise SealBroken("authentication failed") from None

    def new_data_key(self, record_id: str) -> tuple[DataKey, bytes]:
        """A fresh random data key for one record, and its wrapped form to store beside the record."""
        raw = AESGCM.generate_key(bit_length=256)
        return DataKey(raw), self.seal(raw, b"data-key:" + record_id.encode("ascii"))

    def unwrap(self, wrapped: bytes, record_id: str) -> DataKey:
        return DataKey(self.open(wrapped, b"data-key:" + record_id.encode("ascii")))

    @staticmethod
    def key_id_of(blob: bytes) -> str:
        return blob.partition(b"\0")[0].decode("ascii", "replace")


class DataKey:
    """One record's own key: `nonce | ciphertext+tag`, the blob's name bound in as AAD."""

    def __init__(self, raw: bytes) -> None:
        self._cipher = AESGCM(raw)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._cipher.encrypt(nonce, plaintext, context)

    def open(self, blob: bytes, context: bytes) -> bytes:
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise SealBroken("truncated")
        view = memoryview(blob)
        try:
            return self._cipher.decrypt(view[:NONCE_BYTES], view[NONCE_BYTES:], context)
        except InvalidTag:
            raise SealBroken("authentication failed") from None


def _dump(data: dict) -> bytes:
    return json.dumps(data, indent=1).encode("ascii")


def _fingerprint(raw: bytes) -> str:
    """A short one-way check value: tells a restored key from a different key with the same id."""
    return hashlib.sha256(b"gov-terminal key check:" + raw).hexdigest()[:16]


def _new_key() -> str:
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")
