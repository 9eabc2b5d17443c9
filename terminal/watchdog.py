"""Tell systemd how the service is doing: READY=1, STATUS=..., WATCHDOG=1 (sd_notify).

The units in `systemd/` are `Type=notify` with `WatchdogSec=`: systemd kills and restarts a
service that stops pinging. So pings must come from the service's MAIN LOOP (the Kivy clock,
the asyncio loop), never from a helper thread that would keep pinging while the main loop is
stuck, and only while the service is actually able to do its job (`Watchdog(healthy=...)`).

The protocol is one datagram per message on the unix socket named by $NOTIFY_SOCKET (a leading
"@" means the abstract namespace). No dependency on libsystemd or python-systemd. When
NOTIFY_SOCKET is unset (a laptop, a test, `terminal run` by hand) every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

# Ping this many times per WatchdogSec, as sd_watchdog_enabled(3) recommends (at least twice).
PINGS_PER_TIMEOUT = 3


def _socket_address(value: str) -> str | bytes:
    """NOTIFY_SOCKET as socket.connect expects it: "@name" is an abstract socket."""
    return b"\0" + value[1:].encode() if value.startswith("@") else value


class Notifier:
    """One connection to the service manager's notification socket (or none: then a no-op)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.address = env.get("NOTIFY_SOCKET", "")
        self._sock: socket.socket | None = None
        if self.address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def send(self, **fields: str | int) -> bool:
        """Send "KEY=value" lines in one datagram; False when there is no manager or it failed."""
        if self._sock is None:
            return False
        message = "\n".join(f"{key}={value}" for key, value in fields.items()).encode()
        try:
            self._sock.sendto(message, _socket_address(self.address))
        except OSError as e:  # the manager went away or the socket is gone: never crash the service
            log.warning("event=watchdog.notify_failed socket=%s error=%s", self.address, e)
            return False
        return True

    def ready(self, status: str = "") -> bool:
        return self.send(READY=1, **({"STATUS": status} if status else {}))

    def status(self, text: str) -> bool:
        return self.send(STATUS=text)

    def stopping(self) -> bool:
        return self.send(STOPPING=1)

    def ping(self) -> bool:
        return self.send(WATCHDOG=1)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def watchdog_timeout(environ: Mapping[str, str] | None = None) -> float | None:
    """WatchdogSec= in seconds if systemd expects pings from THIS process, else None."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):  # meant for another process (e.g. our parent)
        return None
    return int(usec) / 1_000_000


class Watchdog:
    """Pings systemd's watchdog from the main loop, but only while `healthy()` holds.

    Call `tick()` from the main loop at least every `period` seconds (e.g. Kivy
    `Clock.schedule_interval(lambda dt: watchdog.tick(), watchdog.period)`); it pings when a
    ping is due and the service is healthy. When `healthy()` turns false the pings stop, the
    reason goes to STATUS=, and systemd restarts the service after WatchdogSec.

    `ready_status`: when given, the first tick() also sends READY=1 with that status, for a
    main loop whose first turn means start-up is complete (the sync service's loop).
    """

    def __init__(self, healthy: Callable[[], bool], *, ready_status: str | None = None,
                 notifier: Notifier | None = None, timeout: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.healthy = healthy
        self.ready_status = ready_status
        self._ready_sent = False
        self.notifier = notifier if notifier is not None else Notifier()
        self.timeout = timeout if timeout is not None else watchdog_timeout()
        self._clock = clock
        self._last_ping: float | None = None
        self._was_healthy = True

    @property
    def enabled(self) -> bool:
        return self.notifier.enabled and self.timeout is not None

    @property
    def period(self) -> float:
        """How often the main loop should call tick() (a fraction of WatchdogSec; 10 s when off)."""
        return self.timeout / PINGS_PER_TIMEOUT if self.timeout else 10.0

    def ready(self, status: str = "") -> None:
        """Tell systemd start-up is complete (Type=notify; sent once), then ping at once if healthy."""
        if not self._ready_sent:
            self._ready_sent = True
            self.notifier.ready(status)
        self.tick()

    def tick(self) -> bool:
        """Ping if due and healthy; returns whether the service counts as healthy now."""
        if self.ready_status is not None and not self._ready_sent:
            self.ready(self.ready_status)
            return self._was_healthy
        try:
            healthy = bool(self.healthy())
        except Exception:  # a broken health check is itself unhealthy
            log.exception("event=watchdog.health_check_raised")
            healthy = False
        if healthy != self._was_healthy:
            log.warning("event=watchdog.health status=%s", "ok" if healthy else "failing")
            self.notifier.status("running" if healthy else "unhealthy: watchdog pings stopped")
            self._was_healthy = healthy
        if not healthy or not self.enabled:
            return healthy
        now = self._clock()
        # Half a period of slack: a loop calling exactly every `period` must not skip every other ping.
        if self._last_ping is None or now - self._last_ping >= self.period / 2:
            self.notifier.ping()
            self._last_ping = now
        return healthy

    def stopping(self) -> None:
        self.notifier.stopping()
