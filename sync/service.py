"""`terminal sync serve`: the push loop, the pull API, catalog checks and heartbeats in one process.

`SyncService.run(on_tick)` is the main loop (stop it with `service.stop.set()`). `on_tick` is
always called on the thread running `run`: at least every TICK_SECONDS while waiting, and about
once a second while a push round delivers records, so a systemd watchdog ping can hang off it.
A single request can hold the loop for up to `platform.timeout_seconds` x 4 tries plus backoff;
WatchdogSec must allow for that.
"""

from __future__ import annotations

import ipaddress
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping

from sync import api, downlink, forms
from sync.auth import read_secret
from sync.client import ClientSettings, PlatformClient
from sync.httpserver import ServerThread, parse_listen
from sync.outbox import Outbox
from sync.push import Pusher
from terminal import events
from terminal.config import Config
from terminal.errors import ConfigError, PlatformError, TerminalError

log = logging.getLogger(__name__)

TICK_SECONDS = 5.0
CATALOG_CHECK_SECONDS = 3600.0
HEARTBEAT_SECONDS = 300.0
ALARM_CHECK_SECONDS = 3600.0


def start_pull_api(config: Config, outbox: Outbox) -> ServerThread | None:
    """Serve the pull API if `sync_api.credentials` is set; TLS is required off loopback."""
    settings = config.sync_api
    if settings.credentials is None:
        log.info("pull_api.off reason=no_credentials")
        return None
    host, port = parse_listen(settings.listen)
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not (settings.tls_cert and settings.tls_key):
        raise ConfigError(f"sync_api.listen {settings.listen} is not a loopback address: "
                          "set sync_api.tls_cert and sync_api.tls_key so personal data never crosses the network in clear")
    app = api.create_app(outbox, config.terminal.id, read_secret(settings.credentials, "sync_api.credentials"))
    server = ServerThread(app, host, port, certfile=settings.tls_cert, keyfile=settings.tls_key).start()
    log.info("pull_api.listening address=%s tls=%s", settings.listen, bool(settings.tls_cert))
    return server


class SyncService:
    """Owns the push client and the periodic platform jobs for one terminal."""

    def __init__(self, config: Config, outbox: Outbox, *, device_status: Callable[[], Mapping[str, str]] | None = None,
                 stop: threading.Event | None = None) -> None:
        self.config = config
        self.outbox = outbox
        self.stop = stop or threading.Event()
        self.device_status = device_status
        self.client = PlatformClient(ClientSettings.from_config(config), self.stop) if config.platform.url else None
        self.pusher = Pusher(outbox, self.client, retry_base=config.platform.push_interval_seconds) \
            if self.client else None
        self.api_server: ServerThread | None = None

    def healthy(self) -> bool:
        """For the watchdog: the pull API (when configured) still serves; ticking proves the loop lives."""
        return self.api_server is None or self.api_server.thread.is_alive()

    def _every(self, last: dict[str, float], name: str, period: float, job: Callable[[], object]) -> None:
        now = time.monotonic()
        if now - last.get(name, -period) < period:
            return
        last[name] = now
        try:
            job()
        except (PlatformError, downlink.CatalogRefused) as error:
            log.warning("sync.job_failed job=%s problem=%s", name, error.message)

    def _catalog(self) -> None:
        assert self.client is not None
        downlink.fetch_catalog(self.client, self.config.terminal.region, self.config.platform.catalog_keys,
                               self.config.storage.data_dir)

    def _forms(self) -> None:
        """After the catalog check: the forms the installed catalog names (sync.forms)."""
        assert self.client is not None
        forms.update_forms(self.client, self.config.terminal.region, self.config.platform.catalog_keys,
                           self.config.storage.data_dir)

    def _alarms(self) -> None:
        """Undelivered cases near or past the retention limit go to the event log, hourly while they last
        (network down or not: the technician's event list and report show them)."""
        for alarm in self.outbox.stats().alarms:
            if "retention_days" in alarm.details:
                events.record(events.EventId.RETENTION_ALARM, level=alarm.level, **alarm.details)

    def _heartbeat(self) -> None:
        assert self.client is not None
        devices = self.device_status() if self.device_status else {}
        version = downlink.installed_version(self.config.storage.data_dir, self.config.terminal.region)
        downlink.send_heartbeat(self.client, downlink.heartbeat_body(self.config.terminal.id, self.outbox, devices,
                                                                     catalog_version=version))

    def _round(self, last: dict[str, float], tick: Callable[[], object]) -> float | None:
        """One pass of the jobs; returns seconds until a record is due. A read-only or failing disk
        is reported (log, event, alarm in diag) and retried later: the loop and the pull API stay up."""
        try:
            self._every(last, "alarms", ALARM_CHECK_SECONDS, self._alarms)
            if self.outbox.read_only:
                self._every(last, "read_only", ALARM_CHECK_SECONDS, self._report_read_only)
                return None  # nothing could be marked delivered: pushing would only resend
            self._every(last, "housekeeping", CATALOG_CHECK_SECONDS, self.outbox.recover)
            if self.pusher:
                self._every(last, "heartbeat", HEARTBEAT_SECONDS, self._heartbeat)
                self._every(last, "catalog", CATALOG_CHECK_SECONDS, self._catalog)
                self._every(last, "forms", CATALOG_CHECK_SECONDS, self._forms)
                self.pusher.round(on_record=tick)
            return self.outbox.next_due_in()
        except (sqlite3.Error, OSError, TerminalError) as error:
            problem = error.message if isinstance(error, TerminalError) else f"{type(error).__name__}: {error}"
            log.error("sync.round_failed problem=%s", problem)
            events.record(events.EventId.PUSH_FAILED, problem=problem)
            return None

    def _report_read_only(self) -> None:
        log.error("sync.read_only data_dir=%s", self.config.storage.data_dir)
        events.record(events.EventId.DISK_LOW, problem="the data partition is read-only")

    def run(self, on_tick: Callable[[], object] | None = None) -> None:
        """Main loop until `stop` is set. `on_tick` is the hook for watchdog pings."""
        tick = on_tick or (lambda: None)
        last: dict[str, float] = {}
        self.api_server = api_server = start_pull_api(self.config, self.outbox)
        try:
            while not self.stop.is_set():
                tick()
                due = self._round(last, tick)
                pause = self.config.platform.push_interval_seconds if due is None else \
                    min(max(due, 0.2), self.config.platform.push_interval_seconds)
                deadline = time.monotonic() + pause
                while not self.stop.is_set() and time.monotonic() < deadline:
                    self.stop.wait(min(TICK_SECONDS, deadline - time.monotonic()))
                    tick()
        finally:
            if api_server:
                api_server.stop()
            if self.client:
                self.client.close()
