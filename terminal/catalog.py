"""The item catalog (政务服务事项目录) and each item's service guide (办事指南).

API used by the UI, the session and the CLI (names are stable):

- `load_catalog(region, data_dir=None, catalog_keys=()) -> Catalog`: the catalog the terminal offers.
  An updated catalog under `<data_dir>/catalog/<region>.json` (installed by the sync code after its
  signature check) replaces the shipped one when it is present, valid and still the bytes its stamp
  `<region>.signature.json` names (and, given `catalog_keys`, still signed by one of them); an
  edited, unstamped or invalid one is refused with a CATALOG_REFUSED event and the shipped catalog
  is used. The shipped catalog gets the demo guides of
  `catalogs/sample_guides.json` (every one flagged `sample`) and the everyday names of
  `catalogs/synonyms.json` (`Item.synonyms`); a platform catalog carries its own.
- `parse_catalog(data, origin)` / `read_catalog(path)`: validate and build without the fallback
  (the sync code uses these to check an update before installing it).
- `Catalog`: `items`, `get(id)`, `departments()`, `item_types()`, `themes()`, `by_department(d)`,
  `by_theme(t)`, `search(query, department=None, item_type=None, theme=None, limit=50)`.
- `Item` (one row of the seed tables plus `guide`), `Guide`, `MaterialSpec`.

Every file is validated against `catalogs/catalog.schema.json`; problems raise `CatalogError`
naming the file, the item id, the path inside the item and the problem. The format is documented
in docs/catalog.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import InitVar, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from terminal import events, strictjson
from terminal.cases import CaseKind
from terminal.errors import TerminalError
from terminal.forms import FieldSpec
from terminal.pinyin_index import CachedReadings, ReadRuns, SearchIndex, read_runs

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent / "catalogs"
SCHEMA_FILE = SHIPPED_DIR / "catalog.schema.json"
SAMPLE_GUIDES_FILE = SHIPPED_DIR / "sample_guides.json"
SYNONYMS_FILE = SHIPPED_DIR / "synonyms.json"
FORMAT = 1
SIGNED_FORMAT = "gov-terminal-catalog/1"  # what a catalog update's signature covers (sync.downlink)
STAMP_MAX_BYTES = 64 * 1024
MAX_CATALOG_BYTES = 16 * 1024 * 1024  # the shipped catalogs are under 100 KB
MAX_CATALOG_DEPTH = 32                # a catalog nests 5 levels deep
# A case kind a guide may promise; 退办件 is an outcome, not a kind of item.
GUIDE_CASE_KINDS = (CaseKind.IMMEDIATE, CaseKind.PROMISED, CaseKind.JOINT, CaseKind.ESCALATED)


class CatalogError(TerminalError):
    """A catalog file is missing, not JSON, or does not follow the catalog format."""

    advice_zh = "事项目录数据有误，请到窗口办理，或联系技术人员更新目录。"


@dataclass(frozen=True)
class MaterialSpec:
    """One material the applicant hands in (申请材料)."""

    id: str
    name: str
    form: str                  # 原件 / 复印件 / 原件及复印件
    count: int = 1
    required: bool = True
    note: str = ""
    sample_form: str = ""      # description or file name of a filled-in sample (样表)
    from_card: bool = False    # the applicant's ID card itself: read by the card reader, never scanned

    def to_json(self) -> dict[str, Any]:
        card = {"from_card": True} if self.from_card else {}
        return {"id": self.id, "name": self.name, "form": self.form, "count": self.count,
                "required": self.required, "note": self.note, "sample_form": self.sample_form, **card}


@dataclass(frozen=True)
class Guide:
    """The service guide of one item. `sample` guides were written for the demo, not by the platform."""

    sample: bool
    conditions: str
    materials: tuple[MaterialSpec, ...]
    process: tuple[str, ...]
    legal_days: int            # statutory limit in working days; 0 = on the spot
    promised_days: int         # promised limit (承诺时限) in working days; 0 = on the spot
    case_kind: CaseKind
    result: str
    fees: str
    consult_phone: str
    complaint_phone: str
    themes: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()              # item-specific form fields (terminal/forms.py)
    delivery: tuple[str, ...] = ("window", "post")  # how the result may reach the applicant

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Guide:
        return cls(
            sample=data.get("sample", False),
            conditions=data["conditions"],
            materials=tuple(MaterialSpec(**m) for m in data["materials"]),
            process=tuple(data["process"]),
            legal_days=data["legal_days"],
            promised_days=data["promised_days"],
            case_kind=CaseKind(data["case_kind"]),
            result=data["result"],
            fees=data["fees"],
            consult_phone=data["consult_phone"],
            complaint_phone=data["complaint_phone"],
            themes=tuple(data.get("themes", ())),
            fields=tuple(FieldSpec.from_json(f) for f in data.get("fields", ())),
            delivery=tuple(data.get("delivery", ("window", "post"))),
        )

    def to_json(self) -> dict[str, Any]:
        return {"sample": self.sample, "conditions": self.conditions,
                "materials": [m.to_json() for m in self.materials], "process": list(self.process),
                "legal_days": self.legal_days, "promised_days": self.promised_days,
                "case_kind": self.case_kind.value, "result": self.result, "fees": self.fees,
                "consult_phone": self.consult_phone, "complaint_phone": self.complaint_phone,
                "themes": list(self.themes), "fields": [f.to_json() for f in self.fields],
                "delivery": list(self.delivery)}


ROW_KEYS = ("id", "seq", "main_item", "sub_item", "handling_item", "item_type", "level", "department", "note")


@dataclass(frozen=True)
class Item:
    """One catalog row (every column of the seed tables) and its guide, if any."""

    id: str
    seq: int
    main_item: str             # 主项
    sub_item: str              # 子项
    handling_item: str         # 业务办理项
    item_type: str             # 行政许可, 行政确认, 行政给付, 公共服务, 其他职权 ...
    level: str                 # D, DE
    department: str            # 指导部门
    note: str = ""             # e.g. 省目录
    guide: Guide | None = None
    synonyms: tuple[str, ...] = ()  # everyday names people search by (残疾证, 低保, 准生证)

    @property
    def title(self) -> str:
        """What people read: the handling item, else the sub item, else the main item."""
        return self.handling_item or self.sub_item or self.main_item

    @property
    def themes(self) -> tuple[str, ...]:
        return self.guide.themes if self.guide else ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        guide = Guide.from_json(data["guide"]) if data.get("guide") else None
        return cls(**{k: data.get(k, "") for k in ROW_KEYS}, guide=guide, synonyms=tuple(data.get("synonyms", ())))

    def to_json(self, with_guide: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in ROW_KEYS}
        out["title"] = self.title
        out["has_guide"] = self.guide is not None
        if self.synonyms:
            out["synonyms"] = list(self.synonyms)
        if with_guide:
            out["guide"] = self.guide.to_json() if self.guide else None
        return out


@dataclass(frozen=True)
class Catalog:
    """The items a region offers, in catalog order, with a search index built at construction."""

    region: str
    title: str
    version: str
    source: str
    items: tuple[Item, ...]
    _by_id: dict[str, Item] = field(init=False, repr=False, compare=False)
    _index: SearchIndex = field(init=False, repr=False, compare=False)
    read: InitVar[ReadRuns] = read_runs  # where the search index gets its pinyin readings

    def __post_init__(self, read: ReadRuns) -> None:
        object.__setattr__(self, "_by_id", {item.id: item for item in self.items})
        object.__setattr__(self, "_index", SearchIndex(
            [(item.title, (item.sub_item, item.main_item)) for item in self.items], read,
            aliases=[item.synonyms for item in self.items]))

    def __len__(self) -> int:
        return len(self.items)

    def get(self, item_id: str) -> Item:
        """The item with this id; KeyError when the catalog has none."""
        return self._by_id[item_id]

    def departments(self) -> list[str]:
        """Departments in the order they first appear."""
        return list(dict.fromkeys(item.department for item in self.items))

    def item_types(self) -> list[str]:
        return list(dict.fromkeys(item.item_type for item in self.items))

    def themes(self) -> list[str]:
        """Life-event themes of the items that have guides, in first-seen order."""
        return list(dict.fromkeys(t for item in self.items for t in item.themes))

    def by_department(self, department: str) -> list[Item]:
        return [item for item in self.items if item.department == department]

    def by_theme(self, theme: str) -> list[Item]:
        return [item for item in self.items if theme in item.themes]

    def search(self, query: str, department: str | None = None, item_type: str | None = None,
               limit: int | None = 50, theme: str | None = None) -> list[Item]:
        """Items matching `query` (Chinese, pinyin, initials or a mix), best first.

        Order: whole title (or everyday name, `Item.synonyms`) matches, then titles starting with
        the query, then titles containing it, then items whose main or sub item matches; catalog
        order within each group. A blank
        query lists every item that passes the filters, in catalog order.
        """
        def wanted(item: Item) -> bool:
            return ((department is None or item.department == department)
                    and (item_type is None or item.item_type == item_type)
                    and (theme is None or theme in item.themes))

        if limit is not None and limit <= 0:
            return []
        if not query.strip():
            hits = [item for item in self.items if wanted(item)]
            return hits if limit is None else hits[:limit]
        ranked = self._index.search(query, limit, lambda i: wanted(self.items[i]))
        return [self.items[i] for _, i in ranked]


# -- loading --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def _validator(definition: str | None = None) -> jsonschema.protocols.Validator:
    """A validator for the whole catalog, or for one of the schema's $defs."""
    schema = _schema()
    if definition:
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _where(path: list[Any]) -> str:
    """A JSON path as people read it: items[3].guide.materials[0].form."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _check(data: Any, origin: str, definition: str | None = None) -> None:
    """Raise CatalogError for the first schema problem, naming file, item id and path."""
    errors = sorted(_validator(definition).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors)
    path = list(error.absolute_path)
    item = ""
    if definition is None and len(path) >= 2 and path[0] == "items" and isinstance(path[1], int):
        row = data["items"][path[1]]
        item = f" item {row.get('id', '?') if isinstance(row, dict) else '?'}"
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    raise CatalogError(f"catalog {origin}:{item} at {_where(path)}: {error.message}{more}")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"catalog {path}: file does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CatalogError(f"catalog {path}: not readable JSON: {e}") from None


def parse_catalog(data: Any, origin: str, region: str | None = None, read: ReadRuns = read_runs) -> Catalog:
    """Validate parsed JSON and build the catalog; `origin` names the source in errors."""
    _check(data, origin)
    if region is not None and data["region"] != region:
        raise CatalogError(f"catalog {origin}: region is {data['region']!r}, expected {region!r}")
    seen: set[str] = set()
    for n, row in enumerate(data["items"]):
        if row["id"] in seen:
            raise CatalogError(f"catalog {origin}: item {row['id']} at items[{n}].id: duplicate item id")
        seen.add(row["id"])
        materials = [m["id"] for m in (row.get("guide") or {}).get("materials", ())]
        if len(set(materials)) != len(materials):
            raise CatalogError(f"catalog {origin}: item {row['id']} at items[{n}].guide.materials: "
                               "duplicate material id")
        _check_fields(row, n, origin)
    return Catalog(region=data["region"], title=data["title"], version=data["version"],
                   source=data["source"], items=tuple(Item.from_json(row) for row in data["items"]), read=read)


def _check_fields(row: Mapping[str, Any], n: int, origin: str) -> None:
    """What the schema cannot say about a guide's form fields: unique keys, a pattern that compiles,
    choices only for a choice field."""
    keys: set[str] = set()
    for f_index, spec in enumerate((row.get("guide") or {}).get("fields", ())):
        where = f"catalog {origin}: item {row['id']} at items[{n}].guide.fields[{f_index}]"
        if spec["key"] in keys:
            raise CatalogError(f"{where}.key: duplicate field key")
        keys.add(spec["key"])
        if (spec["kind"] == "choice") != bool(spec.get("choices")):
            raise CatalogError(f"{where}.choices: a choice field needs choices, and only a choice field has them")
        try:
            re.compile(spec.get("pattern", ""))
        except re.error as error:
            raise CatalogError(f"{where}.pattern: not a regular expression: {error}") from None


def read_catalog(path: Path, region: str | None = None, read: ReadRuns = read_runs) -> Catalog:
    return parse_catalog(_read_json(path), str(path), region, read)


def _same_title(a: str, b: str) -> bool:
    def squash(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).split())
    return squash(a) == squash(b)


def _with_sample_guides(data: dict[str, Any], guides_file: Path) -> dict[str, Any]:
    """The shipped catalog's JSON with the demo guides of `guides_file` put into its items.

    Each entry names the item's title too, so that a renumbered catalog cannot give an item
    somebody else's guide: a mismatch is logged and the guide left out.
    """
    samples = _read_json(guides_file)
    _check(samples, str(guides_file), "sample_guides")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return data  # not a catalog at all: parse_catalog says what is wrong
    rows = {row.get("id"): row for row in data["items"] if isinstance(row, dict)}
    for item_id, entry in samples["items"].items():
        row = rows.get(item_id)
        if row is None:
            continue  # a guide for the other region's catalog
        title = row.get("handling_item") or row.get("sub_item") or row.get("main_item") or ""
        if not _same_title(title, entry["title"]):
            log.warning("event=sample_guide_skipped item=%s reason=title_mismatch", item_id)
            continue
        if entry["guide"] not in samples["guides"]:
            raise CatalogError(f"catalog {guides_file}: item {item_id}: no guide named {entry['guide']!r}")
        row["guide"] = samples["guides"][entry["guide"]]
    return data


def _with_synonyms(data: dict[str, Any], synonyms_file: Path) -> dict[str, Any]:
    """The shipped catalog's JSON with the everyday names of `synonyms_file` put into its items.

    Like the sample guides, each entry names the item's title: a renumbered catalog cannot give an
    item somebody else's names (a mismatch is logged and those names left out).
    """
    names = _read_json(synonyms_file)
    _check(names, str(synonyms_file), "synonyms_file")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return data
    for row in data["items"]:
        entry = names["items"].get(row.get("id")) if isinstance(row, dict) else None
        if entry is None:
            continue
        title = row.get("handling_item") or row.get("sub_item") or row.get("main_item") or ""
        if not _same_title(title, entry["title"]):
            log.warning("event=synonyms_skipped item=%s reason=title_mismatch", row.get("id"))
            continue
        row["synonyms"] = list(dict.fromkeys([*row.get("synonyms", ()), *entry["synonyms"]]))
    return data


# -- signed updates ---------------------------------------------------------------------------


def signing_message(region: str, version: int, catalog: bytes) -> bytes:
    """What the platform signs: region, version and the catalog's SHA-256, so none can be swapped."""
    return f"{SIGNED_FORMAT}\n{region}\n{version}\n{hashlib.sha256(catalog).hexdigest()}".encode("ascii")


