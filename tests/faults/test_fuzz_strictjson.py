"""Hypothesis against the strict JSON parser and the receipt rule: only their own refusals, never a crash."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings, strategies as st

from terminal.strictjson import (
    RECEIPT_MAX_CHARS,
    RECEIPT_PATTERN,
    JsonRefused,
    ReceiptInvalid,
    check_receipt,
    loads,
    nesting_depth,
)

values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10 ** 19), 10 ** 19) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@settings(max_examples=300)
@given(values)
def test_valid_json_round_trips_and_its_depth_is_counted(value: Any) -> None:
    data = json.dumps(value).encode("utf-8")
    assert nesting_depth(data) == depth(value)
    assert loads(data, max_bytes=len(data), max_depth=depth(value)) == value


@settings(max_examples=500)
@given(st.binary(max_size=300)
       | st.text(alphabet='[]{}":,0123456789.eE-+tfnulrsaIiNy \\', max_size=300).map(str.encode))
def test_any_bytes_parse_or_are_refused(data: bytes) -> None:
    try:
        loads(data, max_bytes=10_000, max_depth=8)
    except JsonRefused:
        pass


@settings(max_examples=500)
@given(st.text(max_size=RECEIPT_MAX_CHARS + 20) | st.integers() | st.none())
def test_a_receipt_is_kept_whole_or_refused(value: object) -> None:
    try:
        kept = check_receipt(value)
    except ReceiptInvalid:
        assert not (isinstance(value, str) and re.fullmatch(RECEIPT_PATTERN.strip("^$"), value)
                    and not any("\ud800" <= c <= "\udfff" for c in value))
        return
    assert kept == value and isinstance(kept, str) and 1 <= len(kept) <= RECEIPT_MAX_CHARS
    assert re.fullmatch(RECEIPT_PATTERN.strip("^$"), kept)
