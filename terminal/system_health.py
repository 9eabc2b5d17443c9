"""The "system" check: version, uptime, disk, memory, temperature, throttling, clock.

Reads Linux files directly so that it works over SSH with nothing else installed; every value
that cannot be read on this machine (no thermal zone on a laptop, no SD wear counters) is
reported as null rather than guessed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from pathlib import Path

from terminal import __version__
from terminal.config import Config, DataDirUnusable, ensure_data_dir
from terminal.devices import DeviceAddress
from terminal.diagnostics import CheckResult, Status

TEMPERATURE_WARNING_C = 75.0  # the Pi throttles at 80 °C
MEMORY_WARNING_FRACTION = 0.10


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except OSError:
        return None


def meminfo() -> dict[str, int]:
    """/proc/meminfo in kB."""
    values: dict[str, int] = {}
    for line in (_read("/proc/meminfo") or "").splitlines():
        name, _, rest = line.partition(":")
        if rest.split():
            values[name] = int(rest.split()[0])
    return values


def cpu_temperature_c() -> float | None:
    raw = _read("/sys/class/thermal/thermal_zone0/temp")
    return int(raw) / 1000 if raw and raw.lstrip("-").isdigit() else None


def throttled() -> str | None:
    """Raspberry Pi firmware throttling flags (`vcgencmd get_throttled`), e.g. "0x0"."""
    if not shutil.which("vcgencmd"):
        return None
    out = subprocess.run(["vcgencmd", "get_throttled"], capture_output=True, text=True, timeout=5)
    return out.stdout.strip().partition("=")[2] or None


def clock_synchronized() -> bool | None:
    """True when systemd-timesyncd (or chrony via timedatectl) says the clock is synchronised."""
    if Path("/run/systemd/timesync/synchronized").exists():
        return True
    if not shutil.which("timedatectl"):
        return None
    out = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
                         capture_output=True, text=True, timeout=5)
    return {"yes": True, "no": False}.get(out.stdout.strip())


def sd_wear() -> str | None:
    """eMMC/SD life-time estimate where the card exposes it (0x01 = 0-10 % used ... 0x0b = worn out)."""
    return _read("/sys/block/mmcblk0/device/life_time")


def check(config: Config, address: DeviceAddress | None, options: argparse.Namespace) -> CheckResult:
    """Overall health of the computer the terminal runs on."""
    data_dir = config.storage.data_dir
    probe = data_dir if data_dir.exists() else Path(data_dir.anchor or "/")
    disk = shutil.disk_usage(probe)
    memory = meminfo()
    uptime = _read("/proc/uptime")
    temperature = cpu_temperature_c()
    details = {
        "version": __version__,
        "uptime_seconds": int(float(uptime.split()[0])) if uptime else None,
        "disk_free_mb": disk.free // 2**20,
        "disk_total_mb": disk.total // 2**20,
        "disk_min_free_mb": config.storage.min_free_mb,
        "sd_life_time": sd_wear(),
        "memory_total_kb": memory.get("MemTotal"),
        "memory_available_kb": memory.get("MemAvailable"),
        "cpu_temperature_c": temperature,
        "throttled": throttled(),
        "clock": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "clock_synchronized": clock_synchronized(),
    }
    problems: list[tuple[str, str]] = []
    try:
        ensure_data_dir(config.storage, writable=True)
        details["data_dir_writable"] = True
    except DataDirUnusable as unusable:
        details["data_dir_writable"] = False
        details["data_dir_problem"] = unusable.message
        problems.append(("fault", "数据目录不可写，终端不能保存新申请，请检查存储卡或配置项 storage.data_dir。"))
    if disk.free // 2**20 < config.storage.min_free_mb:
        problems.append(("fault", "存储空间不足，终端已停止受理新申请，请清理或更换存储卡。"))
    if temperature is not None and temperature >= TEMPERATURE_WARNING_C:
        problems.append(("warning", f"处理器温度偏高（{temperature:.0f}°C），请检查散热。"))
    if details["throttled"] not in (None, "0x0"):
        problems.append(("warning", "处理器曾因供电或温度降频，请检查电源适配器。"))
    if memory.get("MemAvailable") and memory.get("MemTotal") and \
            memory["MemAvailable"] < MEMORY_WARNING_FRACTION * memory["MemTotal"]:
        problems.append(("warning", "可用内存不足，请重启终端。"))
    if details["clock_synchronized"] is False:
        problems.append(("warning", "系统时间未与网络校准，回执上的时间可能不准。"))
    if not problems:
        return CheckResult("system", "ok", "系统运行正常。", details)
    status: Status = "fault" if any(level == "fault" for level, _ in problems) else "warning"
    return CheckResult("system", status, " ".join(text for _, text in problems), details)
