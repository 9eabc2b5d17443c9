"""The real printer driver against the simulator over a pty and over TCP: every status and fault."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import zxingcpp

from drivers.printer import PrinterSettings, PrintResult, open_printer
from drivers.printer.driver import ReceiptPrinter
from drivers.printer.samples import SAMPLE_ID_NUMBER, SAMPLE_NAME
from drivers.printer.simulator import PrinterSimulator
from terminal import events
from terminal.assembly.wiring import printer_settings
from terminal.cases import Case
from terminal.config import Config, from_dict
from terminal.devices import DeviceAddress, parse_address
from terminal.receipt_png import receipt_picture
from terminal.receipts import correction_notice, progress_url, submission_receipt

Simulated = tuple[PrinterSimulator, DeviceAddress]


def make_printer(address: DeviceAddress, on_warning: Any = None, **settings: Any) -> ReceiptPrinter:
    return ReceiptPrinter(PrinterSettings(address, **settings), events.EVENTS, on_warning=on_warning)


@pytest.fixture
def printer(simulated: Simulated) -> Iterator[ReceiptPrinter]:
    """A driver with a generous timeout: a loaded CI machine must not turn a good answer into silence."""
    driver = make_printer(simulated[1], timeout=2.0)
    yield driver
    driver.close()


@pytest.fixture
def impatient_printer(simulated: Simulated) -> Iterator[ReceiptPrinter]:
    """A driver with a short timeout, for the tests where the printer says nothing."""
    driver = make_printer(simulated[1], timeout=0.3)
    yield driver
    driver.close()


def _decode_qr(sim: PrinterSimulator) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(sim.picture()) if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_receipt_prints_and_its_qr_decodes_to_the_progress_url(simulated: Simulated, printer: ReceiptPrinter,
                                                                case: Case, config: Config) -> None:
    sim, _ = simulated
    result = printer.submit(submission_receipt(case, config)).result(timeout=10)
    assert result.printed and result.outcome == "printed"
    assert result.before is not None and result.before.ready and result.after is not None and result.after.ready
    assert sim.printer.paper.cuts == 1
    assert _decode_qr(sim) == [progress_url(case.case_no, config)]
    assert sim.printer.paper.qr_codes == [progress_url(case.case_no, config)]


def test_chinese_text_arrives_byte_exact_in_gb18030_and_identity_only_masked(
        simulated: Simulated, printer: ReceiptPrinter, case: Case, config: Config) -> None:
    sim, _ = simulated
    assert printer.print_document(correction_notice(case, config)).printed
    lines = sim.printer.paper.lines
    expected = "请补齐补正以下材料（共1项）："
    assert expected.encode("gb18030") in [line.raw for line in lines]
    assert any(line.raw == "1. 近期一寸免冠彩色照片".encode("gb18030") for line in lines)
    wire = bytes(sim.received)
    assert SAMPLE_ID_NUMBER.encode("ascii") not in wire
    assert SAMPLE_NAME.encode("gb18030") not in wire
    assert "证件号码：4190**********" + SAMPLE_ID_NUMBER[-4:] in [line.text for line in lines]
    assert any(line.text.startswith("申请人：测*样*") for line in lines)


def test_raster_mode_prints_a_picture_with_a_readable_qr(simulated: Simulated, case: Case, config: Config) -> None:
    sim, address = simulated
    printer = make_printer(address, chinese_mode="raster", timeout=2.0)
    try:
        assert printer.print_document(submission_receipt(case, config)).printed
    finally:
        printer.close()
    assert sim.printer.paper.lines == [] and len(sim.printer.paper.images) >= 1
    assert _decode_qr(sim) == [progress_url(case.case_no, config)]


@pytest.mark.parametrize("fault, reason", [("paper_end", "paper_out"), ("cover_open", "cover_open"),
                                           ("offline", "offline"), ("error", "error")])
def test_a_printer_that_is_not_ready_gets_no_job(simulated: Simulated, printer: ReceiptPrinter, case: Case,
                                                 config: Config, fault: str, reason: str) -> None:
    sim, _ = simulated
    sim.set_faults(fault)
    result = printer.print_document(submission_receipt(case, config))
    assert result.outcome == "not_printed" and result.bytes_sent == 0 and result.retryable
    assert result.after is None and result.before is not None and not result.before.ready
    assert bytes(sim.received).count(b"\x1b@") == 0  # nothing but status queries went over the wire
    assert result.reason == reason
    assert result.advice_zh


def test_error_status_is_read_with_its_cause(simulated: Simulated, printer: ReceiptPrinter) -> None:
    sim, _ = simulated
    sim.set_faults("error")
    status = printer.status()
    assert status.error is True and status.online is False and 3 in status.raw


def _print_with_fault_mid_job(sim: PrinterSimulator, printer: ReceiptPrinter, fault: str, case: Case,
                              config: Config) -> PrintResult:
    sim.mid_job_after_bytes = 300
    sim.set_faults(fault)
    result = printer.print_document(submission_receipt(case, config))
    assert result.before is not None and result.before.ready
    return result


def test_paper_running_out_mid_job_is_reported_not_printed_and_retry_works(
        simulated: Simulated, printer: ReceiptPrinter, case: Case, config: Config) -> None:
    sim, _ = simulated
    first = _print_with_fault_mid_job(sim, printer, "paper_out_mid_job", case, config)
    assert first.outcome == "not_printed" and first.reason == "paper_out"
    assert first.before is not None and first.before.paper == "ok"
    assert first.after is not None and first.after.paper == "out"
    assert sim.printer.paper.cuts == 0  # the knife never came: the slip is incomplete
    sim.set_faults()  # a technician loads a new roll
    done = threading.Event()
    results: list[PrintResult] = []
    printer.submit(first.job, callback=lambda r: (results.append(r), done.set()))
    assert done.wait(10)
    assert results[0].printed and results[0].job.job_id == first.job.job_id
    assert sim.printer.paper.cuts == 1


@pytest.mark.parametrize("fault", ["no_answer", "garbage"])
def test_silent_or_garbled_status_is_unknown_and_never_paper_ok(
        simulated: Simulated, impatient_printer: ReceiptPrinter, case: Case, config: Config, fault: str) -> None:
    sim, printer = simulated[0], impatient_printer
    sim.set_faults(fault)
    status = printer.status()
    assert status.paper == "unknown" and status.online is None and not status.ready
    result = printer.print_document(submission_receipt(case, config))
    assert not result.printed and result.reason == "no_status"


def test_printer_going_mute_during_a_job_is_unknown_not_claimed_printed(
        simulated: Simulated, impatient_printer: ReceiptPrinter, case: Case, config: Config) -> None:
    result = _print_with_fault_mid_job(simulated[0], impatient_printer, "mute_mid_job", case, config)
    assert result.outcome == "unknown" and result.reason == "no_status" and not result.printed and result.retryable


def test_paper_near_end_prints_and_warns_the_technician_once(simulated: Simulated, case: Case,
                                                             config: Config) -> None:
    sim, address = simulated
    warnings: list[str] = []
    started = datetime.now(UTC)
    printer = make_printer(address, timeout=2.0, on_warning=lambda what, status: warnings.append(what))
    sim.set_faults("paper_near_end")
    try:
        first = printer.print_document(submission_receipt(case, config))
        second = printer.print_document(submission_receipt(case, config))
    finally:
        printer.close()
    assert first.printed and second.printed and first.after is not None and first.after.paper == "near_end"
    assert warnings == ["paper_near_end"]
    assert [e.event for e in events.EVENTS.recent() if e.at >= started and e.fields.get("device") == "printer"
            and e.event is events.EventId.PAPER_NEAR_END] == [events.EventId.PAPER_NEAR_END]


def test_slow_printer_within_the_timeout_still_prints(simulated: Simulated, case: Case, config: Config) -> None:
    sim, address = simulated
    sim.slow_seconds = 0.05
    sim.set_faults("slow")
    printer = make_printer(address, timeout=1.5)
    try:
        assert printer.print_document(submission_receipt(case, config)).printed
    finally:
        printer.close()


def test_slow_printer_beyond_the_timeout_is_unknown(simulated: Simulated, impatient_printer: ReceiptPrinter) -> None:
    sim, printer = simulated[0], impatient_printer
    sim.slow_seconds = 0.8
    sim.set_faults("slow")
    assert printer.status().paper == "unknown"


def test_dropped_connection_mid_job_is_reported_and_the_retry_reconnects(case: Case, config: Config) -> None:
    with PrinterSimulator(576) as sim:
        address = parse_address(f"tcp://127.0.0.1:{sim.start_tcp()}", "printer")
        sim.drop_after_bytes = 50
        sim.set_faults("drop")
        printer = make_printer(address, timeout=2.0)
        try:
            result = printer.print_document(submission_receipt(case, config))
            assert not result.printed and result.reason in ("link_failed", "no_status")
            sim.set_faults()
            retry = printer.submit(result.job).result(timeout=10)
            assert retry.printed
        finally:
            printer.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("raw", ["/dev/ttyNOSUCHPRINTER", "usb://0483:5743", "tcp://127.0.0.1:{port}"])
def test_missing_printer_is_reported_not_raised(case: Case, config: Config, raw: str) -> None:
    printer = make_printer(parse_address(raw.format(port=_closed_port()), "printer"), timeout=0.2)
    try:
        result = printer.print_document(submission_receipt(case, config))
        assert result.outcome == "not_printed" and result.reason == "missing" and result.advice_zh
        assert printer.status().paper == "unknown"
    finally:
        printer.close()


def test_sim_address_starts_the_builtin_simulator_with_faults(case: Case, config: Config) -> None:
    printer = open_printer(printer_settings(config, parse_address("sim?fault=paper_end", "printer")), events.EVENTS)
    try:
        assert printer.status().paper == "out"
        assert isinstance(printer, ReceiptPrinter) and printer.simulator is not None
    finally:
        printer.close()


def test_printer_going_silent_and_coming_back_is_logged_once_each(simulated: Simulated,
                                                                  impatient_printer: ReceiptPrinter) -> None:
    sim, printer = simulated[0], impatient_printer
    started = datetime.now(UTC)
    assert printer.status().ready
    sim.set_faults("no_answer")
    printer.status()
    printer.status()
    sim.set_faults()
    assert printer.status().ready
    logged = [e.event for e in events.EVENTS.recent(50)
              if e.at >= started and e.fields.get("address") == printer.address.raw]
    assert logged == [events.EventId.DEVICE_LOST, events.EventId.DEVICE_BACK]


def test_on_screen_picture_uses_the_configured_paper_width(case: Case) -> None:
    config = from_dict({"devices": {"printer": {"paper_width_mm": 58}}})
    assert receipt_picture(submission_receipt(case, config), config, margin_dots=0).width == 384


def test_after_check_waits_for_the_paper_at_the_configured_speed(simulated: Simulated, case: Case,
                                                                 config: Config) -> None:
    """A real printer answers DLE EOT at once; the after-check must come when the slip has had time to print."""
    _sim, address = simulated
    printer = make_printer(address, timeout=2.0, print_speed_mm_s=500)
    try:
        job = printer.render(submission_receipt(case, config))
        assert 100 < job.length_mm < 300
        result = printer.print_job(job)
    finally:
        printer.close()
    assert result.printed and result.seconds >= job.length_mm / 500
    for raw, speed in (("sim", 0), ("tcp://127.0.0.1:9100", config.devices.printer.print_speed_mm_s)):
        configured = open_printer(printer_settings(config, parse_address(raw, "printer")), events.EVENTS)
        # the simulator prints at once; real paper takes time
        assert isinstance(configured, ReceiptPrinter) and configured.print_speed_mm_s == speed
        configured.close()
