"""`terminal diag idcard [--read]`: SAM ID and status, and one card read printed masked."""

from __future__ import annotations

from datetime import date
from typing import Any

from drivers.events import EventSink
from drivers.idcard import IdCardSettings, open_idcard
from terminal.diagnostics import CheckOptions, CheckResult, Status
from terminal.errors import DeviceMissing, DeviceTimeout, TerminalError
from terminal.identity import Identity
from terminal.idnumber import check_card_number
from terminal.privacy import NameMask

DEVICE = "idcard"


def card_summary(identity: Identity, name_mask: NameMask, today: date) -> dict[str, Any]:
    """What a technician may see of a card: masked, plus the checks the terminal makes on it."""
    check = check_card_number(identity.card_type, identity.id_number, identity.birth)
    return {
        "card_type": identity.card_type,
        "name_masked": identity.masked_name(name_mask),
        "sex": identity.sex,
        "nation": identity.nation,
        "birth": identity.birth.isoformat(),
        "id_masked": identity.masked_id(),
        "id_valid": check.valid,
        "id_problems": list(check.problems),
        "valid_to": identity.valid_to.isoformat() if identity.valid_to else "长期",
        "expired": identity.expired(today),
    }


def check(settings: IdCardSettings, options: CheckOptions, events: EventSink) -> CheckResult:
    address = settings.address
    details: dict[str, Any] = {"address": str(address)}
    try:
        with open_idcard(settings, events) as reader:
            details["sam_id"] = reader.sam_id()
            details["sam_status"] = reader.status()
            if not options.read:
                return CheckResult(DEVICE, "ok", f"身份证读卡器正常 (SAM {details['sam_id']} ok)", details)
            identity = reader.read_once(wait_seconds=settings.timeout)
    except DeviceMissing as e:
        return CheckResult(DEVICE, "absent", f"找不到身份证读卡器，请检查USB连线 (no ID-card reader at {address}: "
                                             f"{e.message})", details)
    except DeviceTimeout:
        return CheckResult(DEVICE, "fault", f"身份证读卡器没有应答，请检查读卡器电源、连线和端口 (no answer from an "
                                            f"ID-card reader at {address})", details)
    except TerminalError as e:
        return CheckResult(DEVICE, "fault", f"身份证读卡器出错: {e.for_people()}", details)
    if identity is None:
        return CheckResult(DEVICE, "warning", "读卡器正常，但没有放身份证 (reader ok, no card on it)", details)
    details.update(card_summary(identity, options.name_mask, date.today()))
    state: Status = "ok" if details["id_valid"] and not details["expired"] else "warning"
    problems = [text for text, bad in (("证件号码校验不通过 (ID number invalid)", not details["id_valid"]),
                                      ("证件已过期 (card expired)", details["expired"])) if bad]
    summary = "；".join(problems) if problems else "读卡成功 (card read)"
    return CheckResult(DEVICE, state, f"{summary}: {details['name_masked']} {details['id_masked']}", details)
