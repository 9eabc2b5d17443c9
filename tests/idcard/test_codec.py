"""The GA/T 467 codec: frames, status codes, read payloads and the three text layouts."""

from __future__ import annotations

from datetime import date

import pytest

from drivers.idcard import codec
from drivers.idcard.codec import (
    Answer,
    CardPayload,
    Command,
    FrameDecoder,
    Status,
    check_answer,
    decode_identity,
    encode_answer,
    encode_command,
    encode_read_data,
    encode_text,
    split_read_data,
)
from drivers.idcard.simulator import TEST_CARDS
from terminal.errors import DeviceFault, ProtocolError


def test_find_card_frame_matches_the_protocol_example() -> None:
    assert encode_command(Command.FIND_CARD) == bytes.fromhex("AAAAAA9669000320 0122".replace(" ", ""))


def test_every_command_encodes_with_its_code_and_checksum() -> None:
    for command in Command:
        frame = encode_command(command)
        assert frame[7:9] == bytes(command.value)
        assert frame[-1] == codec.checksum(frame[5:-1])


def test_every_listed_status_code_has_a_name_and_text() -> None:
    for code in (0x90, 0x9F, 0x10, 0x11, 0x21, 0x31, 0x32, 0x33, 0x40, 0x41, 0x60, 0x80, 0x81):
        assert Status(code).name
        assert "(" in codec.status_text(code) and not codec.status_text(code).startswith("未知状态")
    assert "0x77" in codec.status_text(0x77)


@pytest.mark.parametrize(("status", "error"), [
    (0x10, codec.CommandRejected), (0x11, codec.CommandRejected), (0x21, codec.CommandRejected),
    (0x31, codec.CardReadError), (0x32, codec.CardReadError), (0x33, codec.CardReadError),
    (0x40, codec.CardReadError), (0x41, codec.CardReadError), (0x80, codec.CardReadError),
    (0x81, codec.CardReadError), (0x60, codec.SamFault), (0x77, codec.SamStatusError),
])
def test_bad_statuses_raise_typed_errors(status: int, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        check_answer(Answer(0, 0, status, b""), Status.OK)
    assert isinstance(raised.value, (ProtocolError, DeviceFault))
    assert raised.value.advice_zh  # a sentence for the person at the terminal


def test_decoder_skips_garbage_and_keeps_split_frames() -> None:
    decoder = FrameDecoder()
    frame = encode_answer(Status.OK, b"\x01\x02")
    decoder.feed(b"\x00\x13garbage" + frame[:4])
    assert list(decoder.frames()) == []
    decoder.feed(frame[4:] + frame)
    assert [Answer.from_body(b).data for b in decoder.frames()] == [b"\x01\x02", b"\x01\x02"]


def test_decoder_reports_bad_checksum_then_resyncs() -> None:
    decoder = FrameDecoder()
    good = encode_answer(Status.CARD_FOUND, bytes(4))
    decoder.feed(good[:-1] + b"\x00" + good)
    with pytest.raises(codec.ChecksumError):
        list(decoder.frames())
    assert [Answer.from_body(b).status for b in decoder.frames()] == [Status.CARD_FOUND]


def test_decoder_gives_up_a_frame_whose_length_lies_once_a_good_frame_follows() -> None:
    decoder = FrameDecoder()
    bad = bytearray(encode_answer(Status.OK, b"abc"))
    bad[5:7] = (3000).to_bytes(2, "big")
    decoder.feed(bytes(bad) + encode_answer(Status.OK, b"xyz"))
    with pytest.raises(codec.FrameLengthError):
        list(decoder.frames())
    assert [Answer.from_body(b).data for b in decoder.frames()] == [b"xyz"]


def test_decoder_buffer_stays_bounded() -> None:
    decoder = FrameDecoder()
    for _ in range(100):
        decoder.feed(b"\x01" * 1000)
        list(decoder.frames())
    decoder.feed(b"\xaa" * 50_000)
    assert len(decoder._buffer) <= codec.MAX_BUFFER


def test_read_payload_round_trip_and_length_checks() -> None:
    payload = CardPayload(bytes(256), bytes(range(256)) * 4, b"\x07" * 1024)
    for fingerprint in (False, True):
        data = encode_read_data(payload, with_fingerprint=fingerprint)
        split = split_read_data(data, with_fingerprint=fingerprint)
        assert split.text == payload.text and split.photo == payload.photo
        assert split.fingerprint == (payload.fingerprint if fingerprint else b"")
    with pytest.raises(codec.FrameLengthError):
        split_read_data(encode_read_data(payload)[:-10])
    with pytest.raises(codec.FrameLengthError):
        split_read_data(b"\x01")


def test_resident_card_decodes() -> None:
    card = TEST_CARDS["resident"]
    identity = decode_identity(card.payload().text, b"photo")
    assert identity.card_type == "resident"
    assert (identity.name, identity.sex, identity.nation) == ("测试样例", "女", "汉族")
    assert identity.birth == date(1990, 1, 1)
    assert identity.id_number == "419001199001010043"
    assert identity.address.startswith("河南省济源市")
    assert (identity.valid_from, identity.valid_to) == (date(2020, 1, 1), date(2040, 1, 1))
    assert identity.photo == b"photo"
    assert "419001199001010043" not in repr(identity) and "测试样例" not in repr(identity)


def test_long_term_validity_and_nation_codes() -> None:
    identity = decode_identity(TEST_CARDS["long_term"].payload().text)
    assert identity.valid_to is None and not identity.expired(date(2099, 1, 1))
    assert identity.nation == "回族"
    fields = dict(TEST_CARDS["resident"].fields)
    for code, name in (("56", "基诺族"), ("97", "其他"), ("98", "外国血统中国籍人士"), ("08", "壮族")):
        fields["nation"] = code
        assert decode_identity(encode_text(fields, "resident")).nation == name
    assert len(codec.NATIONS) == 58


def test_hmt_residence_permit_decodes() -> None:
    text = TEST_CARDS["hmt"].payload().text
    assert text[248:250].decode("utf-16-le") == "J"
    identity = decode_identity(text)
    assert identity.card_type == "hmt"
    assert identity.id_number.startswith("810000") and identity.pass_number == "H12345678"
    assert identity.issue_count == 1 and identity.nation == ""
    assert identity.valid_to == date(2029, 1, 1)


def test_foreigner_permanent_residence_card_decodes() -> None:
    text = TEST_CARDS["foreigner"].payload().text
    assert text[248:250].decode("utf-16-le") == "I"
    identity = decode_identity(text)
    assert identity.card_type == "foreigner"
    assert (identity.name_en, identity.name, identity.nationality) == ("TEST, SAMPLE", "测试外籍", "USA")
    assert identity.id_number == "USA110085061501" and identity.birth == date(1985, 6, 15)
    assert identity.authority == "1100" and identity.sex == "女"


def test_unknown_card_type_and_bad_fields_are_typed_errors() -> None:
    text = bytearray(TEST_CARDS["resident"].payload().text)
    text[248:250] = "Y".encode("utf-16-le")
    with pytest.raises(codec.UnsupportedCard):
        decode_identity(bytes(text))
    fields = dict(TEST_CARDS["resident"].fields, birth="19901301")
    with pytest.raises(codec.IdCardProtocolError):
        decode_identity(encode_text(fields, "resident"))
    with pytest.raises(codec.FrameLengthError):
        decode_identity(bytes(100))
    with pytest.raises(codec.IdCardProtocolError):  # a lone surrogate is not UCS-2 text
        decode_identity(b"\x00\xd8" + TEST_CARDS["resident"].payload().text[2:])