def signature_valid(region: str, version: int, catalog: bytes, signature: bytes, keys: Iterable[str]) -> bool:
    """True when one of the configured Ed25519 public keys (base64) signed this catalog."""
    return signature_valid_for(signing_message(region, version, catalog), signature, keys)


def signature_valid_for(message: bytes, signature: bytes, keys: Iterable[str]) -> bool:
    """True when one of the configured Ed25519 public keys (base64) signed `message` (catalogs, forms)."""
    for text in keys:
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
        except (ValueError, binascii.Error):
            log.warning("catalog.bad_configured_key")  # a typo in the configuration must not accept anything
            continue
        try:
            key.verify(signature, message)
            return True
        except InvalidSignature:
            continue
    return False


def read_stamp(stamp: Path) -> dict[str, Any] | None:
    """The stamp of an installed update (region, version, sha256, signature); None when there is none.

    CatalogError when it exists but is not a stamp: the caller refuses the update it describes.
    """
    try:
        data = strictjson.loads(stamp.read_bytes(), max_bytes=STAMP_MAX_BYTES, max_depth=2)
    except FileNotFoundError:
        return None
    except (OSError, strictjson.JsonRefused) as error:
        raise CatalogError(f"catalog stamp {stamp} is unreadable: {error}") from None
    if not (isinstance(data, dict) and type(data.get("version")) is int and data["version"] > 0
            and isinstance(data.get("sha256"), str) and isinstance(data.get("signature"), str)):
        raise CatalogError(f"catalog stamp {stamp} is not a catalog stamp")
    return data


