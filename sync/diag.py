"""Technician checks `outbox` and `network` for `terminal diag` and the diagnostics screen."""

from __future__ import annotations

import argparse
import dataclasses
import sqlite3

import requests

from sync.client import ClientSettings, PlatformClient
from sync.outbox import Outbox
from terminal.config import Config
from terminal.devices import DeviceAddress
from terminal.diagnostics import CheckResult
from terminal.errors import TerminalError


def check_outbox(config: Config, address: DeviceAddress | None, options: argparse.Namespace) -> CheckResult:
    """Counts per state, oldest undelivered record, alarms, and the database integrity."""
    try:
        outbox = Outbox.from_config(config)
        stats = outbox.stats()
        integrity = outbox.verify().integrity if getattr(options, "read", False) else "not checked (--read checks)"
        outbox.close()
    except TerminalError as error:
        return CheckResult("outbox", "fault", error.advice_zh, {"problem": error.message})
    except (OSError, sqlite3.Error) as error:
        return CheckResult("outbox", "fault", "待发送队列无法打开，请联系技术人员。", {"problem": str(error)})
    details = {**stats.to_json(), "integrity": integrity}
    faults = [a for a in stats.alarms if a.level == "fault"]
    if faults or integrity not in ("ok", "not checked (--read checks)"):
        return CheckResult("outbox", "fault", faults[0].summary_zh if faults else "待发送队列数据库损坏，请联系技术人员。",
                           details)
    if stats.alarms:
        return CheckResult("outbox", "warning", stats.alarms[0].summary_zh, details)
    waiting = stats.counts["queued"] + stats.counts["sending"]
    return CheckResult("outbox", "ok", f"待发送队列正常，{waiting} 件等待提交。", details)


def check_network(config: Config, address: DeviceAddress | None, options: argparse.Namespace) -> CheckResult:
    """Can the platform be reached with TLS verified? Any HTTP answer counts as reachable."""
    if not config.platform.url:
        return CheckResult("network", "absent", "没有配置政务服务平台地址，推送已关闭。", {})
    try:
        settings = dataclasses.replace(ClientSettings.from_config(config), attempts=1)
    except TerminalError as error:
        return CheckResult("network", "fault", error.advice_zh, {"problem": error.message})
    client = PlatformClient(settings)
    try:
        with client.session() as session:
            response = session.head(settings.base_url + "/v1/", timeout=client.timeout, verify=client.verify,
                                    cert=client.cert)
    except requests.exceptions.SSLError:
        return CheckResult("network", "fault", "与政务服务平台的安全连接校验失败，请检查证书配置。", {"url": settings.base_url})
    except requests.RequestException as error:
        return CheckResult("network", "fault", "连不上政务服务平台，请检查网络。",
                           {"url": settings.base_url, "problem": type(error).__name__})
    finally:
        client.close()
    return CheckResult("network", "ok", "政务服务平台可以连接。",
                       {"url": settings.base_url, "http_status": response.status_code,
                        "seconds": round(response.elapsed.total_seconds(), 3)})
