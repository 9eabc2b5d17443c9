"""The readiness report after a session that read a card: the identity is nowhere in it; the short
report prints on the receipt printer; the export goes to a USB stick when one is mounted."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from drivers.idcard import open_idcard
from drivers.printer import open_printer
from drivers.printer.driver import ReceiptPrinter
from terminal.assembly import technician_tools as tools
from terminal.assembly.report import build_report, write_report
from terminal.assembly.wiring import idcard_settings, printer_settings
from terminal.config import from_dict
from terminal.devices import parse_address
from terminal.diagnostics import CheckResult
from terminal.events import EVENTS, EventId, EventLog, record
from tests.technician.test_checks import quick


def test_report_after_a_card_read_holds_no_personal_data(tmp_path: Path) -> None:
    config = quick(tmp_path)
    with open_idcard(idcard_settings(config, parse_address("sim", "idcard")), EVENTS) as reader:
        identity = reader.read_once(wait_seconds=2)
    assert identity is not None and identity.name == "测试样例"
    # What the journey records, plus a careless event that pastes the whole card into a field.
    record(EventId.CARD_READ, card_type=identity.card_type)
    record(EventId.CARD_READ_FAILED, problem=f"retry for {identity.id_number} {identity.birth:%Y%m%d}")
    record(EventId.SESSION_WIPED, reason="finish")

    report = build_report(config)
    json_path, html_path = write_report(report, tmp_path / "out" / "report.json")
    written = json_path.read_text(encoding="utf-8") + html_path.read_text(encoding="utf-8")
    assert "E2020" in written and "[redacted]" in written  # the events are there, scrubbed
    for value in (identity.name, identity.id_number, identity.address, identity.address[:6], "测试路"):
        assert value not in written, f"{value!r} leaked into the report"
    assert {c["device"] for c in report["checks"]} >= {"idcard", "printer", "system"}


def test_short_report_prints_without_details(tmp_path: Path) -> None:
    config = quick(tmp_path)
    report = build_report(config, [CheckResult("printer", "warning", "纸将用完"), CheckResult("idcard", "ok", "正常"),
                                   CheckResult("network", "fault", "连不上政务服务平台，请检查网络。")])
    slip = tools.readiness_slip(report, config)
    text = slip.plain_text()
    assert "终端状态报告" in text and "T0001" in text and "有故障" in text and "连不上政务服务平台" in text
    assert all(c["device"] in text for c in report["checks"])
    printer = open_printer(printer_settings(config, parse_address("sim", "printer")), EVENTS)
    assert isinstance(printer, ReceiptPrinter) and printer.simulator is not None
    try:
        result = printer.print_document(slip)
        assert result.printed, result.reason
        paper = "\n".join(line.text for line in printer.simulator.printer.paper.lines)
    finally:
        printer.close()
    assert "终端状态报告" in paper and "结论" in paper


def test_export_goes_to_a_mounted_stick_else_the_data_folder(tmp_path: Path) -> None:
    config = quick(tmp_path)
    stick = tmp_path / "media" / "kiosk" / "USB"
    stick.mkdir(parents=True)
    mounts = tmp_path / "mounts"
    mounts.write_text(f"proc /proc proc rw 0 0\n/dev/sda1 {stick} vfat rw,nosuid 0 0\n"
                      f"/dev/sdb1 {tmp_path / 'media' / 'ro'} vfat ro 0 0\n")
    found = tools.removable_media((tmp_path / "media",), mounts)
    assert found == [stick]
    now = datetime(2026, 11, 21, 10, 30)
    assert tools.report_destination(config, now, found) == stick / "readiness-T0001-20261121-103000.json"
    assert tools.report_destination(config, now, []).parent == config.storage.data_dir / "reports"



def test_events_of_other_processes_reach_the_report_once(tmp_path: Path) -> None:
    config = quick(tmp_path)
    sync_process = EventLog()  # stands in for `terminal sync serve`, which writes its own file
    sync_process.configure(tools.event_log_path(config, "sync"))
    sync_process.record(EventId.CASE_DELIVERED, record="T0001-261121-0007", via="push")
    EVENTS.configure(tools.event_log_path(config, "kiosk"))  # this process: memory and its own file
    try:
        for _ in range(2):  # the same event twice in one second is two events, not one
            record(EventId.RECEIPT_PRINTED, case_no="T0001-261121-0007")
    finally:
        EVENTS.configure(None)
    (tools.event_log_path(config, "kiosk").parent / "events-broken.jsonl").write_text("not json\n{\"at\": 1")
    seen = [(e["id"], e.get("via") or e.get("case_no")) for e in tools.recent_events(config)]
    assert ("E4001", "push") in seen and seen.count(("E3004", "T0001-261121-0007")) == 2
    report = build_report(config, [CheckResult("system", "ok", "系统运行正常。")])
    assert any(e["id"] == "E4001" for e in report["events"])


def test_report_is_not_ok_when_a_configured_device_is_missing(tmp_path: Path) -> None:
    """#17: the readiness report, like `terminal diag`, counts an unplugged configured device as a failure."""
    missing = CheckResult("printer", "absent", "找不到打印机")
    plugged = quick(tmp_path)
    configured = from_dict({"storage": {"data_dir": str(tmp_path)},
                            "devices": {"printer": {"address": "tcp://127.0.0.1:9"}}})
    assert build_report(plugged, [missing])["ok"] is True  # a `sim` printer is never "missing"
    assert build_report(configured, [missing])["ok"] is False
