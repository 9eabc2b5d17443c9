"""What a citizen hands in: the case frozen at submit, and the records that follow it.

These are plain values shared by the session, the receipts and the outbox. A case is
immutable once built; the outbox stores it and delivers it by `case_no` (its idempotency key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from terminal.identity import Identity


class CaseKind(str, Enum):
    """Case kinds from the seed rules; the value is what people read."""

    IMMEDIATE = "即办件"     # done on the spot
    PROMISED = "承诺件"      # done within a promised number of working days
    JOINT = "联办件"         # several departments
    ESCALATED = "上报件"     # sent up to a higher level
    REJECTED = "退办件"      # refused, with written reasons


class Rating(int, Enum):
    """The five 好差评 levels; the value is the keypad key (1 = best)."""

    VERY_SATISFIED = 1
    SATISFIED = 2
    BASICALLY_SATISFIED = 3
    DISSATISFIED = 4
    VERY_DISSATISFIED = 5

    @property
    def label(self) -> str:
        return ("非常满意", "满意", "基本满意", "不满意", "非常不满意")[self.value - 1]

    @property
    def is_bad(self) -> bool:
        """Bad ratings need reasons and are followed up."""
        return self.value >= 4


@dataclass(frozen=True)
class Page:
    """One scanned page: a finished JPEG."""

    jpeg: bytes = field(repr=False)
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()


@dataclass(frozen=True)
class Material:
    """One required material and the pages scanned for it."""

    material_id: str
    name: str
    pages: tuple[Page, ...] = ()
    from_card: bool = False  # the ID card itself, verified by the card read: no pages, never missing


@dataclass(frozen=True)
class Case:
    """A submitted application. Personal data lives in `applicant`, `phone` and the pages."""

    case_no: str
    terminal_id: str
    region: str
    item_id: str
    item_name: str
    department: str
    kind: CaseKind
    submitted_at: datetime
    promised_date: date | None
    applicant: Identity
    phone: str = field(repr=False)
    form: Mapping[str, str] = field(default_factory=dict, repr=False)
    materials: tuple[Material, ...] = ()
    missing: tuple[str, ...] = ()  # names of required materials not handed in
    signature_png: bytes = field(default=b"", repr=False)
    assisted_by: str = ""  # 帮办代办: staff code when an assistant helped
    promised_days: int | None = None  # the guide's 承诺时限, counted by the platform from the day of 受理
    agent: Identity | None = None  # 代办人 who applied on the applicant's behalf (with a 委托书), else None
    consent_version: str = ""  # version of the consent notice agreed to (consent.notice_version)
    declaration_version: str = ""  # version of the 本人承诺 signed under (consent.declaration_version)
    delivery: str = "window"  # how the result reaches the applicant: window (窗口领取) or post (邮寄)
    delivery_address: str = field(default="", repr=False)  # the postal address when delivery is post


@dataclass(frozen=True)
class Supplement:
    """补交材料: pages handed in later for a case already submitted, linked to it by `case_no`.

    Its own number (`supplement_no`, from the same counter as cases) is its record id, reserved at
    the first attempt, so a retried or duplicated send is the same record (the outbox's idempotency).
    """

    supplement_no: str
    case_no: str
    terminal_id: str
    item_id: str
    item_name: str
    materials: tuple[Material, ...]
    submitted_at: datetime


@dataclass(frozen=True)
class RatingRecord:
    """A 好差评 rating of one case; the rater's identity is not part of it."""

    case_no: str
    terminal_id: str
    rating: Rating
    reasons: tuple[str, ...] = ()
    comment: str = ""
    rated_at: datetime = field(default_factory=datetime.now)
    item_id: str = ""  # empty when the rating is of a typed case number the terminal no longer knows
    item_name: str = ""
    channel: str = "现场"


@dataclass(frozen=True)
class Complaint:
    """有诉即办: a complaint or suggestion, with an optional phone for the reply."""

    complaint_no: str
    terminal_id: str
    category: str
    text: str
    phone: str = field(default="", repr=False)
    created_at: datetime = field(default_factory=datetime.now)


@dataclass(frozen=True)
class CallbackRequest:
    """预约 / 请工作人员联系我: a phone and a preferred time, so that staff call back when the center is
    open (an item without a guide here, or 帮办代办 at night). The session behind it is wiped at idle:
    this record is all staff get, so it carries what they need to call and nothing more."""

    request_no: str
    terminal_id: str
    phone: str = field(repr=False)
    preferred: str               # when the person would like the call (上午, 下午, 任何时间 ...)
    reason: str                  # why: "no_guide" (an item not applied for here) or "help" (帮办代办)
    item_id: str = ""            # the item asked about ("" when none was chosen)
    item_name: str = ""
    department: str = ""
    created_at: datetime = field(default_factory=datetime.now)
