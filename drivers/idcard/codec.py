"""GA/T 467 SAM frames and the card text block: pure bytes in, values out (no I/O).

Frame: `AA AA AA 96 69 | LEN (2, big-endian, counts everything after itself incl. CHK) | BODY | CHK`
with CHK = XOR of LEN and BODY. A command body is `CMD PARA DATA`, an answer body is
`SW1 SW2 SW3 DATA`. The decoder is incremental because serial adapters hand bytes over in
arbitrary pieces, bounded because a babbling adapter must not eat memory, and resynchronises on
the next preamble because a USB-serial hiccup can drop or add bytes anywhere.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from terminal.errors import DeviceFault, ProtocolError
from terminal.identity import CardType, Identity

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
MIN_LENGTH = 3  # CMD PARA CHK: the shortest body a frame can carry
MAX_LENGTH = 4096  # text + photo + fingerprint answer is 2314; anything far above is noise
MAX_BUFFER = 2 * (len(PREAMBLE) + 2 + MAX_LENGTH)
DEVICE = "idcard"


class Command(enum.Enum):
    """Commands as (CMD, PARA)."""

    RESET_SAM = (0x10, 0xFF)
    SAM_STATUS = (0x11, 0xFF)
    SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_TEXT_PHOTO = (0x30, 0x01)
    READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)


class Status(enum.IntEnum):
    """SW3 answer codes of the SAM module."""

    OK = 0x90
    CARD_FOUND = 0x9F
    CHECKSUM_ERROR = 0x10
    LENGTH_ERROR = 0x11
    BAD_COMMAND = 0x21
    AUTH_FAILED_SAM = 0x31
    AUTH_FAILED_CARD = 0x32
    AUTH_FAILED_INFO = 0x33
    UNKNOWN_CARD = 0x40
    CARD_OPERATION_FAILED = 0x41
    SAM_SELF_TEST_FAILED = 0x60
    FIND_FAILED = 0x80
    SELECT_FAILED = 0x81


STATUS_TEXT: dict[Status, str] = {
    Status.OK: "操作成功 (ok)",
    Status.CARD_FOUND: "找到卡 (card found)",
    Status.CHECKSUM_ERROR: "SAM收到的命令校验和错误 (command checksum error)",
    Status.LENGTH_ERROR: "SAM收到的命令长度错误 (command length error)",
    Status.BAD_COMMAND: "SAM不认识该命令 (bad command)",
    Status.AUTH_FAILED_SAM: "卡认证SAM失败 (card did not authenticate the SAM)",
    Status.AUTH_FAILED_CARD: "SAM认证卡失败 (SAM did not authenticate the card)",
    Status.AUTH_FAILED_INFO: "信息验证错误 (information authentication failed)",
    Status.UNKNOWN_CARD: "无法识别的卡 (unknown card type)",
    Status.CARD_OPERATION_FAILED: "读卡操作失败 (card operation failed)",
    Status.SAM_SELF_TEST_FAILED: "SAM自检失败 (SAM self-test failed)",
    Status.FIND_FAILED: "寻卡失败 (no card found)",
    Status.SELECT_FAILED: "选卡失败 (card select failed)",
}


def status_text(code: int) -> str:
    """A Chinese and English description of an SW3 code, also for codes we do not know."""
    try:
        return STATUS_TEXT[Status(code)]
    except ValueError:
        return f"未知状态 (unknown status 0x{code:02X})"


# ---------------------------------------------------------------- errors


class IdCardProtocolError(ProtocolError):
    """Bytes from the reader that do not form a valid frame or answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message, device=DEVICE)


class ChecksumError(IdCardProtocolError):
    """A complete frame whose checksum does not match: worth one retry."""


class FrameLengthError(IdCardProtocolError):
    """A frame whose LEN is impossible, or an answer whose data is too short for its command."""


class SamStatusError(DeviceFault):
    """The SAM answered with a status that is not success; `status` is the SW3 code."""

    def __init__(self, status: int, message: str | None = None, *, advice_zh: str | None = None) -> None:
        super().__init__(message or f"SAM status 0x{status:02X}: {status_text(status)}", advice_zh=advice_zh,
                         device=DEVICE)
        self.status = status


class CommandRejected(IdCardProtocolError):
    """The SAM says our command frame was bad (SW3 10, 11, 21): a line problem or a bug, worth one retry."""

    def __init__(self, status: int) -> None:
        super().__init__(f"SAM rejected the command, status 0x{status:02X}: {status_text(status)}")
        self.status = status


