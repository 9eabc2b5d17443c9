"""The IPP codec: what we encode decodes to the same message; no input makes the parser fail other than in words."""

from __future__ import annotations

import struct

from hypothesis import HealthCheck, given, settings, strategies as st

from drivers.a4printer import ipp
from terminal.errors import ProtocolError

names = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)
strings = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)


@st.composite
def attributes(draw: st.DrawFn) -> ipp.Attribute:
    tag = draw(st.sampled_from([ipp.INTEGER, ipp.ENUM, ipp.BOOLEAN, ipp.KEYWORD, ipp.NAME, ipp.URI, ipp.TEXT]))
    values: st.SearchStrategy[ipp.Value]
    if tag in (ipp.INTEGER, ipp.ENUM):
        values = st.integers(-2**31, 2**31 - 1)
    elif tag == ipp.BOOLEAN:
        values = st.booleans()
    else:
        values = strings
    return ipp.Attribute(draw(names), tag, tuple(draw(st.lists(values, min_size=1, max_size=3))))


@settings(suppress_health_check=[HealthCheck.too_slow])  # the machine is shared; generation is what is slow
@given(st.integers(0, 0xFFFF), st.integers(0, 2**31 - 1),
       st.lists(st.tuples(st.sampled_from([ipp.OPERATION, ipp.JOB, ipp.PRINTER]),
                          st.lists(attributes(), max_size=3)), max_size=3), st.binary(max_size=32))
def test_encode_then_decode_gives_the_message_back(code: int, request_id: int,
                                                    groups: list[tuple[int, list[ipp.Attribute]]],
                                                    data: bytes) -> None:
    message = ipp.Message(code, request_id, tuple((tag, tuple(attrs)) for tag, attrs in groups), data=data)
    assert ipp.decode(ipp.encode(message)) == message


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_fail_as_a_protocol_error(data: bytes) -> None:
    try:
        ipp.decode(data)
    except ProtocolError:
        pass


@given(st.binary(max_size=200))
def test_a_valid_header_with_garbage_after_it_decodes_or_fails_in_words(tail: bytes) -> None:
    try:
        ipp.decode(struct.pack(">BBHI", 2, 0, 0, 7) + tail)
    except ProtocolError:
        pass


def test_collections_are_skipped_and_attributes_after_them_kept() -> None:
    raw = bytearray(struct.pack(">BBHI", 1, 1, 0, 1))
    raw.append(ipp.PRINTER)

    def attr(tag: int, name: bytes, value: bytes) -> bytes:
        return struct.pack(">BH", tag, len(name)) + name + struct.pack(">H", len(value)) + value

    raw += attr(ipp.BEGIN_COLLECTION, b"media-col-default", b"")
    raw += attr(ipp.MEMBER_NAME, b"", b"media-size") + attr(ipp.BEGIN_COLLECTION, b"", b"")
    raw += attr(ipp.MEMBER_NAME, b"", b"x-dimension") + attr(ipp.INTEGER, b"", struct.pack(">i", 21000))
    raw += attr(ipp.END_COLLECTION, b"", b"") + attr(ipp.END_COLLECTION, b"", b"")
    raw += attr(ipp.KEYWORD, b"printer-state-reasons", b"media-empty-error") + attr(ipp.KEYWORD, b"", b"toner-low-warning")
    raw.append(ipp.END)
    printer = ipp.decode(bytes(raw)).group(ipp.PRINTER)
    assert printer["printer-state-reasons"] == ("media-empty-error", "toner-low-warning")
    assert printer["media-col-default"] == (None,)


def test_a_print_job_request_carries_the_pdf_after_the_attributes() -> None:
    body = ipp.print_job(3, "ipp://localhost:631/printers/A4", b"%PDF-1.4 x", job_name="notice", user="kiosk", pages=2)
    message = ipp.decode(body)
    operation = message.group(ipp.OPERATION)
    assert message.code == ipp.PRINT_JOB and message.request_id == 3 and message.data == b"%PDF-1.4 x"
    assert operation["document-format"] == ("application/pdf",) and operation["job-impressions"] == (2,)
    assert list(operation)[:4] == ["attributes-charset", "attributes-natural-language", "printer-uri",
                                   "requesting-user-name"]
