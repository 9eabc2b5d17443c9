"""`terminal diag printer [--device ADDRESS] [--test-page] [--out PATH] [--json]`.

Status only by default: a technician checking a printer at 3 a.m. should not waste paper or
print in front of a queue. `--test-page` prints one; `--out` saves the test page as PNG.
"""

from __future__ import annotations

from typing import Any

from drivers.events import EventSink
from drivers.printer import PrinterSettings, PrinterStatus, open_printer
from terminal.devices import DeviceAddress
from terminal.diagnostics import CheckOptions, CheckResult, Status
from terminal.errors import DeviceMissing
from terminal.receipt_png import render_png

DEVICE = "printer"
PAPER_ZH = {"ok": "纸量正常", "near_end": "纸将用完", "out": "缺纸", "unknown": "纸量未知"}


def _verdict(status: PrinterStatus, address: DeviceAddress) -> tuple[Status, str]:
    if not status.known:
        return "fault", f"打印机没有响应，请检查电源、连线和端口 (no status from printer at {address})"
    if status.ready:
        if status.paper == "near_end":
            return "warning", "打印机正常，但纸将用完，请尽快换纸 (paper near end)"
        return "ok", "打印机正常，纸量正常 (printer ready)"
    problems = [text for text, bad in (("脱机", status.online is False), ("机盖打开", bool(status.cover_open)),
                                      ("缺纸", status.paper == "out"), ("故障", bool(status.error))) if bad]
    return "fault", f"打印机不能打印：{'、'.join(problems)} ({', '.join(status.problems())})"


def check(settings: PrinterSettings, options: CheckOptions, events: EventSink) -> CheckResult:
    printer = open_printer(settings, events)
    try:
        printer.connect()
    except DeviceMissing as e:
        printer.close()
        return CheckResult(DEVICE, "absent", f"找不到打印机，请检查电源和USB、串口或网线 ({e.message})",
                           {"address": str(settings.address), "online": None, "cover_open": None,
                            "paper": "unknown", "printed": False})
    address = settings.address
    try:
        status = printer.status()
        details: dict[str, Any] = {"address": str(address), "paper_width_mm": settings.paper_width_mm,
                                   "chinese_mode": printer.chinese_mode, **status.to_json(), "printed": False}
        page = options.test_page_document({"状态": PAPER_ZH[status.paper]}) if options.test_page_document else None
        if options.out and page is not None:
            render_png(page, printer.width_dots, margin_dots=16).save(options.out)
            details["test_page_png"] = str(options.out)
        if options.test_page and page is not None:
            result = printer.print_document(page)
            details.update(printed=result.printed, outcome=result.outcome, reason=result.reason,
                           **{k: v for k, v in (result.after or status).to_json().items() if k != "raw"})
            status = result.after or status
    finally:
        printer.close()
    state, summary = _verdict(status, address)
    if options.test_page:
        summary += "；测试页已打印 (test page printed)" if details["printed"] else "；测试页没有打印 (test page NOT printed)"
        state = state if details["printed"] else "fault"
    return CheckResult(DEVICE, state, summary, details)
