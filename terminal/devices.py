"""Device addresses: one string names a device, in the configuration and after `--device`.

Forms: `sim` (built-in simulator, `sim?fault=paper_end` sets fault switches), a serial path
`/dev/ttyUSB0` or `serial:///dev/ttyUSB0?baud=115200`, `tcp://HOST:PORT`, `usb://VID:PID`,
`pcsc://READER-NAME`, `camera://0` or `camera:///dev/video0`, `file:///folder/of/images`,
`ipp://HOST:PORT/printers/QUEUE` (an A4 printer through CUPS or IPP Everywhere; `ipps://` with TLS).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import parse_qsl, unquote, urlsplit

from terminal.errors import ConfigError

SCHEMES = ("sim", "serial", "tcp", "usb", "pcsc", "camera", "file", "ipp", "ipps")

# Which address forms make sense for which device kind.
ALLOWED_SCHEMES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "idcard": ("sim", "serial", "tcp"),
    "smartcard": ("sim", "pcsc"),
    "camera": ("sim", "camera", "file"),
    "printer": ("sim", "serial", "tcp", "usb", "file"),
    "keypad": ("sim", "serial", "usb", "file"),
    "a4printer": ("sim", "ipp", "ipps"),
})


@dataclass(frozen=True)
class DeviceAddress:
    """A parsed device address; `raw` is what the person wrote."""

    scheme: str
    target: str = ""
    options: Mapping[str, str] = field(default_factory=dict)
    raw: str = ""

    @property
    def is_simulated(self) -> bool:
        return self.scheme == "sim"

    @property
    def baud(self) -> int:
        return int(self.options.get("baud", "115200"))

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.target.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def usb_ids(self) -> tuple[int, int]:
        vid, _, pid = self.target.partition(":")
        return int(vid, 16), int(pid, 16)

    @property
    def faults(self) -> frozenset[str]:
        """Fault switches for simulators: `sim?fault=a,b`."""
        return frozenset(f for f in self.options.get("fault", "").split(",") if f)

    def serial_url(self) -> str:
        """The URL pyserial's `serial_for_url` takes for this address."""
        if self.scheme == "serial":
            return self.target
        if self.scheme == "tcp":
            return f"socket://{self.target}"
        raise ConfigError(f"address {self.raw!r} is not a serial or TCP address")

    def __str__(self) -> str:
        return self.raw


def _fail(text: str, why: str) -> ConfigError:
    return ConfigError(
        f"bad device address {text!r}: {why}; allowed: sim, /dev/ttyUSB0, serial:///dev/ttyUSB0?baud=115200, "
        "tcp://HOST:PORT, usb://VID:PID, pcsc://READER, camera://0, camera:///dev/video0, file:///folder, "
        "ipp://HOST:PORT/printers/QUEUE"
    )


def parse_address(text: str, kind: str | None = None) -> DeviceAddress:
    """Parse `text`; with `kind`, also refuse forms that device kind cannot use."""
    text = text.strip()
    if not text:
        raise _fail(text, "empty")
    if text.startswith("/"):
        text_url = f"serial://{text}"
    elif text == "sim" or text.startswith("sim?"):
        text_url = "sim://" + text[3:]
    else:
        text_url = text
    try:
        parts = urlsplit(text_url)
    except ValueError as e:  # e.g. "Invalid IPv6 URL" for tcp://[::1:9100
        raise _fail(text, f"not a valid address ({e}); an IPv6 host goes in brackets: tcp://[::1]:9100") from None
    scheme = parts.scheme
    if scheme not in SCHEMES:
        raise _fail(text, f"unknown scheme {scheme or '(none)'!r}")
    options = dict(parse_qsl(parts.query))
    target = unquote(parts.netloc + parts.path)
    if scheme in ("serial", "file") and not target.startswith("/"):
        raise _fail(text, "needs an absolute path")
    if scheme == "serial" and "baud" in options and not options["baud"].isdigit():
        raise _fail(text, f"baud {options['baud']!r} is not a number")
    if scheme == "tcp":
        host, _, port = target.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise _fail(text, "needs HOST:PORT")
    if scheme == "usb":
        vid, _, pid = target.partition(":")
        try:
            int(vid, 16), int(pid, 16)
        except ValueError:
            raise _fail(text, "needs hexadecimal VID:PID such as 0483:5750") from None
    if scheme == "camera" and not (target.isdigit() or target.startswith("/")):
        raise _fail(text, "needs a camera index or a /dev/video path")
    if scheme in ("ipp", "ipps") and not parts.hostname:
        raise _fail(text, "needs a host, such as ipp://localhost:631/printers/A4")
    if scheme == "pcsc" and not target:
        raise _fail(text, "needs a reader name")
    if kind is not None and scheme not in ALLOWED_SCHEMES[kind]:
        raise _fail(text, f"a {kind} cannot be reached through {scheme!r} (use one of {', '.join(ALLOWED_SCHEMES[kind])})")
    return DeviceAddress(scheme=scheme, target=target, options=MappingProxyType(options), raw=text)
