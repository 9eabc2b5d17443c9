"""What the diagnostics screens do besides running checks: all blocking, all called off the UI thread.

Where to export a report (a USB stick if one is mounted), the screen backlight, the network as
the terminal sees it, a spoken test phrase, the short printed report, and the sync panel's facts.
None of it touches personal data.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from terminal.config import Config
from terminal.events import EVENTS
from terminal.receipts import ReceiptDocument, Row, Rule, SmallPrint, Text, Title

log = logging.getLogger(__name__)

MEDIA_ROOTS = (Path("/media"), Path("/run/media"))
BACKLIGHT_ROOT = Path("/sys/class/backlight")
STATUS_WORDS = {"ok": "正常", "warning": "注意", "fault": "故障", "absent": "未连接"}


# ---------------------------------------------------------------- the event files

EVENT_TAIL_BYTES = 256 * 1024  # read no more than this from the end of each file


def event_log_path(config: Config, process: str) -> Path:
    """Each process (kiosk, sync) writes its own rotating file: two writers never rotate one file."""
    return config.storage.data_dir / "logs" / f"events-{process}.jsonl"


def _tail_lines(path: Path) -> list[str]:
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - EVENT_TAIL_BYTES))
        data = fh.read()
    lines = data.decode("utf-8", errors="replace").splitlines()
    return lines[1:] if len(data) == EVENT_TAIL_BYTES else lines  # the first line may be cut


def _parse(lines: list[str]) -> list[dict[str, Any]]:
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "at" in entry and "id" in entry:
            entries.append(entry)
    return entries


def _key(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, ensure_ascii=False)


def recent_events(config: Config, limit: int = 200) -> list[dict[str, Any]]:
    """The newest events of every process on this terminal (their files) and of this one (memory), oldest first.

    This process's events are in memory and, when it writes a file, in the file too: an event from
    memory is added only as often as it occurs there more than in the files.
    """
    folder = config.storage.data_dir / "logs"
    paths = sorted(folder.glob("events-*.jsonl")) + sorted(folder.glob("events-*.jsonl.1")) if folder.is_dir() else []
    from_files = _parse([line for path in paths for line in _tail_lines(path)])
    in_files = collections.Counter(_key(entry) for entry in from_files)
    extra = []
    for entry in _parse([json.dumps(e.to_json(), ensure_ascii=False, default=str) for e in EVENTS.recent(limit)]):
        if in_files[_key(entry)] > 0:
            in_files[_key(entry)] -= 1
        else:
            extra.append(entry)
    return sorted(from_files + extra, key=lambda entry: str(entry["at"]))[-limit:]


# ---------------------------------------------------------------- report export


def removable_media(roots: tuple[Path, ...] = MEDIA_ROOTS, mounts: Path = Path("/proc/mounts")) -> list[Path]:
    """Mounted, writable folders under /media or /run/media (udisks and the kiosk's automount put sticks there)."""
    try:
        lines = mounts.read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) < 4:
            continue
        point = Path(fields[1].replace("\\040", " "))
        if any(point.is_relative_to(root) and point != root for root in roots) and "rw" in fields[3].split(","):
            if os.access(point, os.W_OK):
                found.append(point)
    return found


def report_destination(config: Config, now: datetime, media: list[Path] | None = None) -> Path:
    """The report's JSON path: on the first USB stick, else in the data folder's reports/."""
    media = removable_media() if media is None else media
    folder = media[0] if media else config.storage.data_dir / "reports"
    return folder / f"readiness-{config.terminal.id}-{now:%Y%m%d-%H%M%S}.json"


def readiness_slip(report: dict[str, Any], config: Config) -> ReceiptDocument:
    """The report in short for the receipt printer: one row per check, the verdict, no details."""
    blocks: list[Any] = [
        Title("终端状态报告"),
        Row("终端编号", config.terminal.id),
        Row("时间", report["generated_at"].replace("T", " ")[:19]),
        Row("版本", report["terminal"]["version"]),
        Rule(),
        *(Row(check["device"], STATUS_WORDS.get(check["status"], check["status"])) for check in report["checks"]),
        Rule(),
        Text("结论：" + ("可以使用" if report["ok"] else "有故障，需要处理"), bold=True),
        *(Text(f"{check['device']}: {check['summary']}") for check in report["checks"] if check["status"] == "fault"),
        SmallPrint("本报告不含任何个人信息。"),
    ]
    return ReceiptDocument("readiness_report", tuple(blocks))


