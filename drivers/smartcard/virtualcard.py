"""A virtual technician card: the card application in Python, and its link to vsmartcard's vpcd.

`TechnicianApplet` answers the APDUs documented in `drivers.smartcard.codec` exactly as an issued
card must. `VpcdCard` connects it to Debian's `vsmartcard-vpcd` reader driver inside a real
pcscd: vpcd listens on TCP (reader.conf `DEVICENAME /dev/null:PORT`), the card connects to it
("inserted") and closes the socket ("removed"). vpcd's protocol: every message is a 2-byte
big-endian length and a payload; a 1-byte payload is a control message (00 power off, 01 power
on, 02 reset, 04 get ATR, answered with the ATR), anything longer is an APDU answered with the
response APDU.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.smartcard.codec import (
    CARD_ID_SIZE,
    CHALLENGE_SIZE,
    CLA_PROPRIETARY,
    INS_GET_CARD_ID,
    INS_INTERNAL_AUTHENTICATE,
    INS_KEY,
    INS_SELECT,
    P1_GENERATE,
    P1_READ_PUBLIC,
    TECHNICIAN_AID,
    Apdu,
    StatusWordError,
    response,
)

log = logging.getLogger(__name__)

# T=1, no historical bytes: 3B 80 80 01 01 (TCK = 01).
ATR = bytes.fromhex("3B80800101")
SIM_READER = "Simulated technician card reader"
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04


class TechnicianApplet:
    """The card side of the technician application: a card ID and an ECDSA P-256 key made on the card."""

    def __init__(self, card_id: bytes | None = None, key: ec.EllipticCurvePrivateKey | None = None) -> None:
        self.card_id = card_id or os.urandom(CARD_ID_SIZE)
        self._key = key
        self._selected = False

    def reset(self) -> None:
        self._selected = False

    def process(self, raw: bytes) -> bytes:
        """One command APDU in, one response APDU out."""
        try:
            return response(self._dispatch(Apdu.decode(raw)))
        except StatusWordError as e:
            return response(sw=e.sw)

    def _dispatch(self, apdu: Apdu) -> bytes:
        if apdu.cla == 0x00 and apdu.ins == INS_SELECT:
            if apdu.p1 != 0x04:
                raise StatusWordError(0x6A86)
            self._selected = apdu.data == TECHNICIAN_AID
            if not self._selected:
                raise StatusWordError(0x6A82)
            return b""
        if not self._selected:
            raise StatusWordError(0x6D00)
        if apdu.cla != CLA_PROPRIETARY:
            raise StatusWordError(0x6E00)
        if apdu.ins == INS_GET_CARD_ID:
            return self.card_id
        if apdu.ins == INS_KEY:
            return self._key_command(apdu.p1)
        if apdu.ins == INS_INTERNAL_AUTHENTICATE:
            if len(apdu.data) != CHALLENGE_SIZE:
                raise StatusWordError(0x6700)
            if self._key is None:
                raise StatusWordError(0x6985)
            return self._key.sign(apdu.data, ec.ECDSA(hashes.SHA256()))
        raise StatusWordError(0x6D00)

    def _key_command(self, p1: int) -> bytes:
        if p1 == P1_GENERATE:
            if self._key is not None:
                raise StatusWordError(0x6985)
            self._key = ec.generate_private_key(ec.SECP256R1())
        elif p1 != P1_READ_PUBLIC:
            raise StatusWordError(0x6A86)
        if self._key is None:
            raise StatusWordError(0x6985)
        return self._key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)


def _receive_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("vpcd closed the connection")
        data += chunk
    return data


class VpcdCard:
    """Puts an applet into vpcd's virtual reader: `insert()` connects, `remove()` disconnects."""

    def __init__(self, applet: TechnicianApplet, port: int, host: str = "127.0.0.1") -> None:
        self.applet = applet
        self.host = host
        self.port = port
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self, timeout: float = 10.0) -> None:
        self._socket = socket.create_connection((self.host, self.port), timeout=timeout)
        self._socket.settimeout(None)
        self._thread = threading.Thread(target=self._serve, args=(self._socket,), name="vpcd-card", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                length = int.from_bytes(_receive_exactly(sock, 2), "big")
                message = _receive_exactly(sock, length)
                answer = self._answer(message)
                if answer is not None:
                    sock.sendall(len(answer).to_bytes(2, "big") + answer)
        except (ConnectionError, OSError):
            log.debug("event=virtual_card_disconnected")

    def _answer(self, message: bytes) -> bytes | None:
        if len(message) == 1:
            if message[0] == CTRL_ATR:
                return ATR
            if message[0] in (CTRL_OFF, CTRL_ON, CTRL_RESET):
                self.applet.reset()
            return None
        return self.applet.process(message)


class SimulatedChannel:
    """The virtual technician card in this process, without pcscd (what `sim` opens)."""

    reader = SIM_READER
    atr = ATR

    def __init__(self, applet: TechnicianApplet) -> None:
        self.applet = applet
        applet.reset()

    def transmit(self, apdu: bytes) -> bytes:
        return self.applet.process(apdu)

    def close(self) -> None:
        self.applet.reset()
