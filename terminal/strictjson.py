"""Strict JSON for bytes that come from outside (platform answers, pull API bodies), and the receipt rule.

The standard `json` module accepts `NaN` and `Infinity`, turns `1e400` into infinity (then
`int()` raises OverflowError), and recurses once per nested bracket (200,000 of them raise
RecursionError). `loads` checks size and nesting depth on the raw bytes first, then parses with
finite numbers only, integers of bounded length and no duplicate keys, and raises one error type,
`JsonRefused`, for all of it. A platform receipt enters the outbox through `check_receipt` from
both directions (push answers and pull acknowledgements), so both refuse the same receipts.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from terminal.errors import TerminalError

MAX_INT_DIGITS = 20        # every integer of the protocol fits in a signed 64-bit number
RECEIPT_MAX_CHARS = 200
# Not in a receipt: C0 and C1 controls, DEL, zero-width and direction marks, line and paragraph
# separators, invisible operators and the BOM (they would reach logs, screens and receipts raw).
RECEIPT_FORBIDDEN = "\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
RECEIPT_PATTERN = f"^[^{RECEIPT_FORBIDDEN}]{{1,{RECEIPT_MAX_CHARS}}}$"  # as published in docs/openapi.json
_RECEIPT = re.compile(f"[^{RECEIPT_FORBIDDEN}\ud800-\udfff]{{1,{RECEIPT_MAX_CHARS}}}")  # and no lone surrogate

# A string, its closing quote optional: one pass, no backtracking, even on unterminated strings.
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class JsonRefused(TerminalError):
    """Bytes from outside are not strict JSON within the limits (size, depth, finite numbers)."""

    advice_zh = "收到的数据格式不正确，已拒收，终端继续正常工作。"


class ReceiptInvalid(TerminalError):
    """A platform receipt is empty, too long, not text or holds control characters."""

    advice_zh = "政务服务平台返回的回执编号不正确，申请仍保存在终端，稍后会再次提交。"


def nesting_depth(data: bytes) -> int:
    """The deepest bracket nesting of JSON text, counted without parsing (brackets inside strings skipped)."""
    brackets = _STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _refuse_constant(name: str) -> Any:
    raise JsonRefused(f"JSON holds the non-finite number {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonRefused("JSON holds a number too large for a float")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JsonRefused(f"JSON holds an integer of more than {MAX_INT_DIGITS} digits")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise JsonRefused("JSON object has a duplicate key")
    return result


def loads(data: bytes, *, max_bytes: int, max_depth: int) -> Any:
    """Parse UTF-8 JSON bytes under the limits; JsonRefused for anything else (never another exception)."""
    if len(data) > max_bytes:
        raise JsonRefused(f"JSON of {len(data)} bytes is larger than the limit of {max_bytes}")
    depth = nesting_depth(data)
    if depth > max_depth:
        raise JsonRefused(f"JSON nests {depth} levels deep, more than the limit of {max_depth}")
    try:
        text = data.decode("utf-8")
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float,
                          parse_int=_bounded_int, object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # RecursionError cannot happen under max_depth
        raise JsonRefused(f"not valid JSON: {type(error).__name__}") from None


def check_receipt(value: object) -> str:
    """The receipt itself if it is 1-200 printable characters (RECEIPT_PATTERN); ReceiptInvalid otherwise.

    A receipt is never shortened or cleaned: the platform's exact words are kept, or refused.
    """
    if not isinstance(value, str):
        raise ReceiptInvalid(f"receipt is a {type(value).__name__}, not text")
    if not 1 <= len(value) <= RECEIPT_MAX_CHARS:
        raise ReceiptInvalid(f"receipt has {len(value)} characters, not 1 to {RECEIPT_MAX_CHARS}")
    if not _RECEIPT.fullmatch(value):
        raise ReceiptInvalid("receipt holds control or other unprintable characters")
    return value
