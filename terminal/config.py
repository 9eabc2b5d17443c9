"""One configuration for every part of the terminal.

The schema is the dataclasses below: each field's default is the embedded default and its
metadata says what it means and what is allowed. A TOML file (`--config` or `TERMINAL_CONFIG`)
overrides any subset; unknown keys and bad values are refused at start, naming the key, the value
and what is allowed. `docs/configuration.md` documents every key (a test keeps it complete).
"""

from __future__ import annotations

import dataclasses
import errno
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from terminal.devices import DeviceAddress, parse_address
from terminal.errors import ConfigError

ENV_VAR = "TERMINAL_CONFIG"
MAX_FILE_BYTES = 1024 * 1024  # a real configuration is a few KB


def setting(default: Any, doc: str, *, choices: tuple[Any, ...] | None = None, minimum: float | None = None,
            maximum: float | None = None, pattern: str | None = None) -> Any:
    """A configuration key: its default, what it means and what values it may take."""
    meta = {"doc": doc, "choices": choices, "minimum": minimum, "maximum": maximum, "pattern": pattern}
    if isinstance(default, (list, tuple)):
        return field(default_factory=lambda: tuple(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class TerminalSettings:
    id: str = setting("T0001", "Terminal code, 4-8 capital letters or digits; begins every case number.",
                      pattern=r"^[A-Z0-9]{4,8}$")
    name: str = setting("24小时自助服务终端", "Name shown on screen and printed on receipts.")
    center_name: str = setting("示范镇便民服务中心", "The service center this terminal stands in.")
    region: str = setting("jiyuan", "Which item catalog the terminal offers.", choices=("jiyuan", "yanshi"))
    language: str = setting("zh_CN", "Language of the screens.", choices=("zh_CN",))
    consult_phone: str = setting("0391-6600000", "Consultation phone printed on receipts and guides.")
    complaint_phone: str = setting("12345", "Complaint phone (12345 hotline by default).")
    progress_url: str = setting("https://zwfw.example.gov.cn/progress?case={case_no}",
                                "Progress page encoded in receipt QR codes; {case_no} is replaced.")


@dataclass(frozen=True)
class DisplaySettings:
    font: str = setting("", "Path of a CJK font file (it must draw Chinese); empty searches the system "
                                 "(WenQuanYi, Noto CJK).")
    fullscreen: bool = setting(True, "Kiosk full screen; `terminal run --windowed` overrides it for a laptop.")
    width: int = setting(1280, "Window width in pixels when not full screen.", minimum=320, maximum=7680)
    height: int = setting(800, "Window height in pixels when not full screen.", minimum=240, maximum=4320)
    dpi: int = setting(160, "Last fallback for sizes in mm: screen density, used only when neither EDID nor "
                            "`diagonal_inches` give the panel's size.", minimum=60, maximum=600)
    diagonal_inches: float = setting(0.0, "Diagonal of the panel in inches, for sizes in mm when the system "
                                          "does not report the panel's size (EDID); 0 = not set.",
                                     minimum=0.0, maximum=100.0)
    edid: bool = setting(True, "Read the panel's physical size from EDID (/sys/class/drm/*/edid) when the "
                               "system exposes it; it wins over `diagonal_inches` and `dpi`.")
    elderly_default: bool = setting(False, "Start every session in elderly mode (长辈模式).")
    elderly_font_scale: float = setting(1.5, "Text size factor in elderly mode.", minimum=1.5, maximum=3.0)
    high_contrast: bool = setting(False, "Use the high-contrast theme for everyone.")
    speech: bool = setting(True, "Speak prompts aloud (offline espeak-ng) in elderly mode.")


@dataclass(frozen=True)
class TimeoutSettings:
    idle_seconds: int = setting(90, "Idle time before the 'still there?' countdown.", minimum=15, maximum=3600)
    idle_warning_seconds: int = setting(20, "Length of the countdown before the session is wiped.",
                                        minimum=5, maximum=120)
    elderly_idle_seconds: int = setting(180, "Idle time in elderly mode.", minimum=30, maximum=3600)
    card_wait_seconds: int = setting(60, "How long the identify screen waits for a card.", minimum=10, maximum=600)
    device_seconds: float = setting(3.0, "Time a device has to answer one request.", minimum=0.1, maximum=60)
    attract_seconds: int = setting(120, "Idle time on an empty home screen before the attract screen shows.",
                                   minimum=10, maximum=3600)
    blank_seconds: int = setting(600, "Idle time on an empty home screen before the screen goes black.",
                                 minimum=10, maximum=86400)


@dataclass(frozen=True)
class IdCardSettings:
    address: DeviceAddress = setting("sim", "The ID-card reader (SAM, GA/T 467): sim, serial path/URL or tcp://.")
    poll_interval_ms: int = setting(300, "Interval between find-card polls.", minimum=50, maximum=5000)


@dataclass(frozen=True)
class SmartCardSettings:
    address: DeviceAddress = setting("sim", "The PC/SC reader for technician cards: sim or pcsc://READER-NAME.")


@dataclass(frozen=True)
class CameraSettings:
    address: DeviceAddress = setting("sim", "The document camera: sim, camera://0, camera:///dev/video0, file:///dir.")
    preview_width: int = setting(1280, "Preview frame width.", minimum=160, maximum=4096)
    preview_height: int = setting(960, "Preview frame height.", minimum=120, maximum=3072)
    capture_width: int = setting(2592, "Full-resolution still width.", minimum=320, maximum=8192)
    capture_height: int = setting(1944, "Full-resolution still height.", minimum=240, maximum=6144)
    page_budget_kb: int = setting(350, "Largest JPEG per scanned page.", minimum=50, maximum=5000)
    page_dpi: int = setting(200, "Resolution of corrected pages.", minimum=100, maximum=600)


@dataclass(frozen=True)
class PrinterSettings:
    address: DeviceAddress = setting("sim", "The receipt printer: sim, serial, tcp://HOST:9100, usb://VID:PID.")
    paper_width_mm: int = setting(80, "Paper roll width.", choices=(58, 80))
    chinese_mode: str = setting("gb18030", "How Chinese is printed: printer font (GB18030 after FS &) or raster.",
                                choices=("gb18030", "raster"))
    print_speed_mm_s: int = setting(100, "Slowest print speed to expect; the driver waits this long for a slip before "
                                    "its after-job status check (0: do not wait).", minimum=0, maximum=500)


@dataclass(frozen=True)
class KeypadSettings:
    address: DeviceAddress = setting("sim", "The rating keypad (好差评): sim, serial path/URL, or usb://VID:PID (HID).")


@dataclass(frozen=True)
class A4PrinterSettings:
    address: DeviceAddress | None = setting(
        "", "The A4 printer (打印复印): empty for none (复印 and 打印证明 hidden), sim, or its IPP address: a CUPS "
            "queue ipp://localhost:631/printers/NAME or an IPP Everywhere printer ipp://HOST:631/ipp/print.")
    job_timeout_seconds: int = setting(120, "Longest a print job may take; a job not completed by then is canceled "
                                            "and not counted as printed.", minimum=10, maximum=1800)
    guide_url: str = setting("https://zwfw.example.gov.cn/guide?item={item_id}",
                             "Online guide encoded in the QR of the 一次性告知单; {item_id} is replaced.")
    copy_pages_per_card_per_day: int = setting(10, "Copy pages one ID card may print per day (复印).",
                                               minimum=0, maximum=1000)
    copy_pages_per_terminal_per_day: int = setting(300, "Copy pages this terminal prints per day for everyone.",
                                                   minimum=0, maximum=100000)


@dataclass(frozen=True)
class DeviceSettings:
    idcard: IdCardSettings = field(default_factory=IdCardSettings)
    smartcard: SmartCardSettings = field(default_factory=SmartCardSettings)
    camera: CameraSettings = field(default_factory=CameraSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    keypad: KeypadSettings = field(default_factory=KeypadSettings)
    a4printer: A4PrinterSettings = field(default_factory=A4PrinterSettings)


@dataclass(frozen=True)
class StorageSettings:
    data_dir: Path = setting("~/.local/share/gov-terminal",
                             "Writable folder for the outbox, keys, logs and case numbers; an absolute path (or "
                             "~/...). Its parent must exist (only the default is created with its parents).")
    retention_days: int = setting(30, "Undelivered cases older than this raise a technician alarm.",
                                  minimum=1, maximum=365)
    min_free_mb: int = setting(200, "New cases are refused when less disk than this is free.", minimum=10)


@dataclass(frozen=True)
class PlatformSettings:
    url: str = setting("", "Base HTTPS URL of the central platform; empty means push is off.",
                       pattern=r"^(|https?://\S+)$")
    credentials: Path | None = setting("", "File with this terminal's platform credentials (token or key).")
    ca_bundle: Path | None = setting("", "CA bundle for the platform's TLS certificate; empty uses the system's.")
    client_cert: Path | None = setting("", "Client certificate for mutual TLS (PEM), if the platform asks for one.")
    client_key: Path | None = setting("", "Key of the client certificate (PEM).")
    catalog_keys: tuple[str, ...] = setting((), "Ed25519 public keys (base64) that may sign catalog updates.")
    timeout_seconds: float = setting(15.0, "Time one HTTP request may take.", minimum=1, maximum=300)
    push_interval_seconds: int = setting(30, "Pause between push rounds.", minimum=1, maximum=3600)
    bandwidth_kbps: int = setting(0, "Upload cap in kilobytes per second; 0 is no cap.", minimum=0)


@dataclass(frozen=True)
class SyncApiSettings:
    listen: str = setting("127.0.0.1:8700", "Address of the pull API the central server calls.",
                          pattern=r"^\[?[0-9A-Za-z.:]+\]?:[0-9]{1,5}$")
    credentials: Path | None = setting("", "File with the shared secret that signs the central server's pull "
                                           "tokens; empty turns the pull API off.")
    tls_cert: Path | None = setting("", "Server certificate (PEM) of the pull API; required unless it listens "
                                        "on a loopback address.")
    tls_key: Path | None = setting("", "Private key (PEM) of the pull API certificate.")


@dataclass(frozen=True)
class PrivacySettings:
    name_mask: str = setting("alternate", "How names are masked: 测*样* (alternate) or 测** (first).",
                             choices=("alternate", "first"))


@dataclass(frozen=True)
class ConsentSettings:
    """The texts a citizen agrees to before the card is read, and signs under (PIPL art. 14, 17, 29).
    Each has a version that goes with the case, so the platform knows which words were agreed to."""

    notice_version: str = setting("2026-12-1", "Version of the consent notice below; change it whenever its "
                                  "words change (it is recorded with every case).", pattern=r"^[A-Za-z0-9._-]{1,32}$")
    notice: str = setting(
        "收集什么：身份证上的信息（姓名、性别、民族、出生日期、住址、证件号码；照片只用于读卡核验，不保存）、"
        "您输入的联系电话和收件地址、您扫描的材料和您的签名。\n"
        "做什么用：只用于受理和办理您这次的申请。\n"
        "交给谁：经政务服务平台交给{center}和承办部门。\n"
        "保存多久：加密保存在本机，政务服务平台确认收到后即从本机删除；您离开或超时后，屏幕上的信息立即清除。",
        "Consent notice shown before the first card read: what is collected, why, for how long and who "
        "receives it. {center} is replaced by terminal.center_name.")
    sensitive: str = setting(
        "身份证号码、证件照片和签名属于敏感个人信息。我单独同意为办理本次申请处理这些信息。",
        "Separate consent to sensitive personal information (PIPL art. 29), a second tick on the notice.")
    declaration_version: str = setting("2026-12-1", "Version of the declaration below (recorded with every case).",
                                       pattern=r"^[A-Za-z0-9._-]{1,32}$")
    declaration: str = setting(
        "本人承诺：所填写的信息和提交的材料真实、完整、有效；如有虚假，愿意承担相应的法律责任。",
        "本人承诺 shown above the signature on the review screen.")


@dataclass(frozen=True)
class RatingSettings:
    bad_reasons: tuple[str, ...] = setting(
        ("等候时间太长", "操作步骤复杂", "设备出了故障", "办事指南说得不清楚", "材料要求太多", "没有人帮忙"),
        "Reasons a citizen picks from for 不满意 and 非常不满意 (好差评); the platform follows them up.")
    channel: str = setting("现场", "Rating channel reported to the platform (现场 for an on-site terminal).")


@dataclass(frozen=True)
class AccessibilitySettings:
    keypad_keys: tuple[str, ...] = setting(
        ("up", "down", "select", "back", "repeat"),
        "What the rating keypad's keys 1-5 do in audio navigation (语音导航): up, down, select, back, repeat, "
        "louder, quieter. A key pressed outside the rating screen turns audio navigation on.")
    tactile_keys: tuple[str, ...] = setting(
        ("up", "down", "enter", "backspace"),
        "The 4-key tactile pad (a USB keyboard device): the key names it sends for up, down, select and back.")
    headphone_jack: str = setting(
        "alsa", "Where headphones are detected (they turn audio navigation on): alsa (the sound card's "
        "'Headphone Jack' control), off, or a file holding 1 or 0 (a GPIO switch).")


@dataclass(frozen=True)
class CalendarSettings:
    extra_holidays: tuple[date, ...] = setting((), "Official days off the calendar package does not know yet.")
    extra_workdays: tuple[date, ...] = setting((), "Adjusted working days (调休) the package does not know yet.")


@dataclass(frozen=True)
class CenterSettings:
    """Where and when the service center's staff are: shown on the home screen, on items the terminal
    cannot take (no guide here), on 帮办代办 and on the slips."""

    address: str = setting("示范镇便民服务中心一楼大厅（示范路1号）", "Where the center's windows are, as people "
                           "read it on the screen and on slips.")
    office_hours: tuple[str, ...] = setting(("08:30-12:00", "14:30-17:30"),
                                            "Opening periods of a working day, HH:MM-HH:MM in order; which days "
                                            "are working days follows [calendar]. Empty: hours are not shown.")
    assisted_items: tuple[str, ...] = setting(
        ("社会保障卡申领", "城乡居民养老保险参保登记、待遇申领", "城乡居民医疗保险参保登记", "残疾人证办理",
         "老年人优待证申领", "最低生活保障、特困供养、临时救助申请", "生育登记服务证申领", "老年人福利补贴（高龄津贴）",
         "农村危房改造申请", "个体工商户设立登记"),
        "The published 帮办代办事项清单: items staff do with or for people (shown on 帮办代办).")
    callback_times: tuple[str, ...] = setting(("上午", "下午", "任何时间"),
                                              "Times a citizen can choose for a call-back (预约 / 请工作人员联系我).")

    def __post_init__(self) -> None:
        from terminal.office import parse_periods  # the one parser of periods; raises ConfigError

        parse_periods(self.office_hours)
        if not self.callback_times:
            raise ConfigError("configuration key center.callback_times: list at least one time")


@dataclass(frozen=True)
class ComplaintSettings:
    """有诉即办: the categories offered (none chosen for the person) and the reply time promised per category."""

    categories: tuple[str, ...] = setting(("办不成事", "等候时间", "设备故障", "服务态度", "其他"),
                                          "Categories of 我要投诉, in the order shown; the citizen must pick one.")
    reply_time: str = setting("当日或次日", "Reply time promised for a category not listed in reply_times "
                                       "(Yanshi's rule: 一般投诉当日或者次日给予答复).")
    reply_times: tuple[str, ...] = setting((), "Per-category reply times as 类别=答复时限, e.g. "
                                               "\"办不成事=当日\"; the category must be one of categories.")

    def __post_init__(self) -> None:
        if not self.categories:
            raise ConfigError("configuration key complaints.categories: list at least one category")
        for entry in self.reply_times:
            category, sep, reply = entry.partition("=")
            if not sep or category not in self.categories or not reply.strip():
                raise ConfigError(f"configuration key complaints.reply_times: {entry!r} must be 类别=答复时限 with a "
                                  "category from complaints.categories")

    def reply_for(self, category: str) -> str:
        """The reply time promised for `category`."""
        for entry in self.reply_times:
            name, _, reply = entry.partition("=")
            if name == category:
                return reply.strip()
        return self.reply_time


@dataclass(frozen=True)
class TechnicianSettings:
    allow_pin_only: bool = setting(False, "Let technicians in with the PIN alone (`terminal tech enroll-pin`) when "
                                          "no technician card is on the reader; for terminals without a card reader.")
    idle_seconds: int = setting(300, "Diagnostics mode closes itself after this long without a touch.",
                                minimum=30, maximum=3600)
    hold_seconds: float = setting(3.0, "How long the hidden top-left corner must be held to open the PIN pad.",
                                  minimum=2.0, maximum=10.0)


@dataclass(frozen=True)
class Config:
    terminal: TerminalSettings = field(default_factory=TerminalSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)
    timeouts: TimeoutSettings = field(default_factory=TimeoutSettings)
    devices: DeviceSettings = field(default_factory=DeviceSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    platform: PlatformSettings = field(default_factory=PlatformSettings)
    sync_api: SyncApiSettings = field(default_factory=SyncApiSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    rating: RatingSettings = field(default_factory=RatingSettings)
    accessibility: AccessibilitySettings = field(default_factory=AccessibilitySettings)
    consent: ConsentSettings = field(default_factory=ConsentSettings)
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    technician: TechnicianSettings = field(default_factory=TechnicianSettings)
    center: CenterSettings = field(default_factory=CenterSettings)
    complaints: ComplaintSettings = field(default_factory=ComplaintSettings)


def _is_section(kind: Any) -> bool:
    return dataclasses.is_dataclass(kind) and kind is not DeviceAddress


def iter_keys(cls: type = Config, prefix: str = "") -> Iterator[tuple[str, dataclasses.Field[Any], type]]:
    """Every leaf key as (dotted name, field, type), for validation and for the documentation."""
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        name = f"{prefix}{f.name}"
        if _is_section(hints[f.name]):
            yield from iter_keys(hints[f.name], name + ".")
        else:
            yield name, f, hints[f.name]


def _convert(key: str, value: Any, f: dataclasses.Field[Any], kind: Any) -> Any:
    meta = f.metadata

    def bad(allowed: str) -> ConfigError:
        return ConfigError(f"configuration key {key} = {value!r} is not allowed: {allowed}")

    optional = type(None) in get_args(kind)
    if optional:  # optional path: empty string means "not set"
        if value in ("", None):
            return None
        kind = next(k for k in get_args(kind) if k is not type(None))
    if get_origin(kind) is tuple:
        if not isinstance(value, (list, tuple)):
            raise bad("expected a list")
        item_kind = get_args(kind)[0]
        return tuple(_convert(f"{key}[{i}]", v, dataclasses.field(metadata={}), item_kind) for i, v in enumerate(value))
    if kind is bool:
        if not isinstance(value, bool):
            raise bad("expected true or false")
    elif kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
            raise bad(f"expected {'a whole number' if kind is int else 'a number'}")
        value = kind(value)
        if not math.isfinite(value):
            raise bad("a finite number (not inf or nan)")
        if meta.get("minimum") is not None and value < meta["minimum"]:
            raise bad(f"at least {meta['minimum']}")
        if meta.get("maximum") is not None and value > meta["maximum"]:
            raise bad(f"at most {meta['maximum']}")
    elif kind is date:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise bad("expected a date such as 2027-10-01") from None
        if not isinstance(value, date):
            raise bad("expected a date such as 2027-10-01")
    elif kind in (str, Path, DeviceAddress):
        if not isinstance(value, str):
            raise bad("expected a string")
        if any(ord(c) < 32 or ord(c) == 127 for c in value) and kind is not str:
            raise bad("no control characters (a path or address is one line of printable text)")
        if meta.get("pattern") and not re.fullmatch(meta["pattern"], value):
            raise bad(f"must match {meta['pattern']}")
        if kind is Path and not optional:  # a required folder: "" or a relative path means the current directory
            if not value.strip() or not Path(value).expanduser().is_absolute():
                raise bad("an absolute folder path such as /var/lib/gov-terminal/data (an empty or relative "
                          "path would put keys and cases in whatever directory the command was started from)")
        if kind is Path:
            return Path(value).expanduser()
        if kind is DeviceAddress:
            try:
                return parse_address(value, key.split(".")[1])
            except ConfigError as e:
                raise ConfigError(f"configuration key {key}: {e.message}") from None
    if meta.get("choices") and value not in meta["choices"]:
        raise bad("one of " + ", ".join(map(str, meta["choices"])))
    return value


def _build(cls: type, data: dict[str, Any], prefix: str) -> Any:
    hints = get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for name in data:
        if name not in known:
            raise ConfigError(f"unknown configuration key {prefix}{name}; allowed here: {', '.join(known)}")
    values: dict[str, Any] = {}
    for name, f in known.items():
        kind = hints[name]
        key = prefix + name
        if _is_section(kind):
            section = data.get(name, {})
            if not isinstance(section, dict):
                raise ConfigError(f"configuration key {key} must be a table [{key}]")
            values[name] = _build(kind, section, key + ".")
        else:
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            values[name] = _convert(key, data.get(name, default), f, kind)
    return cls(**values)


def from_dict(data: dict[str, Any]) -> Config:
    """Build and validate a configuration from parsed TOML."""
    config: Config = _build(Config, data, "")
    return config


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Load `path`, else the file named by TERMINAL_CONFIG, else the embedded defaults."""
    path = path or os.environ.get(ENV_VAR)
    if not path:
        return from_dict({})
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ConfigError(f"configuration file {path} is larger than {MAX_FILE_BYTES // 1024} KB; "
                              f"point --config or ${ENV_VAR} at the terminal's TOML file")
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist; check --config or ${ENV_VAR}") from None
    except OSError as e:  # a directory, a symbolic-link loop, no permission
        why = "is a symbolic link that loops" if e.errno == errno.ELOOP else f"cannot be read ({e.strerror})"
        raise ConfigError(f"configuration file {path} {why}; point --config or ${ENV_VAR} at a readable "
                          "TOML file") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"configuration file {path} is not UTF-8 text (bad byte at offset {e.start}); "
                          "save it as UTF-8") from None
    except (tomllib.TOMLDecodeError, RecursionError) as e:  # RecursionError: brackets nested thousands deep
        raise ConfigError(f"configuration file {path} is not valid TOML: {e}") from None
    except ValueError as e:  # after its subclasses above: a NUL byte in the file name
        raise ConfigError(f"configuration file name {str(path)!r} is not usable ({e})") from None
    return from_dict(data)


class DataDirUnusable(ConfigError):
    """`storage.data_dir` is not a folder this process can use."""

    advice_zh = "终端数据目录不可用，请联系技术人员检查存储卡和配置项 storage.data_dir。"


def ensure_data_dir(storage: StorageSettings, *, writable: bool) -> Path:
    """The data folder, created if only its last part is missing; raises DataDirUnusable in words.

    A configured folder whose parent is missing is refused rather than created: on the appliance
    that means the data partition is not mounted, and the root file system must not fill up
    instead. Only the built-in default (a developer's home) is created with its parents.
    `writable` also proves a file can be created there (the kiosk and the sync service write): a
    folder the terminal's user has no right to write is a configuration error; a read-only or full
    partition is not, since delivery, `verify` and diag must keep working through it.
    """
    path = storage.data_dir
    key = f"storage.data_dir = {str(path)!r}"
    default = Path(StorageSettings().data_dir).expanduser()
    try:
        exists, is_dir, parent_is_dir = path.exists(), path.is_dir(), path.parent.is_dir()
    except OSError as e:  # a name too long, a folder on the way that may not be searched
        raise DataDirUnusable(f"{key} cannot be looked at ({e.strerror}); correct storage.data_dir") from None
    if exists and not is_dir:
        raise DataDirUnusable(f"{key} is a file, not a folder; set storage.data_dir to a folder")
    if not exists:
        if path != default and not parent_is_dir:
            raise DataDirUnusable(f"{key}: its parent folder {path.parent} does not exist (is the data partition "
                                  "mounted?); mount or create it, or correct storage.data_dir")
        try:
            path.mkdir(mode=0o700, parents=path == default, exist_ok=True)
        except OSError as e:
            raise DataDirUnusable(f"{key} cannot be created ({e.strerror}); create it for the terminal's user or "
                                  "correct storage.data_dir") from None
    if writable:
        try:
            fd, probe = tempfile.mkstemp(dir=path, prefix=".write-test-")
            os.close(fd)
            os.unlink(probe)
        except OSError as e:
            if e.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT):
                return path  # a read-only or full partition is a fault the services run degraded through
            raise DataDirUnusable(f"{key} is not writable by this user ({e.strerror}); give the terminal's user "
                                  "(gov-terminal) write access to it, or correct storage.data_dir") from None
    return path


def with_simulated_devices(config: Config) -> Config:
    """The same configuration with every device replaced by its simulator (`--simulate`); a device
    that is not configured (the A4 printer with no address) stays absent."""
    sim = parse_address("sim")
    devices = config.devices
    replaced = {
        f.name: dataclasses.replace(getattr(devices, f.name), address=sim) for f in dataclasses.fields(devices)
        if getattr(devices, f.name).address is not None
    }
    replaced.setdefault("a4printer", devices.a4printer)
    return dataclasses.replace(config, devices=DeviceSettings(**replaced))