class CardReadError(SamStatusError):
    """The card could not be read: moved away, not an ID card, or failed authentication."""

    advice_zh = "没有读到身份证，请把身份证平放在读卡区，不要移动，再试一次。"


class SamFault(SamStatusError):
    """The SAM module itself failed (self-test); only a technician can help."""

    advice_zh = "身份证读卡器故障，请到窗口办理或请工作人员帮助。"


class UnsupportedCard(DeviceFault):
    """A card whose text layout we do not know how to decode."""

    advice_zh = "暂不支持这种证件，请到窗口办理。"

    def __init__(self, message: str) -> None:
        super().__init__(message, device=DEVICE)


_CARD_STATUSES = {Status.AUTH_FAILED_SAM, Status.AUTH_FAILED_CARD, Status.AUTH_FAILED_INFO, Status.UNKNOWN_CARD,
                  Status.CARD_OPERATION_FAILED, Status.FIND_FAILED, Status.SELECT_FAILED}
_COMMAND_STATUSES = {Status.CHECKSUM_ERROR, Status.LENGTH_ERROR, Status.BAD_COMMAND}


# ---------------------------------------------------------------- frames


def checksum(data: bytes | bytearray) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def _frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def encode_command(command: Command, data: bytes = b"") -> bytes:
    """The bytes to send for `command`."""
    return _frame(bytes(command.value) + data)


