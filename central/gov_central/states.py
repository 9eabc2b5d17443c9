"""The department's decisions on a case as the console offers them (受理, 补正, 退件, 办理中, 办结, 送达).

The states themselves, the allowed moves and the sentence a citizen reads are the shared contract
in terminal/casestates.py; here is only what an operator clicks. The terminal's progress query
(`GET /v1/progress/{case_no}`) answers with them, `status`/`state` as the code and `status_zh` shown
to the citizen as is.
"""

from __future__ import annotations

from dataclasses import dataclass

from terminal.casestates import CaseState, sentence


@dataclass(frozen=True)
class ConsoleState:
    code: str
    label: str          # what operators click
    needs_reason: bool  # 补正 and 退件 must tell the citizen why
    state: CaseState


ACTIONS = {CaseState.ACCEPTED: "受理", CaseState.CORRECTION: "补正", CaseState.RETURNED: "退件",
           CaseState.PROCESSING: "办理中", CaseState.DONE: "办结", CaseState.DELIVERED: "送达"}
STATES = tuple(ConsoleState(state.value, label, state.needs_reason, state) for state, label in ACTIONS.items())
BY_CODE = {state.code: state for state in STATES}


def progress_sentence(code: str, reason: str) -> str:
    try:
        return sentence(CaseState(code), reason)
    except ValueError:  # a code from before the state machine: say only what is sure
        return sentence(CaseState.RECEIVED)
