"""The states a case goes through after submit, and which moves between them are allowed.

The terminal only ever *receives* a case (已收件): whether it is accepted (受理), sent back for
correction (待补正), refused (不予受理/退件), worked on, finished and delivered is the department's
decision, made on the platform and reported through progress. One table here is the contract for
both sides: the platform's console refuses a move not in `TRANSITIONS`, the terminal's progress
screen and receipts read the same codes (docs/catalog.md, docs/sync-protocol.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from types import MappingProxyType

from terminal.errors import TerminalError


class CaseState(str, Enum):
    """The wire code of each state; `label` is what citizens and staff read."""

    RECEIVED = "received"        # 已收件: on the platform, nobody has looked at it yet
    ACCEPTED = "accepted"        # 已受理: the promised time limit runs from this day
    CORRECTION = "correction"    # 待补正: materials missing or wrong; 补交材料 at the terminal or a window
    RETURNED = "returned"        # 不予受理/退件: refused, with written reasons
    PROCESSING = "processing"    # 办理中
    DONE = "done"                # 已办结
    DELIVERED = "delivered"      # 已送达: the result reached the citizen

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def needs_reason(self) -> bool:
        """待补正 and 退件 must tell the citizen why, in writing."""
        return self in (CaseState.CORRECTION, CaseState.RETURNED)

    @property
    def final(self) -> bool:
        return not TRANSITIONS[self]


LABELS: Mapping[CaseState, str] = MappingProxyType({
    CaseState.RECEIVED: "已收件", CaseState.ACCEPTED: "已受理", CaseState.CORRECTION: "待补正",
    CaseState.RETURNED: "不予受理/退件", CaseState.PROCESSING: "办理中", CaseState.DONE: "已办结",
    CaseState.DELIVERED: "已送达",
})

C = CaseState
TRANSITIONS: Mapping[CaseState, frozenset[CaseState]] = MappingProxyType({
    C.RECEIVED: frozenset({C.ACCEPTED, C.CORRECTION, C.RETURNED}),
    C.CORRECTION: frozenset({C.ACCEPTED, C.RETURNED, C.CORRECTION}),  # a second notice after a poor supplement
    C.ACCEPTED: frozenset({C.PROCESSING, C.DONE}),
    C.PROCESSING: frozenset({C.DONE}),
    C.DONE: frozenset({C.DELIVERED}),
    C.RETURNED: frozenset(),
    C.DELIVERED: frozenset(),
})
# States in which the citizen may still hand in missing materials (补交材料).
OPEN_FOR_SUPPLEMENT: frozenset[CaseState] = frozenset({C.RECEIVED, C.CORRECTION})
# States whose written notice the terminal prints from progress: 受理通知书 once accepted, 退件告知书.
ACCEPTED_SINCE: frozenset[CaseState] = frozenset({C.ACCEPTED, C.PROCESSING, C.DONE, C.DELIVERED})


class MoveRefused(TerminalError):
    """A move the table does not allow (staff clicked 办结 on a case never accepted)."""

    def __init__(self, current: CaseState, target: CaseState) -> None:
        super().__init__(f"case state {current.value} cannot become {target.value}",
                         advice_zh=f"不能从“{current.label}”改为“{target.label}”")
        self.current, self.target = current, target


def check_move(current: CaseState, target: CaseState) -> None:
    if target not in TRANSITIONS[current]:
        raise MoveRefused(current, target)


def sentence(state: CaseState, reason: str = "") -> str:
    """What the citizen reads on the progress screen for each state."""
    return {
        C.RECEIVED: "平台已收件，等待部门受理",
        C.ACCEPTED: "部门已受理，正在办理",
        C.CORRECTION: f"需要补正材料：{reason}",
        C.RETURNED: f"不予受理（退件）：{reason}",
        C.PROCESSING: "部门正在办理",
        C.DONE: "已办结，请按约定方式领取结果",
        C.DELIVERED: "办理结果已送达",
    }[state]


@dataclass(frozen=True)
class Decision:
    """A department's decision as progress reports it: what the 受理通知书 or 退件告知书 prints.
    No personal data: the platform answers a case number, not a person."""

    case_no: str
    state: CaseState
    item_name: str
    department: str
    decided_at: datetime
    promised_date: date | None = None  # 受理: promised working days counted from the day of 受理
    promised_days: int | None = None
    reasons: str = ""                    # 待补正 / 退件: why, in writing
    platform_ref: str = ""               # the platform's own reference for the case
    accepted_at: datetime | None = None  # 受理, kept when later decisions (办结 ...) follow
