"""Masking of personal data for screens, receipts and logs (PIPL, GB/T 35273)."""

from __future__ import annotations

from typing import Literal

NameMask = Literal["alternate", "first"]


def mask_id_number(id_number: str) -> str:
    """`419001199001010043` -> `4190**********0043`: first four and last four stay."""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: str, style: NameMask = "alternate") -> str:
    """`测试样例` -> `测*样*` (alternate) or `测***` (first); a two-character name -> `测*`."""
    if not name:
        return ""
    if style == "first" or len(name) <= 2:
        return name[0] + "*" * (len(name) - 1)
    return "".join(ch if i % 2 == 0 else "*" for i, ch in enumerate(name))


def mask_phone(phone: str) -> str:
    """`13800138000` -> `138****8000`."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_address(address: str) -> str:
    """Keep the first six characters (province, city) and hide the rest."""
    return address[:6] + "*" * min(6, max(0, len(address) - 6))


def mask_form_value(key: str, value: str, name_style: NameMask = "alternate") -> str:
    """A form field as a screen shows it: card fields and the phone masked, anything else as is."""
    masks = {"name": lambda v: mask_name(v, name_style), "id_number": mask_id_number,
             "address": mask_address, "phone": mask_phone}
    return masks[key](value) if key in masks and value else value
