"""APDU encoding and status words."""

from __future__ import annotations

import pytest

from drivers.smartcard import codec
from drivers.smartcard.codec import Apdu, check_status


def test_apdu_cases_round_trip() -> None:
    for apdu in (Apdu(0x00, 0xA4, 4, 0, codec.TECHNICIAN_AID), Apdu(0x80, 0xCA, le=16), Apdu(0x80, 0x47, 0x81, le=256),
                 Apdu(0x80, 0x88, data=bytes(32), le=256), Apdu(0x00, 0x20)):
        assert Apdu.decode(apdu.encode()) == apdu
    assert Apdu(0x80, 0xCA, le=16).encode() == bytes.fromhex("80CA000010")
    with pytest.raises(codec.WrongLength):
        Apdu.decode(bytes.fromhex("80CA0000053132"))


@pytest.mark.parametrize(("sw", "error"), [
    (0x6700, codec.WrongLength), (0x6982, codec.SecurityNotSatisfied), (0x6985, codec.ConditionsNotSatisfied),
    (0x6A80, codec.WrongData), (0x6A82, codec.ApplicationNotFound), (0x6A86, codec.WrongParameters),
    (0x6D00, codec.InstructionNotSupported), (0x6E00, codec.ClassNotSupported), (0x6F00, codec.StatusWordError),
    (0x6281, codec.StatusWordError),
])
def test_status_words_become_typed_errors(sw: int, error: type[codec.StatusWordError]) -> None:
    with pytest.raises(error) as raised:
        check_status(b"\x01" + sw.to_bytes(2, "big"))
    assert raised.value.sw == sw and raised.value.advice_zh
    assert check_status(b"\x01\x02\x90\x00") == b"\x01\x02"
    with pytest.raises(codec.StatusWordError):
        check_status(b"\x90")
