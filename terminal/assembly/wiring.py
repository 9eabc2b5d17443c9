"""Configuration onto devices: the one place that maps `Config` to each driver's own settings.

Drivers never see `Config`; they take a small settings dataclass and an event sink. This module
builds both for the kiosk, the technician screens and `terminal diag`, and opens each device
kind through its package's `open_<kind>` factory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime

from drivers.a4printer import A4Printer, A4PrinterSettings, open_a4printer
from drivers.camera import CameraFeed, CameraMode, CameraSettings, ErrorCallback, FrameCallback, open_camera
from drivers.events import EventSink
from drivers.idcard import CardReader, EventCallback, IdCardSettings, open_idcard
from drivers.keypad import KeypadSettings, RatingCallback, RatingKeypad, open_keypad
from drivers.printer import ChineseMode, Printer, PrinterSettings, PrinterStatus, open_printer
from drivers.smartcard import SmartCardSettings
from terminal import events
from terminal.a4docs import a4_test_page
from terminal.assembly.technician import technician_auth
from terminal.config import Config
from terminal.devices import DeviceAddress
from terminal.diagnostics import CheckOptions
from terminal.fonts import find_cjk_font
from terminal.privacy import NameMask
from terminal.receipts import ReceiptDocument, technician_test_page


def event_sink() -> EventSink:
    """The process's event log (configured by the command that runs)."""
    return events.EVENTS


def printer_settings(config: Config, address: DeviceAddress | None = None) -> PrinterSettings:
    configured = config.devices.printer
    address = address or configured.address
    mode: ChineseMode = "raster" if configured.chinese_mode == "raster" else "gb18030"
    return PrinterSettings(address=address, paper_width_mm=configured.paper_width_mm, chinese_mode=mode,
                           timeout=config.timeouts.device_seconds, print_speed_mm_s=configured.print_speed_mm_s,
                           font_path=find_cjk_font(config.display.font))


def idcard_settings(config: Config, address: DeviceAddress | None = None) -> IdCardSettings:
    return IdCardSettings(address=address or config.devices.idcard.address, timeout=config.timeouts.device_seconds,
                          poll_interval=config.devices.idcard.poll_interval_ms / 1000)


def keypad_settings(config: Config, address: DeviceAddress | None = None) -> KeypadSettings:
    return KeypadSettings(address=address or config.devices.keypad.address, timeout=config.timeouts.device_seconds)


def camera_settings(config: Config, address: DeviceAddress | None = None) -> CameraSettings:
    camera = config.devices.camera
    return CameraSettings(address=address or camera.address, timeout=config.timeouts.device_seconds,
                          preview_width=camera.preview_width, preview_height=camera.preview_height,
                          capture_width=camera.capture_width, capture_height=camera.capture_height)


def smartcard_settings(config: Config, address: DeviceAddress | None = None) -> SmartCardSettings:
    return SmartCardSettings(address=address or config.devices.smartcard.address)


def a4printer_settings(config: Config, address: DeviceAddress | None = None) -> A4PrinterSettings:
    """No address (none configured, none given) means this terminal has no A4 printer."""
    configured = config.devices.a4printer
    return A4PrinterSettings(address=address or configured.address, timeout=max(config.timeouts.device_seconds, 5.0),
                             job_timeout=float(configured.job_timeout_seconds),
                             font_path=find_cjk_font(config.display.font))


SETTINGS: Mapping[str, Callable[[Config, DeviceAddress | None], object]] = {
    "printer": printer_settings,
    "idcard": idcard_settings,
    "keypad": keypad_settings,
    "camera": camera_settings,
    "smartcard": smartcard_settings,
    "a4printer": a4printer_settings,
}


def device_settings(kind: str, config: Config, address: DeviceAddress | None = None) -> object:
    """The settings of device `kind` (a key of `SETTINGS`), at `address` instead of the configured one if given."""
    return SETTINGS[kind](config, address)


def check_options(kind: str, config: Config, options: CheckOptions) -> CheckOptions:
    """`options` with what the check of device `kind` needs from the configuration filled in."""
    def test_page(status: Mapping[str, str]) -> ReceiptDocument:
        page = a4_test_page if kind == "a4printer" else technician_test_page
        return page(config, datetime.now().replace(microsecond=0), status)

    mask: NameMask = "first" if config.privacy.name_mask == "first" else "alternate"
    # the camera's frame: one file, overwritten each run (a frame may show a citizen's papers)
    out = options.out
    if kind == "camera" and out is None:
        out = config.storage.data_dir / "diagnostics" / "camera-frame.jpg"
    return dataclasses.replace(options, name_mask=mask, test_page_document=test_page, out=out,
                               enrolled_cards=lambda: technician_auth(config).enrolled())


class Devices:
    """Opens the configured devices for one process; screens and the technician mode get this, not `Config`."""

    def __init__(self, config: Config, sink: EventSink | None = None) -> None:
        self.config = config
        self.events = sink or event_sink()

    def idcard(self, on_event: EventCallback) -> CardReader:
        return open_idcard(idcard_settings(self.config), self.events, on_event)

    def camera(self, on_frame: FrameCallback, on_error: ErrorCallback | None = None,
               on_connected: Callable[[CameraMode], None] | None = None) -> CameraFeed:
        """Not yet started."""
        return open_camera(camera_settings(self.config), self.events, on_frame, on_error, on_connected)

    def keypad(self, on_rating: RatingCallback, on_lost: Callable[[], None] | None = None) -> RatingKeypad:
        """Started; raises DeviceMissing."""
        return open_keypad(keypad_settings(self.config), self.events, on_rating, on_lost)

    def printer(self, on_warning: Callable[[str, PrinterStatus], None] | None = None) -> Printer:
        return open_printer(printer_settings(self.config), self.events, on_warning)

    @property
    def has_a4printer(self) -> bool:
        """Whether an A4 printer is configured (复印 and 打印证明 are offered only then)."""
        return self.config.devices.a4printer.address is not None

    def a4printer(self) -> A4Printer:
        """Raises DeviceMissing when none is configured or its simulator cannot start."""
        return open_a4printer(a4printer_settings(self.config), self.events)
