"""The simulated printer runs for months (`terminal run --simulate`, the soak): it remembers the last
slips, not every line it ever printed."""

from __future__ import annotations

from drivers.printer import codec
from drivers.printer.simulator import KEPT_SLIPS, PrinterSimulator


def _slip(n: int) -> bytes:
    return (codec.INIT + codec.CHINESE_ON + codec.text_gb18030(f"回执 {n}") + codec.LF + codec.qr(f"case-{n}")
            + codec.cut())


def test_only_the_last_slips_are_kept_on_paper_and_picture() -> None:
    simulator = PrinterSimulator(384)
    one_slip_height = 0
    for n in range(KEPT_SLIPS + 30):
        simulator.handle(_slip(n))
        if n == 0:
            one_slip_height = simulator.printer.canvas.height
    paper = simulator.printer.paper
    kept = range(30, KEPT_SLIPS + 30)
    assert paper.cuts == KEPT_SLIPS + 30  # the counter still says how many were cut
    assert [line.text for line in paper.lines] == [f"回执 {n}" for n in kept]
    assert paper.qr_codes == [f"case-{n}" for n in kept]
    assert simulator.printer.canvas.height == KEPT_SLIPS * one_slip_height
    assert simulator.picture().height == KEPT_SLIPS * one_slip_height + 32  # margins of 16 dots


def test_a_slip_being_printed_is_kept_whole_after_the_oldest_is_forgotten() -> None:
    simulator = PrinterSimulator(384)
    for n in range(KEPT_SLIPS + 1):
        simulator.handle(_slip(n))
    simulator.handle(codec.INIT + codec.CHINESE_ON + codec.text_gb18030("未切的一行") + codec.LF)
    assert simulator.printer.paper.lines[0].text == "回执 1"
    assert simulator.printer.paper.lines[-1].text == "未切的一行"


def test_the_bytes_received_are_bounded() -> None:
    simulator = PrinterSimulator(384)
    simulator.received_limit = 4 * len(_slip(0))
    for n in range(50):
        simulator.handle(_slip(n))
    assert len(simulator.received) == simulator.received_limit
    assert bytes(simulator.received).endswith(_slip(n))
