"""ISO 7816-4 APDUs, status words as typed errors, and the technician card application (no I/O).

The technician card application is ours; docs/hardware.md documents it so a card can be
issued with ordinary tools (a JavaCard applet implementing these APDUs, or any card OS that
offers the same commands):

- AID `F0 47 4F 56 54 45 43 48 01` ("GOVTECH", version 1; F0 = unregistered proprietary RID)
- `80 CA 00 00 10` GET CARD ID: 16 random bytes fixed at personalisation
- `80 47 80 00 00` GENERATE KEY: the card makes an ECDSA P-256 key pair once and returns the
  public key (65 bytes, uncompressed `04 || X || Y`); `69 85` if it already has one
- `80 47 81 00 00` READ PUBLIC KEY: the same 65 bytes; `69 85` before GENERATE KEY
- `80 88 00 00 20 <32-byte challenge> 00` INTERNAL AUTHENTICATE: ECDSA-SHA256 signature (DER)
  over the 32 challenge bytes
"""

from __future__ import annotations

from dataclasses import dataclass

from terminal.errors import DeviceFault

DEVICE = "smartcard"

TECHNICIAN_AID = bytes.fromhex("F0474F5654454348" "01")
CLA_PROPRIETARY = 0x80
INS_SELECT = 0xA4
INS_GET_CARD_ID = 0xCA
INS_KEY = 0x47
P1_GENERATE = 0x80
P1_READ_PUBLIC = 0x81
INS_INTERNAL_AUTHENTICATE = 0x88
INS_GET_RESPONSE = 0xC0
CARD_ID_SIZE = 16
CHALLENGE_SIZE = 32
PUBLIC_KEY_SIZE = 65

SW_OK = 0x9000


@dataclass(frozen=True)
class Apdu:
    """A short command APDU (ISO 7816-4 case 1-4): `le` None means no Le byte, 0 means 256."""

    cla: int
    ins: int
    p1: int = 0
    p2: int = 0
    data: bytes = b""
    le: int | None = None

    def encode(self) -> bytes:
        if len(self.data) > 255 or (self.le is not None and not 0 <= self.le <= 256):
            raise ValueError("only short APDUs are used")
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le % 256])
        return out

    @classmethod
    def decode(cls, raw: bytes) -> Apdu:
        """Parse a short command APDU (card side); raises WrongLength for malformed ones."""
        if len(raw) < 4:
            raise WrongLength(0x6700)
        header, body = raw[:4], raw[4:]
        data, le = b"", None
        if len(body) == 1:
            le = body[0] or 256
        elif body:
            lc = body[0]
            if lc == 0 or len(body) not in (1 + lc, 2 + lc):
                raise WrongLength(0x6700)
            data = body[1:1 + lc]
            if len(body) == 2 + lc:
                le = body[-1] or 256
        return cls(header[0], header[1], header[2], header[3], data, le)


def select_aid(aid: bytes) -> Apdu:
    return Apdu(0x00, INS_SELECT, 0x04, 0x00, aid)


def split_response(raw: bytes) -> tuple[bytes, int]:
    """`data || SW1 SW2` -> (data, SW)."""
    if len(raw) < 2:
        raise StatusWordError(0x6F00, "response shorter than a status word")
    return raw[:-2], int.from_bytes(raw[-2:], "big")


def response(data: bytes = b"", sw: int = SW_OK) -> bytes:
    return data + sw.to_bytes(2, "big")


# ---------------------------------------------------------------- status words


class StatusWordError(DeviceFault):
    """The card answered with a status word other than 90 00."""

    advice_zh = "卡片操作没有成功，请重新插卡再试。"

    def __init__(self, sw: int, message: str | None = None) -> None:
        super().__init__(message or f"card status {sw:04X}: {STATUS_WORDS.get(sw, 'unknown status word')}",
                         device=DEVICE)
        self.sw = sw


class WrongLength(StatusWordError):
    """67 00."""


class SecurityNotSatisfied(StatusWordError):
    """69 82."""


class ConditionsNotSatisfied(StatusWordError):
    """69 85: e.g. a key generated twice, or read before it exists."""


class WrongData(StatusWordError):
    """6A 80."""


class ApplicationNotFound(StatusWordError):
    """6A 82 on SELECT: this card has no technician application."""

    advice_zh = "这不是技术人员卡，请插入技术人员卡。"


class WrongParameters(StatusWordError):
    """6A 86 / 6B 00."""


class InstructionNotSupported(StatusWordError):
    """6D 00."""


class ClassNotSupported(StatusWordError):
    """6E 00."""


STATUS_WORDS: dict[int, str] = {
    0x6700: "wrong length", 0x6982: "security status not satisfied", 0x6985: "conditions of use not satisfied",
    0x6A80: "incorrect data", 0x6A82: "application or file not found", 0x6A86: "incorrect P1 P2",
    0x6B00: "wrong parameters", 0x6D00: "instruction not supported", 0x6E00: "class not supported",
    0x6F00: "no precise diagnosis",
}
_ERRORS: dict[int, type[StatusWordError]] = {
    0x6700: WrongLength, 0x6982: SecurityNotSatisfied, 0x6985: ConditionsNotSatisfied, 0x6A80: WrongData,
    0x6A82: ApplicationNotFound, 0x6A86: WrongParameters, 0x6B00: WrongParameters,
    0x6D00: InstructionNotSupported, 0x6E00: ClassNotSupported,
}


def check_status(raw: bytes) -> bytes:
    """The data of a response, or the typed error for its status word."""
    data, sw = split_response(raw)
    if sw == SW_OK:
        return data
    raise _ERRORS.get(sw, StatusWordError)(sw)
