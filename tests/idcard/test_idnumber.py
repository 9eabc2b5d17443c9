"""GB 11643 ID number checks."""

from __future__ import annotations

from datetime import date

import pytest

from terminal.idnumber import check_digit, check_id_number, make_id_number


def test_standard_example_with_x_check_digit() -> None:
    assert check_digit("11010519491231002") == "X"
    assert check_id_number("11010519491231002X", date(1949, 12, 31)).valid


def test_valid_number_and_fabricated_numbers() -> None:
    assert check_id_number("419001199001010043", date(1990, 1, 1)).valid
    for sequence in range(30):
        assert check_id_number(make_id_number("419001", date(2000, 2, 29), sequence)).valid


@pytest.mark.parametrize(("number", "birth", "problem"), [
    ("419001199001010044", date(1990, 1, 1), "check_digit"),
    ("11010519491231002x", None, "format"),
    ("41900119900101004", None, "format"),
    ("419001199001010043", date(1990, 1, 2), "birth_mismatch"),
    ("991001199001010043", None, "region"),
    ("410000199001010043", None, "region"),
    ("419001199002300043", None, "birth_date"),
])
def test_problems_are_named(number: str, birth: date | None, problem: str) -> None:
    result = check_id_number(number, birth)
    assert not result.valid and problem in result.problems


def test_hk_macao_taiwan_permit_prefixes_are_regions() -> None:
    for region in ("810000", "820000", "830000"):
        assert check_id_number(make_id_number(region, date(1988, 8, 8), 21)).valid


def test_card_number_check_by_card_type() -> None:
    from terminal.idnumber import check_card_number
    assert check_card_number("foreigner", "USA110085061501").valid
    assert not check_card_number("foreigner", "US1110085061501").valid
    assert check_card_number("resident", "11010519491231002X", date(1949, 12, 31)).valid
    assert not check_card_number("hmt", "11010519491231002X", date(1949, 12, 30)).valid
