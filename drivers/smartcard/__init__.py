"""PC/SC smart cards (technician cards): what the rest of the product may call, its value types, one factory.

The technician gate and diagnostics use `CardChannel` and `open_smartcard`; the pcscd driver
(pyscard) and the virtual card are this package's business, and load only when a channel is
opened. `drivers.smartcard.technician` builds the technician card's challenge and PIN checks on
any `CardChannel`. The in-memory stand-in for tests is `virtualcard.SimulatedChannel` (what `sim`
opens); the wire-level simulator is `virtualcard.VpcdCard` behind a real pcscd.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from terminal.devices import DeviceAddress
from terminal.errors import DeviceMissing

if TYPE_CHECKING:
    from drivers.smartcard.virtualcard import TechnicianApplet

__all__ = ["PIN_LENGTHS", "CardChannel", "NoCard", "PcscUnavailable", "SmartCardSettings", "open_smartcard"]

PIN_LENGTHS = range(6, 13)  # a technician PIN has 6 to 12 digits


class NoCard(DeviceMissing):
    """The reader is there but holds no card (or the card was pulled out)."""

    advice_zh = "读卡器里没有卡，请插入技术人员卡。"


class PcscUnavailable(DeviceMissing):
    """pcscd is not running or not reachable."""

    advice_zh = "智能卡服务没有运行，请联系技术人员。"


@dataclass(frozen=True)
class SmartCardSettings:
    """What the smart-card driver needs: the reader (`pcsc://NAME-PREFIX` or `sim`)."""

    address: DeviceAddress


class CardChannel(Protocol):
    """A connection to the card in one reader: one command APDU in, the response APDU out."""

    reader: str
    atr: bytes

    def transmit(self, apdu: bytes) -> bytes: ...

    def close(self) -> None: ...


def open_smartcard(settings: SmartCardSettings, sim_applet: TechnicianApplet | None = None) -> CardChannel:
    """A channel to the card at `settings.address`; `sim` talks to the virtual card in this process
    (`sim_applet`, else a fresh one). Raises NoCard, PcscUnavailable or DeviceMissing."""
    if settings.address.is_simulated:
        from drivers.smartcard.virtualcard import SimulatedChannel, TechnicianApplet

        return SimulatedChannel(sim_applet or TechnicianApplet())
    from drivers.smartcard.driver import PcscChannel, find_reader  # pyscard loads only for a real reader

    return PcscChannel(find_reader(settings.address.target))
