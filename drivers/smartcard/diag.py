"""`terminal diag smartcard`: pcscd and the reader, the card in it, and whether it is an enrolled technician card."""

from __future__ import annotations

from typing import Any

from drivers.events import EventSink
from drivers.smartcard import NoCard, PcscUnavailable, SmartCardSettings, open_smartcard
from drivers.smartcard.codec import ApplicationNotFound
from drivers.smartcard.driver import list_readers
from drivers.smartcard.technician import TechnicianCard
from terminal.diagnostics import CheckOptions, CheckResult
from terminal.errors import DeviceMissing, TerminalError

DEVICE = "smartcard"


def check(settings: SmartCardSettings, options: CheckOptions, events: EventSink) -> CheckResult:
    address = settings.address
    details: dict[str, Any] = {"address": str(address)}
    try:
        if not address.is_simulated:
            details["readers"] = list_readers()
        channel = open_smartcard(settings)
    except PcscUnavailable as e:
        return CheckResult(DEVICE, "absent", f"智能卡服务pcscd没有运行 (pcscd not reachable: {e.message})", details)
    except NoCard:
        return CheckResult(DEVICE, "ok", "读卡器正常，没有插卡 (reader ok, no card inserted)", details)
    except DeviceMissing as e:
        return CheckResult(DEVICE, "absent", f"找不到智能卡读卡器 (reader missing: {e.message})", details)
    except TerminalError as e:
        return CheckResult(DEVICE, "fault", f"智能卡读卡器出错: {e.for_people()}", details)
    try:
        details["reader"] = channel.reader
        details["atr"] = channel.atr.hex(" ").upper()
        try:
            card_id = TechnicianCard(channel).card_id().hex()
        except ApplicationNotFound:
            return CheckResult(DEVICE, "ok", "读卡器正常，插入的不是技术人员卡 (reader ok, not a technician card)",
                               details)
        details["technician_card"] = card_id[:8] + "…"
        details["enrolled"] = card_id in options.enrolled_cards()
        word = "已登记" if details["enrolled"] else "未在本终端登记"
        return CheckResult(DEVICE, "ok", f"读卡器正常，技术人员卡{word} (technician card, "
                                         f"{'enrolled' if details['enrolled'] else 'not enrolled'})", details)
    except TerminalError as e:
        return CheckResult(DEVICE, "fault", f"读卡出错: {e.for_people()}", details)
    finally:
        channel.close()
