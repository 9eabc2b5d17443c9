"""The department's decisions on a case (受理, 补正, 退件, 办结) and the sentence a citizen reads for each.

The console sets them; the terminal's progress query (`GET /v1/progress/{case_no}`) answers with
them, `status` as the English code and `status_zh` shown to the citizen as is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseState:
    code: str
    label: str          # what operators see
    needs_reason: bool  # 补正 and 退件 must tell the citizen why
    sentence: str       # what the citizen reads; {reason} is filled in


STATES = (
    CaseState("accepted", "受理", False, "已受理，正在办理"),
    CaseState("correction", "补正", True, "需要补正材料：{reason}"),
    CaseState("returned", "退件", True, "已退件：{reason}"),
    CaseState("done", "办结", False, "已办结，请按回执约定方式领取结果"),
)
BY_CODE = {state.code: state for state in STATES}


def progress_sentence(code: str, reason: str) -> str:
    state = BY_CODE.get(code)
    return state.sentence.format(reason=reason) if state else "平台已收件，等待部门受理"