def encode_answer(status: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """An answer frame as a SAM sends it (used by the simulator and the tests)."""
    return _frame(bytes([sw1, sw2, status]) + data)


@dataclass(frozen=True)
class Answer:
    """A decoded answer frame."""

    sw1: int
    sw2: int
    status: int
    data: bytes

    @classmethod
    def from_body(cls, body: bytes) -> Answer:
        if len(body) < 3:
            raise FrameLengthError(f"answer body of {len(body)} bytes has no status word")
        return cls(body[0], body[1], body[2], body[3:])


@dataclass(frozen=True)
class Request:
    """A decoded command frame (what the simulator receives)."""

    command: Command | None  # None: a (CMD, PARA) we do not know
    code: tuple[int, int]
    data: bytes

    @classmethod
    def from_body(cls, body: bytes) -> Request:
        code = (body[0], body[1])
        try:
            command: Command | None = Command(code)
        except ValueError:
            command = None
        return cls(command, code, body[2:])


class FrameDecoder:
    """Incremental frame decoder: `feed()` bytes, then iterate `frames()` for complete bodies.

    Bytes before a preamble are dropped (`discarded` counts them). A frame with an impossible
    length or a bad checksum raises once from `frames()` and the decoder resumes at the next
    preamble after its first byte, so a later good frame is still found.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.discarded = 0

    def clear(self) -> None:
        """Forget buffered bytes (before sending a new command, stale answers are noise)."""
        self.discarded += len(self._buffer)
        self._buffer.clear()

    def feed(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) > MAX_BUFFER:
            start = self._buffer.find(PREAMBLE, len(self._buffer) - MAX_BUFFER)
            keep_from = start if start >= 0 else len(self._buffer) - (len(PREAMBLE) - 1)
            self._drop(keep_from)

    def _drop(self, count: int) -> None:
        self.discarded += count
        del self._buffer[:count]

    def _skip_bad_frame(self) -> None:
        """Resume scanning just after the first byte of the frame that failed."""
        self._drop(1)

    def frames(self) -> Iterator[bytes]:
        """Complete frame bodies in arrival order; raises ChecksumError / FrameLengthError for bad frames."""
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                # keep a possible partial preamble at the end
                tail = len(PREAMBLE) - 1
                if len(self._buffer) > tail:
                    self._drop(len(self._buffer) - tail)
                return
            if start:
                self._drop(start)
            header = len(PREAMBLE) + 2
            if len(self._buffer) < header:
                return
            length = int.from_bytes(self._buffer[len(PREAMBLE):header], "big")
            if not MIN_LENGTH <= length <= MAX_LENGTH:
                self._skip_bad_frame()
                raise FrameLengthError(f"frame length {length} outside {MIN_LENGTH}..{MAX_LENGTH}")
            end = header + length
            if len(self._buffer) < end:
                if self._later_frame_complete():
                    self._skip_bad_frame()
                    raise FrameLengthError("frame cut short: a complete frame follows before its end")
                return
            content = bytes(self._buffer[len(PREAMBLE):end])
            if checksum(content[:-1]) != content[-1]:
                self._skip_bad_frame()
                raise ChecksumError("frame checksum does not match")
            self._drop(end)
            yield content[2:-1]

    def _later_frame_complete(self) -> bool:
        """True when a complete frame with a good checksum starts after the current one's preamble.

        A corrupted LEN can make the current frame claim more bytes than will ever come; this lets
        the decoder give it up as soon as a valid frame is visible behind it instead of waiting.
        """
        position = 1
        while True:
            position = self._buffer.find(PREAMBLE, position)
            if position < 0:
                return False
            header = position + len(PREAMBLE) + 2
            if header <= len(self._buffer):
                length = int.from_bytes(self._buffer[header - 2:header], "big")
                end = header + length
                if MIN_LENGTH <= length <= MAX_LENGTH and end <= len(self._buffer):
                    content = self._buffer[header - 2:end]
                    if checksum(content[:-1]) == content[-1]:
                        return True
            position += 1


def check_answer(answer: Answer, *expected: Status) -> Answer:
    """Return `answer` if its status is one of `expected`, else raise the fitting typed error."""
    if answer.status in expected:
        return answer
    if answer.status in _COMMAND_STATUSES:
        raise CommandRejected(answer.status)
    if answer.status == Status.SAM_SELF_TEST_FAILED:
        raise SamFault(answer.status)
    if answer.status in _CARD_STATUSES:
        raise CardReadError(answer.status)
    raise SamStatusError(answer.status)


# ---------------------------------------------------------------- SAM ID


def format_sam_id(data: bytes) -> str:
    """The SAM ID as printed on reader labels and vendor tools: `05.01-20101010-0012345678-1234567890`.

    Layout assumed from vendor SDK documentation: two little-endian 16-bit numbers, then three
    little-endian 32-bit numbers.
    """
    if len(data) < 16:
        raise FrameLengthError(f"SAM ID answer has {len(data)} bytes, expected 16")
    a, b = (int.from_bytes(data[i:i + 2], "little") for i in (0, 2))
    c, d, e = (int.from_bytes(data[i:i + 4], "little") for i in (4, 8, 12))
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"


# ---------------------------------------------------------------- read payload

TEXT_SIZE = 256
PHOTO_SIZE = 1024


@dataclass(frozen=True)
class CardPayload:
    """The sections of a read answer; the photo and fingerprint stay opaque bytes in memory."""

    text: bytes
    photo: bytes
    fingerprint: bytes = b""


def split_read_data(data: bytes, with_fingerprint: bool = False) -> CardPayload:
    """Split a 30 01 / 30 10 answer: 2-byte big-endian lengths, then the sections in order."""
    count = 3 if with_fingerprint else 2
    header = 2 * count
    if len(data) < header:
        raise FrameLengthError(f"read answer of {len(data)} bytes has no length header")
    lengths = [int.from_bytes(data[2 * i:2 * i + 2], "big") for i in range(count)]
    if header + sum(lengths) > len(data):
        raise FrameLengthError(f"read answer sections {lengths} exceed its {len(data) - header} data bytes")
    if lengths[0] != TEXT_SIZE:
        raise FrameLengthError(f"text section is {lengths[0]} bytes, expected {TEXT_SIZE}")
    sections, offset = [], header
    for length in lengths:
        sections.append(bytes(data[offset:offset + length]))
        offset += length
    return CardPayload(*sections)


def encode_read_data(payload: CardPayload, with_fingerprint: bool = False) -> bytes:
    """The inverse of `split_read_data` (simulator side)."""
    sections = [payload.text, payload.photo] + ([payload.fingerprint] if with_fingerprint else [])
    return b"".join(len(s).to_bytes(2, "big") for s in sections) + b"".join(sections)


# ---------------------------------------------------------------- text block

# Field layouts in bytes (UCS-2LE, space padded). Sources and assumptions: docs/hardware.md.
RESIDENT_LAYOUT: tuple[tuple[str, int], ...] = (
    ("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70), ("id_number", 36),
    ("authority", 30), ("valid_from", 16), ("valid_to", 16), ("reserved", 36),
)
HMT_LAYOUT: tuple[tuple[str, int], ...] = (
    ("name", 30), ("sex", 2), ("reserved1", 4), ("birth", 16), ("address", 70), ("id_number", 36),
    ("authority", 30), ("valid_from", 16), ("valid_to", 16), ("pass_number", 18), ("issue_count", 4),
    ("reserved2", 6), ("card_type", 2), ("reserved3", 6),
)
FOREIGNER_LAYOUT: tuple[tuple[str, int], ...] = (
    ("name_en", 120), ("sex", 2), ("id_number", 30), ("nationality", 6), ("name", 30), ("valid_from", 16),
    ("valid_to", 16), ("birth", 16), ("card_version", 4), ("authority", 8), ("card_type", 2), ("reserved", 6),
)
CARD_TYPE_OFFSET = 248
CARD_TYPE_CODES: dict[str, CardType] = {" ": "resident", "\0": "resident", "I": "foreigner", "J": "hmt"}
CARD_TYPE_MARKS: dict[CardType, str] = {"resident": " ", "foreigner": "I", "hmt": "J"}
LAYOUTS: dict[CardType, tuple[tuple[str, int], ...]] = {
    "resident": RESIDENT_LAYOUT, "foreigner": FOREIGNER_LAYOUT, "hmt": HMT_LAYOUT,
}

SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# GB 3304 nation codes as the card stores them.
NATIONS: dict[str, str] = {f"{i:02d}": name + "族" for i, name in enumerate((
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家",
    "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜",
    "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒",
    "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴",
    "珞巴", "基诺"), start=1)}
NATIONS["97"] = "其他"
NATIONS["98"] = "外国血统中国籍人士"

LONG_TERM = "长期"


def card_type_of(text: bytes) -> CardType:
    """Which layout the text block uses, from its bytes 248-249."""
    if len(text) != TEXT_SIZE:
        raise FrameLengthError(f"text block is {len(text)} bytes, expected {TEXT_SIZE}")
    code = text[CARD_TYPE_OFFSET:CARD_TYPE_OFFSET + 2].decode("utf-16-le", errors="replace")
    if code not in CARD_TYPE_CODES:
        raise UnsupportedCard(f"card type code {code!r} is not a resident ID, 'I' or 'J' card")
    return CARD_TYPE_CODES[code]


def split_text(text: bytes, layout: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """Cut the text block into stripped strings by `layout`."""
    fields: dict[str, str] = {}
    offset = 0
    for name, size in layout:
        raw = text[offset:offset + size]
        offset += size
        try:
            fields[name] = raw.decode("utf-16-le").strip(" \0")
        except UnicodeDecodeError:
            raise IdCardProtocolError(f"text field {name} is not UCS-2") from None
    return fields


def _date(value: str, field_name: str, allow_long_term: bool = False) -> date | None:
    if allow_long_term and value == LONG_TERM:
        return None
    if len(value) != 8 or not value.isdigit():
        raise IdCardProtocolError(f"text field {field_name} is not a YYYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise IdCardProtocolError(f"text field {field_name} is not a calendar date") from None


def decode_identity(text: bytes, photo: bytes = b"") -> Identity:
    """An Identity from the 256-byte text block (and the opaque photo) of any of the three card types."""
    card_type = card_type_of(text)
    fields = split_text(text, LAYOUTS[card_type])
    birth = _date(fields["birth"], "birth")
    assert birth is not None
    nation = ""
    if card_type == "resident":
        nation = NATIONS.get(fields["nation"], f"未知({fields['nation']})")
    issue_count = fields.get("issue_count", "")
    return Identity(
        card_type=card_type,
        name=fields["name"],
        sex=SEXES.get(fields["sex"], "未知"),
        nation=nation,
        birth=birth,
        address=fields.get("address", ""),
        id_number=fields["id_number"],
        authority=fields["authority"],
        valid_from=_date(fields["valid_from"], "valid_from"),
        valid_to=_date(fields["valid_to"], "valid_to", allow_long_term=True),
        name_en=fields.get("name_en", ""),
        nationality=fields.get("nationality", ""),
        pass_number=fields.get("pass_number", ""),
        issue_count=int(issue_count) if issue_count.isdigit() else 0,
        photo=photo,
    )


def encode_text(fields: dict[str, str], card_type: CardType) -> bytes:
    """A text block from field strings (simulator and tests): each field UCS-2LE, space padded."""
    parts = []
    for name, size in LAYOUTS[card_type]:
        value = CARD_TYPE_MARKS[card_type] if name == "card_type" else fields.get(name, "")
        raw = value.encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"field {name} longer than {size} bytes")
        parts.append(raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2))
    return b"".join(parts)
