"""Our own links to a receipt printer: bytes out, single status bytes back, nothing else.

A receipt printer needs four things from its link: write bytes, wait until they left, read one
DLE EOT answer byte within a deadline, and throw away stale bytes. pyserial, a plain socket and
pyusb give exactly that through their public interfaces (python-escpos was dropped for this;
docs/decisions/printer-link.md has the figures).
"""

from __future__ import annotations

import socket
from typing import Any, Protocol

import serial

from terminal.devices import DeviceAddress
from terminal.errors import DeviceMissing

DEVICE = "printer"


class Link(Protocol):
    """One open connection to a printer."""

    def write(self, data: bytes) -> None: ...

    def flush(self) -> None: ...

    def read_byte(self, timeout: float) -> int | None:
        """One answer byte, None when none came in time, -1 when more than one byte came at once."""

    def drain(self) -> bytes:
        """Whatever is waiting unread: stale answers before a query, extra bytes after one."""

    def close(self) -> None: ...


class SerialLink:
    def __init__(self, path: str, baud: int, timeout: float) -> None:
        # 8N1 with DSR/DTR flow control, the settings of ESC/POS serial printers
        self.port = serial.Serial(path, baudrate=baud, timeout=timeout, write_timeout=timeout, dsrdtr=True)

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def flush(self) -> None:
        """Wait until the bytes have left this computer."""
        self.port.flush()

    def read_byte(self, timeout: float) -> int | None:
        self.port.timeout = timeout
        data = self.port.read(1)
        return data[0] if data else None

    def drain(self) -> bytes:
        waiting = self.port.in_waiting
        return self.port.read(waiting) if waiting else b""

    def close(self) -> None:
        self.port.close()


class NetworkLink:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)

    def write(self, data: bytes) -> None:
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def flush(self) -> None:
        """`sendall` returns once the kernel has the bytes; nothing more to wait for."""

    def read_byte(self, timeout: float) -> int | None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1)
        except TimeoutError:
            return None
        if not data:
            raise ConnectionResetError("printer closed the connection")
        return data[0]

    def drain(self) -> bytes:
        self.sock.settimeout(0)
        try:
            return self.sock.recv(256)
        except (TimeoutError, BlockingIOError):
            return b""
        finally:
            self.sock.settimeout(self.timeout)

    def close(self) -> None:
        self.sock.close()


class UsbLink:
    """A USB printer-class device through pyusb: the first bulk OUT and IN endpoints of interface 0."""

    def __init__(self, vendor: int, product: int, timeout: float) -> None:
        import usb.core  # only USB printers need libusb
        import usb.util

        self._usb_util = usb.util
        self.timeout_ms = int(timeout * 1000)
        device: Any = usb.core.find(idVendor=vendor, idProduct=product)
        if device is None:
            raise DeviceMissing(f"no USB device {vendor:04x}:{product:04x}", device=DEVICE)
        try:
            if device.is_kernel_driver_active(0):  # usblp holds it otherwise
                device.detach_kernel_driver(0)
        except (NotImplementedError, usb.core.USBError):
            pass
        try:
            device.set_configuration()
        except usb.core.USBError:  # already configured (busy) is fine
            pass
        interface = device.get_active_configuration()[(0, 0)]

        def endpoint(direction: int) -> Any:
            return usb.util.find_descriptor(interface, custom_match=lambda e: usb.util.endpoint_direction(
                e.bEndpointAddress) == direction)

        self.device = device
        self.out_ep = endpoint(usb.util.ENDPOINT_OUT)
        self.in_ep = endpoint(usb.util.ENDPOINT_IN)
        if self.out_ep is None:
            raise DeviceMissing(f"USB device {vendor:04x}:{product:04x} has no OUT endpoint", device=DEVICE)

    def write(self, data: bytes) -> None:
        self.out_ep.write(data, self.timeout_ms)

    def flush(self) -> None:
        """A bulk write returns when the device took the bytes."""

    def read_byte(self, timeout: float) -> int | None:
        if self.in_ep is None:  # a write-only printer: status unknown
            return None
        try:
            data = self.in_ep.read(16, int(timeout * 1000))
        except Exception:  # pyusb raises USBTimeoutError (a USBError) on no answer
            return None
        return data[0] if len(data) == 1 else (-1 if len(data) > 1 else None)

    def drain(self) -> bytes:
        return b""

    def close(self) -> None:
        self._usb_util.dispose_resources(self.device)


class FileLink:
    """A file or /dev/usb/lp0: write-only, so status is always unknown."""

    def __init__(self, path: str) -> None:
        self.file = open(path, "wb")

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def flush(self) -> None:
        self.file.flush()

    def read_byte(self, timeout: float) -> int | None:
        return None

    def drain(self) -> bytes:
        return b""

    def close(self) -> None:
        self.file.close()


def open_link(address: DeviceAddress, timeout: float) -> Link:
    """Open the link `address` names; raises DeviceMissing when the port, socket or USB device is not there."""
    try:
        if address.scheme == "serial":
            return SerialLink(address.target, address.baud, timeout)
        if address.scheme == "tcp":
            host, port = address.host_port
            return NetworkLink(host, port, timeout)
        if address.scheme == "usb":
            vendor, product = address.usb_ids
            return UsbLink(vendor, product, timeout)
        if address.scheme == "file":
            return FileLink(address.target)
    except DeviceMissing:
        raise
    except Exception as e:  # OSError, SerialException, and pyusb's USBError and NoBackendError (not OSErrors)
        raise DeviceMissing(f"printer at {address.raw} cannot be opened: {type(e).__name__}", device=DEVICE) from e
    raise DeviceMissing(f"a printer cannot be reached through {address.scheme!r}", device=DEVICE)
