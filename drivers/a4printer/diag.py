"""`terminal diag a4printer [--device ipp://...] [--test-page] [--out PATH] [--json]`.

Status only by default (printer-state and printer-state-reasons over IPP); `--test-page` prints
an A4 test page and follows the job to its end; `--out` saves the test page's PDF.
"""

from __future__ import annotations

from typing import Any

from drivers.a4printer import A4Job, A4PrinterSettings, A4Status, open_a4printer
from drivers.events import EventSink
from terminal.a4pdf import document_pdf
from terminal.diagnostics import CheckOptions, CheckResult, Status
from terminal.errors import DeviceMissing

DEVICE = "a4printer"


def _verdict(status: A4Status, uri: str) -> tuple[Status, str]:
    if not status.known:
        return "fault", f"A4打印机没有响应，请检查电源、网线和打印服务 (no IPP answer from {uri})"
    if status.ready:
        if status.warnings:
            return "warning", f"{status.describe_zh()}，请尽快更换耗材 ({', '.join(status.keywords)})"
        return "ok", f"A4打印机正常 (printer {status.state})"
    return "fault", f"A4打印机不能打印：{status.describe_zh()} ({', '.join(status.keywords) or status.state})"


def check(settings: A4PrinterSettings, options: CheckOptions, events: EventSink) -> CheckResult:
    if settings.address is None:
        return CheckResult(DEVICE, "absent", "本终端没有配置A4打印机 (devices.a4printer.address is empty)",
                           {"address": None, "printed": False})
    try:
        printer = open_a4printer(settings, events)
    except DeviceMissing as e:
        return CheckResult(DEVICE, "absent", f"找不到A4打印机 ({e.message})",
                           {"address": str(settings.address), "printed": False})
    try:
        status = printer.status()
        details: dict[str, Any] = {"address": str(settings.address), **status.to_json(), "printed": False}
        page = None
        if options.test_page_document is not None and settings.font_path is not None:
            page = document_pdf(options.test_page_document({"状态": status.describe_zh()}), settings.font_path)
        if options.out and page is not None:
            options.out.write_bytes(page.data)
            details["test_page_pdf"] = str(options.out)
        if options.test_page and page is not None:
            result = printer.print_job(A4Job(page.data, "a4_test_page", page.pages))
            details.update(printed=result.printed, job_state=result.state, pages=result.pages)
            status = result.status
    finally:
        printer.close()
    state, summary = _verdict(status, str(settings.address))
    if options.test_page:
        summary += "；测试页已打印 (test page printed)" if details["printed"] else "；测试页没有打印 (test page NOT printed)"
        state = state if details["printed"] else "fault"
    return CheckResult(DEVICE, state, summary, details)
