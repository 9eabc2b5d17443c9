"""ESC/POS codec: status parsing never invents paper, commands parse back through the simulator."""

from __future__ import annotations

import pytest
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from hypothesis import given, strategies as st
from PIL import Image, ImageDraw

from drivers.printer import codec
from drivers.printer.simulator import EscPosInterpreter

answers = st.dictionaries(st.sampled_from([1, 2, 3, 4]), st.one_of(st.none(), st.integers(0, 255)))


@given(answers)
def test_paper_is_only_known_from_a_valid_paper_sensor_byte(raw: dict[int, int | None]) -> None:
    status = codec.parse_status(raw)
    if not codec.valid_status_byte(raw.get(4)):
        assert status.paper == "unknown" and not status.ready
    if not codec.valid_status_byte(raw.get(1)):
        assert status.online is None and not status.ready
    if status.ready:
        assert all(codec.valid_status_byte(raw.get(n)) for n in (1, 2, 4))


@given(st.integers(0, 255))
def test_a_byte_breaking_the_fixed_bits_is_never_trusted(value: int) -> None:
    valid = value & 0b1001_0011 == 0b0001_0010
    status = codec.parse_status({1: value, 2: value, 4: value})
    assert status.known == valid


@given(offline=st.booleans(), cover_open=st.booleans(), error=st.booleans(),
       paper=st.sampled_from(["ok", "near_end", "out"]))
def test_status_bytes_round_trip(offline: bool, cover_open: bool, error: bool, paper: codec.Paper) -> None:
    raw = {n: codec.status_byte(n, offline=offline, cover_open=cover_open, paper=paper, error=error)
           for n in codec.STATUS_QUERIES}
    status = codec.parse_status(raw)
    assert (status.online, status.cover_open, status.paper, status.error) == (not offline, cover_open, paper, error)


def test_no_answer_at_all_is_unknown_not_paper_ok() -> None:
    status = codec.parse_status({1: None})
    assert status == codec.PrinterStatus(raw={1: None}) and status.paper == "unknown"
    assert "no_status" in status.problems()


def test_status_query_refuses_other_numbers() -> None:
    with pytest.raises(ValueError):
        codec.status_query(5)


def test_qr_command_matches_python_escpos_native_qr() -> None:
    dummy = Dummy()
    dummy.qr("https://example.gov.cn/p?case=T0001-1", native=True, size=6, ec=QR_ECLEVEL_M)
    assert codec.qr("https://example.gov.cn/p?case=T0001-1", 6) in dummy.output


def _interpreter() -> EscPosInterpreter:
    return EscPosInterpreter(384, lambda n: bytes([codec.status_byte(n)]), lambda: True)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_any_text_comes_back_byte_exact_in_gb18030(text: str) -> None:
    printer = _interpreter()
    encoded = codec.text_gb18030(text)
    printer.feed(codec.INIT + codec.CHINESE_ON + encoded + codec.LF)
    assert printer.paper.lines[0].raw == encoded
    assert printer.paper.lines[0].text == encoded.decode("gb18030")


@given(st.binary(max_size=200))
def test_interpreter_survives_any_byte_stream(data: bytes) -> None:
    printer = _interpreter()
    printer.feed(data)
    printer.feed(codec.INIT + codec.CHINESE_ON + "完".encode("gb18030") + codec.LF)  # still prints afterwards


def test_interpreter_answers_status_in_the_middle_of_split_commands() -> None:
    printer = _interpreter()
    stream = codec.INIT + codec.status_query(4) + codec.qr("hello") + codec.status_query(1) + codec.cut()
    answers = b"".join(printer.feed(stream[i:i + 1]) for i in range(len(stream)))
    assert answers == bytes([codec.status_byte(4), codec.status_byte(1)])
    assert printer.paper.qr_codes == ["hello"] and printer.paper.cuts == 1


def test_raster_round_trips_through_the_interpreter() -> None:
    picture = Image.new("L", (100, 300), 255)
    ImageDraw.Draw(picture).rectangle((10, 10, 50, 290), fill=0)
    printer = _interpreter()
    printer.feed(codec.raster(picture, band_rows=128))
    assert len(printer.paper.images) == 3  # 128 + 128 + 44 rows
    stacked = Image.new("L", (104, 300), 255)
    y = 0
    for band in printer.paper.images:
        stacked.paste(band, (0, y))
        y += band.height
    assert stacked.crop((0, 0, 100, 300)).tobytes() == picture.point(lambda v: 0 if v < 128 else 255).tobytes()
