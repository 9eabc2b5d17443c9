"""IPP/1.1 messages (RFC 8010 encoding, RFC 8011 operations) as bytes and back: no I/O here.

A message is a version, an operation id or status code, a request id and groups of attributes;
each attribute is a value tag, a name and one or more values. We encode the few requests the
A4 printer needs (Print-Job, Get-Job-Attributes, Get-Printer-Attributes, Cancel-Job) and decode
any answer, keeping the values whose types we use and skipping collections member by member,
so a printer that adds attributes we do not know never breaks the parser.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from terminal.errors import ProtocolError

# Operation ids (RFC 8011 5.4.15)
PRINT_JOB = 0x0002
CANCEL_JOB = 0x0008
GET_JOB_ATTRIBUTES = 0x0009
GET_PRINTER_ATTRIBUTES = 0x000B

# Delimiter tags (groups)
OPERATION = 0x01
JOB = 0x02
END = 0x03
PRINTER = 0x04
UNSUPPORTED = 0x05

# Value tags
OUT_OF_BAND = range(0x10, 0x20)  # unsupported, unknown, no-value, ...
INTEGER, BOOLEAN, ENUM = 0x21, 0x22, 0x23
OCTET_STRING, DATE_TIME, RESOLUTION, RANGE = 0x30, 0x31, 0x32, 0x33
BEGIN_COLLECTION, TEXT_LANG, NAME_LANG, END_COLLECTION = 0x34, 0x35, 0x36, 0x37
TEXT, NAME, KEYWORD, URI, URI_SCHEME, CHARSET, LANGUAGE, MIME = 0x41, 0x42, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49
MEMBER_NAME = 0x4A
EXTENSION = 0x7F
STRING_TAGS = frozenset({TEXT, NAME, KEYWORD, URI, URI_SCHEME, CHARSET, LANGUAGE, MIME, MEMBER_NAME})

# Job states (RFC 8011 5.3.7) and printer states (5.4.12)
JOB_STATES = {3: "pending", 4: "pending-held", 5: "processing", 6: "processing-stopped",
              7: "canceled", 8: "aborted", 9: "completed"}
PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}

Value = int | bool | str | bytes | tuple[int, int, int] | None


@dataclass(frozen=True)
class Attribute:
    """One attribute: its value tag and its values (one or more)."""

    name: str
    tag: int
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Message:
    """An IPP request or response; `code` is the operation id in a request, the status code in a response."""

    code: int
    request_id: int
    groups: tuple[tuple[int, tuple[Attribute, ...]], ...] = ()
    version: tuple[int, int] = (1, 1)
    data: bytes = field(default=b"", repr=False)

    def group(self, tag: int) -> dict[str, tuple[Value, ...]]:
        """The first group with delimiter `tag` as name -> values ({} when there is none)."""
        for group_tag, attributes in self.groups:
            if group_tag == tag:
                return {a.name: a.values for a in attributes}
        return {}

    @property
    def ok(self) -> bool:
        """successful-ok and its informational variants (0x0000-0x00FF)."""
        return self.code < 0x0100


def _value_bytes(tag: int, value: Value) -> bytes:
    if tag in (INTEGER, ENUM):
        assert isinstance(value, int)
        return struct.pack(">i", value)
    if tag == BOOLEAN:
        return b"\x01" if value else b"\x00"
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    if value is None:
        return b""
    raise ValueError(f"cannot encode {value!r} with tag {tag:#x}")


def encode(message: Message) -> bytes:
    """The message as IPP bytes, its document data appended."""
    out = bytearray(struct.pack(">BBHI", *message.version, message.code, message.request_id))
    for group_tag, attributes in message.groups:
        out.append(group_tag)
        for attribute in attributes:
            name = attribute.name.encode("utf-8")
            for i, value in enumerate(attribute.values):
                raw = _value_bytes(attribute.tag, value)
                own_name = name if i == 0 else b""
                out += struct.pack(">BH", attribute.tag, len(own_name)) + own_name
                out += struct.pack(">H", len(raw)) + raw
    out.append(END)
    return bytes(out) + message.data


def _decode_value(tag: int, raw: bytes) -> Value:
    if tag in (INTEGER, ENUM):
        if len(raw) != 4:
            raise ProtocolError(f"IPP integer of {len(raw)} bytes", device="a4printer")
        return int(struct.unpack(">i", raw)[0])
    if tag == BOOLEAN:
        if len(raw) != 1:
            raise ProtocolError(f"IPP boolean of {len(raw)} bytes", device="a4printer")
        return raw != b"\x00"
    if tag == RANGE and len(raw) == 8:
        low, high = struct.unpack(">ii", raw)
        return (int(low), int(high), 0)
    if tag == RESOLUTION and len(raw) == 9:
        x, y, units = struct.unpack(">iib", raw)
        return (int(x), int(y), int(units))
    if tag in STRING_TAGS:
        return raw.decode("utf-8", errors="replace")
    if tag in OUT_OF_BAND:
        return None
    return raw  # octetString, dateTime, *WithLanguage and unknown tags stay as bytes


def fail(why: str) -> ProtocolError:
    return ProtocolError(f"bad IPP message: {why}", device="a4printer")


def decode(data: bytes) -> Message:
    """Parse one IPP message; anything that does not follow RFC 8010 raises ProtocolError."""
    if len(data) < 9:
        raise fail(f"{len(data)} bytes is shorter than a header")
    major, minor, code, request_id = struct.unpack(">BBHI", data[:8])
    pos = 8
    groups: list[tuple[int, list[Attribute]]] = []
    current: list[Attribute] | None = None
    depth = 0  # inside a collection: its members are skipped
    while True:
        if pos >= len(data):
            raise fail("no end-of-attributes tag")
        tag = data[pos]
        pos += 1
        if tag == END and depth == 0:
            break
        if tag < 0x10:  # a group delimiter
            if depth:
                raise fail("group starts inside a collection")
            current = []
            groups.append((tag, current))
            continue
        if tag == EXTENSION:
            raise fail("extension tags are not supported")
        if pos + 2 > len(data):
            raise fail("truncated attribute name length")
        (name_len,) = struct.unpack(">H", data[pos:pos + 2])
        name = data[pos + 2:pos + 2 + name_len].decode("utf-8", errors="replace")
        pos += 2 + name_len
        if pos + 2 > len(data):
            raise fail("truncated value length")
        (value_len,) = struct.unpack(">H", data[pos:pos + 2])
        raw = data[pos + 2:pos + 2 + value_len]
        if len(raw) != value_len:
            raise fail("truncated value")
        pos += 2 + value_len
        if current is None:
            raise fail("attribute outside any group")
        if tag == BEGIN_COLLECTION:
            if depth == 0:
                current.append(Attribute(name, tag, (None,)) if name_len else _more(current, None))
            depth += 1
            continue
        if tag == END_COLLECTION:
            if depth == 0:
                raise fail("end of a collection that never began")
            depth -= 1
            continue
        if depth:
            continue
        value = _decode_value(tag, raw)
        if name_len:
            current.append(Attribute(name, tag, (value,)))
        else:
            current.append(_more(current, value))
    return Message(code, request_id, tuple((t, tuple(a)) for t, a in groups), (major, minor), data[pos:])


def _more(current: list[Attribute], value: Value) -> Attribute:
    """An additional value (name length 0) joins the attribute before it."""
    if not current:
        raise fail("an additional value with no attribute before it")
    last = current.pop()
    return Attribute(last.name, last.tag, (*last.values, value))


def _string(name: str, tag: int, *values: str) -> Attribute:
    return Attribute(name, tag, tuple(values))


def operation_header(printer_uri: str, user: str) -> list[Attribute]:
    """The attributes every request starts with (RFC 8011 4.1.4): charset, language, target, user."""
    return [_string("attributes-charset", CHARSET, "utf-8"),
            _string("attributes-natural-language", LANGUAGE, "zh-cn"),
            _string("printer-uri", URI, printer_uri),
            _string("requesting-user-name", NAME, user)]


def print_job(request_id: int, printer_uri: str, document: bytes, *, job_name: str, user: str, pages: int = 0,
              document_format: str = "application/pdf", job_attributes: Mapping[str, str] | None = None) -> bytes:
    """Print-Job with `document` as its data; `pages` goes as job-impressions (RFC 8011 3.2.1.1) when known;
    `job_attributes` are keyword job template values (media, sides)."""
    operation = [*operation_header(printer_uri, user), _string("job-name", NAME, job_name),
                 _string("document-format", MIME, document_format)]
    if pages:
        operation.append(Attribute("job-impressions", INTEGER, (pages,)))
    job = [_string(name, KEYWORD, value) for name, value in (job_attributes or {}).items()]
    groups: list[tuple[int, tuple[Attribute, ...]]] = [(OPERATION, tuple(operation))]
    if job:
        groups.append((JOB, tuple(job)))
    return encode(Message(PRINT_JOB, request_id, tuple(groups), data=document))


def _query(code: int, request_id: int, printer_uri: str, user: str, requested: Iterable[str],
           job_id: int | None = None) -> bytes:
    operation = operation_header(printer_uri, user)
    if job_id is not None:
        operation.append(Attribute("job-id", INTEGER, (job_id,)))
    requested = tuple(requested)
    if requested:
        operation.append(_string("requested-attributes", KEYWORD, *requested))
    return encode(Message(code, request_id, ((OPERATION, tuple(operation)),)))


def get_job_attributes(request_id: int, printer_uri: str, job_id: int, *, user: str,
                       requested: Iterable[str] = ()) -> bytes:
    return _query(GET_JOB_ATTRIBUTES, request_id, printer_uri, user, requested, job_id)


def get_printer_attributes(request_id: int, printer_uri: str, *, user: str, requested: Iterable[str] = ()) -> bytes:
    return _query(GET_PRINTER_ATTRIBUTES, request_id, printer_uri, user, requested)


def cancel_job(request_id: int, printer_uri: str, job_id: int, *, user: str) -> bytes:
    return _query(CANCEL_JOB, request_id, printer_uri, user, (), job_id)