# ---------------------------------------------------------------- screen brightness


@dataclass(frozen=True)
class Backlight:
    """One /sys/class/backlight device (the Raspberry Pi touch display has one)."""

    path: Path

    @property
    def maximum(self) -> int:
        return int((self.path / "max_brightness").read_text())

    @property
    def level(self) -> int:
        return int((self.path / "brightness").read_text())

    def set_percent(self, percent: float) -> int:
        """Never fully dark: at least 10 %, so a mistaken tap cannot leave a black screen."""
        level = max(1, round(self.maximum * min(100.0, max(10.0, percent)) / 100))
        (self.path / "brightness").write_text(str(level))
        return level


def find_backlight(root: Path = BACKLIGHT_ROOT) -> Backlight | None:
    try:
        devices = sorted(p for p in root.iterdir() if (p / "brightness").exists())
    except OSError:
        return None
    return Backlight(devices[0]) if devices else None


# ---------------------------------------------------------------- audio


def speak(text: str, *, timeout: float = 20.0) -> str:
    """Say `text` in Mandarin the way the kiosk does (the speech process, terminal/spoken.py);
    returns "ok" or what went wrong, in words."""
    if shutil.which("espeak-ng") is None:
        return "没有安装 espeak-ng"
    try:
        done = subprocess.run([sys.executable, "-m", "terminal.spoken"], input=json.dumps({"say": text}) + "\n",
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "语音程序没有在规定时间内结束"
    if done.returncode != 0:
        return "语音程序出错：" + done.stderr.strip()[-120:]
    voice = json.loads((done.stdout.splitlines() or ["{}"])[0] or "{}").get("voice", "")
    return "ok" if voice else "espeak-ng 没有普通话语音（cmn-latn-pinyin）"


# ---------------------------------------------------------------- network


def local_addresses() -> list[str]:
    """This terminal's IPv4/IPv6 addresses per interface ("eth0 192.168.1.20/24"), loopback left out."""
    try:
        done = subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True, timeout=5)
        interfaces = json.loads(done.stdout or "[]")
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return [f"{socket.gethostname()}"]
    return [f"{i['ifname']} {a['local']}/{a['prefixlen']}" for i in interfaces for a in i.get("addr_info", [])
            if i.get("ifname") != "lo" and a.get("scope") != "host"]


def resolve_platform(config: Config) -> dict[str, Any]:
    """The platform host name and what DNS says it is (or why it could not say)."""
    host = urlsplit(config.platform.url).hostname if config.platform.url else None
    if not host:
        return {"host": None, "dns": "没有配置平台地址"}
    try:
        answers = sorted({str(info[4][0]) for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)})
    except socket.gaierror as error:
        return {"host": host, "dns": f"解析失败 ({error.strerror})"}
    return {"host": host, "dns": ", ".join(answers)}


# ---------------------------------------------------------------- sync panel


def catalog_state(config: Config) -> dict[str, Any]:
    """Installed catalog version and when its signed update was accepted (0 / None: the shipped catalog)."""
    from sync.downlink import catalog_folder, installed_version

    region = config.terminal.region
    version = installed_version(config.storage.data_dir, region)  # first: it sets a corrupt stamp aside
    stamp = catalog_folder(config.storage.data_dir) / f"{region}.signature.json"
    accepted = None
    if stamp.exists():
        accepted = json.loads(stamp.read_text(encoding="utf-8")).get("accepted_at")
    return {"region": region, "version": version, "signed_at": accepted}


def push_now(config: Config) -> str:
    """One push round, as `terminal sync push` does; the outcome in a sentence."""
    from sync.client import ClientSettings, PlatformClient
    from sync.outbox import Outbox
    from sync.push import Pusher

    if not config.platform.url:
        return "没有配置政务服务平台地址，推送已关闭。"
    outbox = Outbox.from_config(config)
    client = PlatformClient(ClientSettings.from_config(config))
    try:
        result = Pusher(outbox, client).round()
        queued = outbox.stats().counts["queued"]
    finally:
        client.close()
        outbox.close()
    return f"已提交 {len(result.delivered)} 件，失败 {len(result.failed)} 件，仍在等待 {queued} 件。"
