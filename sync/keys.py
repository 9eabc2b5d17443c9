"""Encryption at rest for the outbox: AES-256-GCM with a key ring that can rotate.

The key file is JSON `{"current": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"}}`, mode 0600,
owned by the service user. Every sealed blob starts with the id of the key that sealed it, so a
rotation (`Keyring.rotate`) only changes which key seals new data; old keys stay in the file until
no stored record uses them any more (`terminal outbox rotate-key` prints which ids are still used).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sync.fsutil import write_atomic

NONCE_BYTES = 12
KEY_ID_MAX = 31  # "k1", "k2", ...: a blob whose first 32 bytes hold no separator is not ours
KEY_FILE_MODE = 0o600


class SealBroken(Exception):
    """A sealed blob failed authentication: tampered, truncated or sealed with an unknown key."""


class Keyring:
    """The outbox keys; seals with the current key and opens with whichever key a blob names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            self._write({"current": "k1", "keys": {"k1": _new_key()}})
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            os.chmod(path, KEY_FILE_MODE)  # tighten a key file someone copied in with loose rights
        data = json.loads(path.read_text(encoding="ascii"))
        self.current: str = data["current"]
        self._ciphers = {kid: AESGCM(base64.b64decode(key)) for kid, key in data["keys"].items()}

    def _write(self, data: dict) -> None:
        write_atomic(self.path, json.dumps(data, indent=1).encode("ascii"), mode=KEY_FILE_MODE)

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._ciphers)

    def rotate(self) -> str:
        """Add a fresh key and seal new data with it; old keys stay for opening old data."""
        data = json.loads(self.path.read_text(encoding="ascii"))
        new_id = f"k{max(int(k[1:]) for k in data['keys']) + 1}"
        data["keys"][new_id] = _new_key()
        data["current"] = new_id
        self._write(data)
        self.current = new_id
        self._ciphers[new_id] = AESGCM(base64.b64decode(data["keys"][new_id]))
        return new_id

    def retire(self, key_id: str) -> None:
        """Drop a key nobody needs any more (the caller checks no record still uses it)."""
        if key_id == self.current:
            raise ValueError("the current key cannot be retired; rotate first")
        data = json.loads(self.path.read_text(encoding="ascii"))
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
        if cipher is None or len(blob) < nonce_end + 16:
            raise SealBroken("sealed with an unknown key or truncated")
        view = memoryview(blob)
        try:
            return cipher.decrypt(view[key_end + 1:nonce_end], view[nonce_end:], blob[:key_end + 1] + context)
        except InvalidTag:
            raise SealBroken("authentication failed") from None

    @staticmethod
    def key_id_of(blob: bytes) -> str:
        return blob.partition(b"\0")[0].decode("ascii", "replace")


def _new_key() -> str:
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")
