"""The wire form of what the outbox delivers: a JSON manifest plus named attachments.

The manifest is built once, at submit, and its canonical bytes are what every later send
carries; its SHA-256 is the content fingerprint the platform compares under the record id
(identical resend accepted, different content refused). `docs/sync-protocol.md` describes it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from terminal.cases import CallbackRequest, Case, Complaint, Material, RatingRecord, Supplement
from terminal.identity import Identity

PROTOCOL_VERSION = 1
RECORD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # record ids and attachment names, both sides


@dataclass(frozen=True)
class Attachment:
    """One file that travels with a record; `name` is unique within the record."""

    name: str
    data: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Outgoing:
    """A record ready for the outbox: id, kind, the manifest's canonical bytes and its files."""

    record_id: str
    kind: str
    summary: str  # non-personal label kept after purge (item id, rating level, complaint category)
    manifest: bytes
    attachments: tuple[Attachment, ...]

    @property
    def manifest_sha256(self) -> str:
        return hashlib.sha256(self.manifest).hexdigest()


def canonical(value: Any) -> bytes:
    """Deterministic JSON so that the same content always has the same fingerprint."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _when(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _identity(person: Identity) -> dict[str, Any]:
    # The card photo is deliberately left out: the terminal never stores it.
    return {
        "card_type": person.card_type, "name": person.name, "sex": person.sex, "nation": person.nation,
        "birth": _when(person.birth), "address": person.address, "id_number": person.id_number,
        "authority": person.authority, "valid_from": _when(person.valid_from), "valid_to": _when(person.valid_to),
        "name_en": person.name_en, "nationality": person.nationality,
    }


def _envelope(record_id: str, kind: str, body: dict[str, Any], attachments: tuple[Attachment, ...]) -> bytes:
    return canonical({
        "protocol": PROTOCOL_VERSION,
        "record_id": record_id,
        "kind": kind,
        kind: body,
        "attachments": [{"name": a.name, "sha256": a.sha256, "size": len(a.data), "content_type": a.content_type}
                        for a in attachments],
    })


def _materials(materials: tuple[Material, ...], attachments: list[Attachment]) -> list[dict[str, Any]]:
    """Each material with its pages as named JPEG attachments (appended to `attachments`); the ID card
    read by the card reader is marked `from_card` and has no pages."""
    listed = []
    for m_index, material in enumerate(materials, start=1):
        pages = []
        for p_index, page in enumerate(material.pages, start=1):
            name = f"m{m_index:02d}-p{p_index:02d}.jpg"
            attachments.append(Attachment(name, page.jpeg, "image/jpeg"))
            pages.append({"attachment": name, "width": page.width, "height": page.height})
        card = {"from_card": True} if material.from_card else {}
        listed.append({"material_id": material.material_id, "name": material.name, "pages": pages, **card})
    return listed


def from_case(case: Case) -> Outgoing:
    attachments: list[Attachment] = []
    materials = _materials(case.materials, attachments)
    signature = None
    if case.signature_png:
        attachments.append(Attachment("signature.png", case.signature_png, "image/png"))
        signature = "signature.png"
    body = {
        "case_no": case.case_no, "terminal_id": case.terminal_id, "region": case.region,
        "item_id": case.item_id, "item_name": case.item_name, "department": case.department,
        "case_kind": case.kind.value, "submitted_at": _when(case.submitted_at),
        "promised_date": _when(case.promised_date), "applicant": _identity(case.applicant),
        "phone": case.phone, "form": dict(case.form), "materials": materials, "missing": list(case.missing),
        "signature": signature, "assisted_by": case.assisted_by,
        **({"promised_days": case.promised_days} if case.promised_days is not None else {}),
        "agent": _identity(case.agent) if case.agent is not None else None,
        "consent": {"notice_version": case.consent_version, "declaration_version": case.declaration_version},
        "delivery": {"method": case.delivery, "address": case.delivery_address},
    }
    files = tuple(attachments)
    return Outgoing(case.case_no, "case", case.item_id, _envelope(case.case_no, "case", body, files), files)


def rating_record_id(case_no: str) -> str:
    """A case is rated once, so the rating's own id derives from the case number."""
    return f"{case_no}-R"


def from_rating(rating: RatingRecord) -> Outgoing:
    record_id = rating_record_id(rating.case_no)
    body = {"case_no": rating.case_no, "terminal_id": rating.terminal_id, "rating": rating.rating.value,
            "label": rating.rating.label, "reasons": list(rating.reasons), "comment": rating.comment,
            "rated_at": _when(rating.rated_at), "item_id": rating.item_id, "item_name": rating.item_name,
            "channel": rating.channel}
    return Outgoing(record_id, "rating", str(rating.rating.value), _envelope(record_id, "rating", body, ()), ())


def from_complaint(complaint: Complaint) -> Outgoing:
    body = {"complaint_no": complaint.complaint_no, "terminal_id": complaint.terminal_id,
            "category": complaint.category, "text": complaint.text, "phone": complaint.phone,
            "created_at": _when(complaint.created_at)}
    return Outgoing(complaint.complaint_no, "complaint", complaint.category,
                    _envelope(complaint.complaint_no, "complaint", body, ()), ())


def from_supplement(supplement: Supplement) -> Outgoing:
    """补交材料: pages for a case already sent, linked by `case_no`; its own number is the record id."""
    attachments: list[Attachment] = []
    body = {"supplement_no": supplement.supplement_no, "case_no": supplement.case_no,
            "terminal_id": supplement.terminal_id, "item_id": supplement.item_id, "item_name": supplement.item_name,
            "submitted_at": _when(supplement.submitted_at),
            "materials": _materials(supplement.materials, attachments)}
    files = tuple(attachments)
    return Outgoing(supplement.supplement_no, "supplement", supplement.item_id,
                    _envelope(supplement.supplement_no, "supplement", body, files), files)
def from_callback(request: CallbackRequest) -> Outgoing:
    """预约 / 请工作人员联系我: the phone to call, when, and about which item (no identity: none was read)."""
    body = {"request_no": request.request_no, "terminal_id": request.terminal_id, "phone": request.phone,
            "preferred": request.preferred, "reason": request.reason, "item_id": request.item_id,
            "item_name": request.item_name, "department": request.department,
            "created_at": _when(request.created_at)}
    return Outgoing(request.request_no, "callback", request.reason,
                    _envelope(request.request_no, "callback", body, ()), ())