def _check_installed(updated: Path, region: str, keys: tuple[str, ...]) -> bytes:
    """The installed update's bytes if they are still what its stamp names (and signed by `keys`)."""
    stamp = read_stamp(updated.with_name(f"{region}.signature.json"))
    if stamp is None:
        raise CatalogError(f"catalog {updated}: no signature stamp beside it")
    catalog = updated.read_bytes()
    if hashlib.sha256(catalog).hexdigest() != stamp["sha256"]:
        raise CatalogError(f"catalog {updated}: changed since it was installed (SHA-256 differs from its stamp)")
    try:
        signature = base64.b64decode(stamp["signature"], validate=True)
    except (ValueError, binascii.Error):
        raise CatalogError(f"catalog {updated}: its stamp holds no signature") from None
    if keys and not signature_valid(region, stamp["version"], catalog, signature, keys):
        raise CatalogError(f"catalog {updated}: signature does not verify with any configured key")
    return catalog


def _load_update(updated: Path, region: str, keys: tuple[str, ...], read: ReadRuns) -> Catalog:
    try:
        data = strictjson.loads(_check_installed(updated, region, keys), max_bytes=MAX_CATALOG_BYTES,
                                max_depth=MAX_CATALOG_DEPTH)
    except strictjson.JsonRefused as refused:
        raise CatalogError(f"catalog {updated}: {refused.message}") from None
    except OSError as error:
        raise CatalogError(f"catalog {updated}: not readable: {error.strerror}") from None
    return parse_catalog(data, str(updated), region, read)


