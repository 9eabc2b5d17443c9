"""Item-specific form fields (the catalog's `fields` of a guide) and their validation.

A guide may ask more than the card tells: 变更姓名 asks the new name, a subsidy the bank account.
Each field is text, date, choice or number, with the limits the catalog gives; `check` answers
with a plain Chinese sentence saying what to change, or "" when the value is fine. The session
calls it (terminal/session.py), the form screen only shows the sentence. Values are always text:
numbers as digits, dates as YYYY-MM-DD, so the case's form stays a mapping of strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

FieldKind = Literal["text", "date", "choice", "number"]
DELIVERY_LABELS: Mapping[str, str] = {"window": "窗口领取", "post": "邮寄"}
ADDRESS_MAX = 60  # characters of a delivery address


@dataclass(frozen=True)
class FieldSpec:
    """One field of an item's form, as the catalog describes it (docs/catalog.md)."""

    key: str
    label: str
    kind: FieldKind
    hint: str = ""
    required: bool = True
    personal: bool = False  # a name or number of a person: masked wherever it is shown
    min_length: int | None = None
    max_length: int | None = None
    pattern: str = ""
    pattern_hint: str = ""
    min: float | str | None = None
    max: float | str | None = None
    choices: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldSpec:
        return cls(**{**data, "choices": tuple(data.get("choices", ()))})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "kind": self.kind, "hint": self.hint,
                               "required": self.required, "personal": self.personal, "pattern_hint": self.pattern_hint}
        for name in ("min_length", "max_length", "min", "max"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.pattern:
            out["pattern"] = self.pattern
        if self.choices:
            out["choices"] = list(self.choices)
        return out


def _day(bound: float | str | None, today: date) -> date | None:
    if bound is None:
        return None
    return today if bound == "today" else date.fromisoformat(str(bound))


def _check_date(spec: FieldSpec, value: str, today: date) -> str:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return f"{spec.label}不是有效的日期"
    earliest, latest = _day(spec.min, today), _day(spec.max, today)
    if earliest is not None and day < earliest:
        return f"{spec.label}不能早于{earliest:%Y年%m月%d日}"
    if latest is not None and day > latest:
        return f"{spec.label}不能晚于{latest:%Y年%m月%d日}"
    return ""


def _check_number(spec: FieldSpec, value: str) -> str:
    if not value.isdigit():
        return f"{spec.label}只能填数字"
    if spec.min is not None and int(value) < float(spec.min):
        return f"{spec.label}不能小于{spec.min}"
    if spec.max is not None and int(value) > float(spec.max):
        return f"{spec.label}不能大于{spec.max}"
    return ""


def _check_text(spec: FieldSpec, value: str) -> str:
    if spec.min_length is not None and len(value) < spec.min_length:
        return f"{spec.label}至少要{spec.min_length}个字"
    return ""


def check(spec: FieldSpec, value: str, today: date) -> str:
    """"" when `value` is acceptable for `spec`, else what to change, in one Chinese sentence."""
    if not value:
        return f"请填写{spec.label}" if spec.required else ""
    if spec.max_length is not None and len(value) > spec.max_length:
        return f"{spec.label}最多{spec.max_length}个字"
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        return spec.pattern_hint or f"{spec.label}的格式不对，请按提示填写"
    if spec.kind == "choice":
        return "" if value in spec.choices else f"请从列出的选项中选择{spec.label}"
    if spec.kind == "date":
        return _check_date(spec, value, today)
    if spec.kind == "number":
        return _check_number(spec, value)
    return _check_text(spec, value)


def check_address(address: str) -> str:
    """A delivery address: long enough to find a door, short enough for a label."""
    if not address:
        return "选择邮寄时，请填写收件地址"
    if len(address) < 6:
        return "收件地址太短，请写到街道（村）和门牌号"
    if len(address) > ADDRESS_MAX:
        return f"收件地址最多{ADDRESS_MAX}个字"
    return ""