def load_catalog(region: str, data_dir: Path | None = None, *, shipped_dir: Path = SHIPPED_DIR,
                 catalog_keys: tuple[str, ...] = ()) -> Catalog:
    """The catalog for `region`: a valid, still signed update from `data_dir`, else the shipped one.

    `shipped_dir` holds `<region>.json` and `sample_guides.json` (tests point it elsewhere). With a
    `data_dir`, the search index's pinyin readings are kept under `<data_dir>/search/` and computed
    outside this process (`CachedReadings`): the kiosk never holds pypinyin's dictionaries.
    """
    read: ReadRuns = read_runs
    if data_dir is not None:
        read = CachedReadings(Path(data_dir).expanduser() / "search")
        updated = Path(data_dir).expanduser() / "catalog" / f"{region}.json"
        if updated.exists():
            try:
                catalog = _load_update(updated, region, catalog_keys, read)
                log.info("event=catalog_loaded region=%s origin=update version=%s items=%d",
                         region, catalog.version, len(catalog))
                return catalog
            except CatalogError as e:
                log.warning("event=catalog_update_rejected region=%s file=%s problem=%s fallback=shipped",
                            region, updated, e.message)
                events.record(events.EventId.CATALOG_REFUSED, region=region, reason=e.message)
    shipped = shipped_dir / f"{region}.json"
    if not shipped.exists():
        raise CatalogError(f"no catalog for region {region!r} (no file {shipped})")
    data = _read_json(shipped)
    if (shipped_dir / SAMPLE_GUIDES_FILE.name).exists():
        data = _with_sample_guides(data, shipped_dir / SAMPLE_GUIDES_FILE.name)
    if (shipped_dir / SYNONYMS_FILE.name).exists():
        data = _with_synonyms(data, shipped_dir / SYNONYMS_FILE.name)
    catalog = parse_catalog(data, str(shipped), region, read)
    log.info("event=catalog_loaded region=%s origin=shipped version=%s items=%d", region, catalog.version, len(catalog))
    return catalog
