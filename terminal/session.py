"""The citizen session: one person's visit to the terminal, as a plain state machine.

The UI only displays this object and forwards touches to it; every rule of the journey lives
here so it can be tested without a screen. States and the moves between them are the explicit
table `TRANSITIONS`; any other move raises `TransitionError`. `back()` returns along the path taken
(not from submit onwards: a submitted case cannot be taken back), `cancel()` works everywhere.

Personal data (identity, form, phone, scanned pages, signature, typed search text, progress
queries, complaint text) lives only in one private `_Draft`, which is dropped whole on cancel,
on finishing and on the idle timeout, so nothing reachable from the session keeps it afterwards.
Events carry no personal data either: observers read what they need from the session.

Threading: a session belongs to the UI thread. Device threads hand their results to the UI
thread (Kivy's Clock) which then calls the session; the idle clock is ticked by the UI. Submitting
is split so the outbox's fsyncs run off the UI thread: `prepare_submit` (UI thread: number, frozen
case), `PendingSubmission.write` (worker), `complete_submit` (UI thread). The idle timeout does not
wipe while a write is in flight; a cancel during it leaves the written case valid in the outbox.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from types import MappingProxyType
from typing import Protocol

from terminal import events
from terminal.casenumber import CaseNumbers
from terminal.cases import CallbackRequest, Case, CaseKind, Complaint, Material, Page, Rating, RatingRecord, Supplement
from terminal.catalog import Catalog, Item, MaterialSpec
from terminal.config import Config
from terminal.errors import TerminalError
from terminal.forms import FieldSpec, check, check_address
from terminal.identity import Identity
from terminal.idnumber import check_id_number
from terminal.workdays import CalendarUnknownYear, add_working_days

log = logging.getLogger(__name__)
OTHER_REASON = "其他"  # a bad rating's reason in the citizen's own words: the rating's comment says it


class State(str, Enum):
    HOME = "home"
    ITEM = "item"            # choosing an item: browse by department / theme, search
    GUIDE = "guide"          # the service guide and the full materials list (一次性告知)
    CONSENT = "consent"      # what personal information is collected and why; 本人办理 / 代他人办理
    IDENTIFY = "identify"    # waiting for the ID card
    FORM = "form"
    MATERIALS = "materials"  # scanning each material
    REVIEW = "review"        # everything on one screen, signature
    SUBMIT = "submit"        # the case number, at once
    RECEIPT = "receipt"
    RATING = "rating"        # 好差评
    PROGRESS = "progress"    # 进度查询
    COMPLAINT = "complaint"  # 有诉即办
    HELP = "help"            # 帮办代办
    SUPPLEMENT = "supplement"  # 补交材料 for a case already submitted
    CALLBACK = "callback"    # 预约 / 请工作人员联系我: a phone and a time for staff to call back


S = State
# Forward moves. Back moves follow the path taken; cancel goes home from anywhere.
TRANSITIONS: Mapping[State, frozenset[State]] = MappingProxyType({
    S.HOME: frozenset({S.ITEM, S.PROGRESS, S.RATING, S.COMPLAINT, S.HELP, S.SUPPLEMENT}),
    S.ITEM: frozenset({S.GUIDE, S.HELP}),
    S.GUIDE: frozenset({S.CONSENT, S.HELP, S.CALLBACK}),
    S.CONSENT: frozenset({S.IDENTIFY, S.HELP}),
    S.IDENTIFY: frozenset({S.FORM, S.HELP}),
    S.FORM: frozenset({S.MATERIALS, S.HELP}),
    S.MATERIALS: frozenset({S.REVIEW, S.HELP}),
    S.REVIEW: frozenset({S.SUBMIT, S.HELP}),
    S.SUBMIT: frozenset({S.RECEIPT}),
    S.RECEIPT: frozenset({S.RATING}),
    S.RATING: frozenset({S.HOME}),
    S.PROGRESS: frozenset({S.HOME, S.SUPPLEMENT}),
    S.SUPPLEMENT: frozenset({S.HOME}),
    S.COMPLAINT: frozenset({S.HOME}),
    S.HELP: frozenset({S.HOME, S.CALLBACK}),
    S.CALLBACK: frozenset({S.HOME}),
})
# Once a case is submitted there is no way back into it, only forward or cancel.
NO_BACK: frozenset[State] = frozenset({S.HOME, S.SUBMIT, S.RECEIPT, S.RATING})


class Journey(str, Enum):
    """Why the citizen opened the catalog: to apply (我要办事) or only to read guides (办事指南)."""

    APPLY = "apply"
    GUIDE = "guide"


class TransitionError(TerminalError):
    """A move the journey does not allow from the current state (a UI bug or a stale touch)."""

    advice_zh = "这一步现在不能进行，请按屏幕上的提示操作。"

    def __init__(self, current: State, action: str) -> None:
        super().__init__(f"cannot {action} in state {current.value}")
        self.current = current
        self.action = action


class FormInvalid(TerminalError):
    """What the citizen entered is not complete; `errors` maps each field to a sentence in Chinese."""

    advice_zh = "填写的内容还不完整，请按提示修改。"

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("invalid fields: " + ", ".join(sorted(errors)))
        self.errors = dict(errors)


class CaseSink(Protocol):
    """Where submitted cases go (the outbox)."""

    def submit(self, case: Case) -> None: ...


class IntakeClosed(TerminalError):
    """The terminal cannot store a new case now (a full or read-only data partition)."""

    advice_zh = "本机暂时不能受理新的申请，请到窗口办理，或稍后再来。"


def always_open() -> str:
    return ""


class RatingSink(Protocol):
    def add_rating(self, rating: RatingRecord) -> None: ...


class ComplaintSink(Protocol):
    def add_complaint(self, complaint: Complaint) -> None: ...


class SupplementSink(Protocol):
    def add_supplement(self, supplement: Supplement) -> None: ...


@dataclass(frozen=True)
class SupplementTarget:
    """The case a 补交材料 is for and what it still lacks (from the platform's progress, else the outbox)."""

    case_no: str
    item_id: str
    item_name: str
    missing: tuple[MaterialSpec, ...]


@dataclass(frozen=True, eq=False)
class PendingSupplement:
    """A frozen supplement on its way to the outbox; `write` may run off the UI thread (fsyncs)."""

    supplement: Supplement
    sink: SupplementSink

    def write(self) -> None:
        self.sink.add_supplement(self.supplement)


class CallbackSink(Protocol):
    def add_callback(self, request: CallbackRequest) -> None: ...


@dataclass(frozen=True)
class SessionEvent:
    """What changed, for a UI to redraw. Never carries personal data.

    kind: "state" (moved to `state`), "changed" (data on the current screen changed),
    "idle_warning" (countdown started), "idle_resumed" (the person touched the screen again),
    "timed_out", "cancelled", "finished", "submitted", "elderly".
    """

    kind: str
    state: State


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    from_card: bool  # read-only: it came from the ID card


FORM_FIELDS: tuple[FormField, ...] = (
    FormField("name", "姓名", True),
    FormField("id_number", "证件号码", True),
    FormField("address", "住址", True),
    FormField("phone", "联系电话", False),
)
_FIELD_BY_KEY = {f.key: f for f in FORM_FIELDS}
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# What an agent (代办人) hands in besides the guide's materials: the principal's signed authorisation.
POWER_OF_ATTORNEY = MaterialSpec("power_of_attorney", "授权委托书", "原件",
                                 note="委托人签名或按手印的委托书，代他人办理时必须提供")
PRINCIPAL_NAME_RE = re.compile(r"^[\u4e00-\u9fa5·]{2,15}$")


@dataclass(frozen=True)
class MaterialStatus:
    """One material of the guide and how many pages have been scanned for it."""

    spec: MaterialSpec
    pages: int

    @property
    def done(self) -> bool:
        return self.pages > 0


@dataclass
class _Draft:
    """Everything one person brought; replaced whole by a fresh instance to wipe it."""

    journey: Journey | None = None
    history: list[State] = field(default_factory=list)
    search_text: str = ""
    search_results: list[Item] = field(default_factory=list)
    item: Item | None = None
    identity: Identity | None = None
    form: dict[str, str] = field(default_factory=dict)
    pages: dict[str, list[Page]] = field(default_factory=dict)
    signature_png: bytes = b""
    assisted_by: str = ""
    principal_typed: bool = False  # 代他人办理 with the principal's number typed: no card was read for them
    consent_version: str = ""  # the notice version agreed to; "" until 同意
    on_behalf: bool = False  # 代他人办理: the first card read is the agent's, the next the principal's
    agent: Identity | None = None
    delivery: str = "window"
    delivery_address: str = ""
    case: Case | None = None
    progress_case_no: str = ""
    progress_identity: Identity | None = None
    complaint: Complaint | None = None
    callback: CallbackRequest | None = None
    promised_estimated: bool = False
    reserved_case_no: str = ""  # numbered at the first submit attempt, kept for retries
    supplement_target: SupplementTarget | None = None
    supplement_pages: dict[str, list[Page]] = field(default_factory=dict)
    supplement_no: str = ""  # reserved at the first attempt, like reserved_case_no
    supplement_pending: PendingSupplement | None = None
    supplement: Supplement | None = None  # written: the done view shows it
    pending: PendingSubmission | None = None  # a case being written by a worker thread


@dataclass(frozen=True, eq=False)
class PendingSubmission:
    """A frozen case on its way to the sink. `write` is the only part that may run off the UI thread:
    it touches nothing in the session, so the UI keeps drawing while the outbox fsyncs."""

    case: Case
    sink: CaseSink

    def write(self) -> None:
        """Hand the case to the sink; raises what the sink raises (StorageFull when the disk is full)."""
        self.sink.submit(self.case)


class Session:
    """One citizen's visit, from the home screen back to it."""

    def __init__(self, config: Config, catalog: Catalog, sink: CaseSink, numbers: CaseNumbers, *,
                 ratings: RatingSink | None = None, complaints: ComplaintSink | None = None,
                 supplements: SupplementSink | None = None,
                 clock: Callable[[], float] = time.monotonic, now: Callable[[], datetime] = datetime.now,
                 intake: Callable[[], str] = always_open, callbacks: CallbackSink | None = None) -> None:
        """`intake` says whether a new case could be stored now: "" when it can, else why, in a
        sentence for the citizen (the outbox's disk check; see `intake_refusal`)."""
        self.config = config
        self._intake = intake
        self.catalog = catalog
        self._sink = sink
        self._numbers = numbers
        self._ratings = ratings
        self._complaints = complaints
        self._supplements = supplements
        self._callbacks = callbacks
        self._clock = clock
        self._now = now
        self._observers: list[Callable[[SessionEvent], None]] = []
        self._state = State.HOME
        self._draft = _Draft()
        self._elderly = config.display.elderly_default
        self._last_activity = clock()
        self._warning = False
        self._visiting = False  # between SESSION_STARTED and SESSION_WIPED in the event log

    # ---- observing -------------------------------------------------------------------------

    def subscribe(self, observer: Callable[[SessionEvent], None]) -> Callable[[], None]:
        """Call `observer` on every event; returns a function that unsubscribes it."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer)

    def _emit(self, kind: str) -> None:
        event = SessionEvent(kind, self._state)
        for observer in list(self._observers):
            observer(event)

    # ---- what the screens read -------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def journey(self) -> Journey | None:
        return self._draft.journey

    @property
    def elderly(self) -> bool:
        return self._elderly

    @property
    def search_text(self) -> str:
        return self._draft.search_text

    @property
    def search_results(self) -> Sequence[Item]:
        return tuple(self._draft.search_results)

    @property
    def item(self) -> Item | None:
        return self._draft.item

    @property
    def identity(self) -> Identity | None:
        return self._draft.identity

    @property
    def form(self) -> Mapping[str, str]:
        return MappingProxyType(self._draft.form)

    @property
    def signature_png(self) -> bytes:
        return self._draft.signature_png

    @property
    def on_behalf(self) -> bool:
        """代他人办理 was chosen: the applicant (`identity`) is the principal, `agent` applies for them."""
        return self._draft.on_behalf

    @property
    def agent(self) -> Identity | None:
        return self._draft.agent

    @property
    def consented(self) -> bool:
        return bool(self._draft.consent_version)

    @property
    def item_fields(self) -> tuple[FieldSpec, ...]:
        """The chosen item's own form fields (the catalog's `fields`), in the guide's order."""
        item = self._draft.item
        return item.guide.fields if item is not None and item.guide is not None else ()

    @property
    def delivery_options(self) -> tuple[str, ...]:
        """How the result may reach the applicant (window, post); one option means no choice to make."""
        item = self._draft.item
        return item.guide.delivery if item is not None and item.guide is not None else ("window",)

    @property
    def delivery(self) -> tuple[str, str]:
        """(window or post, the postal address typed for post)."""
        return self._draft.delivery, self._draft.delivery_address

    @property
    def case(self) -> Case | None:
        """The submitted case (SUBMIT, RECEIPT, RATING)."""
        return self._draft.case

    @property
    def complaint(self) -> Complaint | None:
        return self._draft.complaint

    @property
    def callback(self) -> CallbackRequest | None:
        """The call-back request left in this visit (CALLBACK, once sent)."""
        return self._draft.callback

    @property
    def progress_query(self) -> tuple[str, Identity | None]:
        """(case number typed, identity read) of a progress query; the lookup itself is elsewhere."""
        return self._draft.progress_case_no, self._draft.progress_identity

    @property
    def materials(self) -> tuple[MaterialStatus, ...]:
        """The materials of the chosen item's guide to scan, in guide order, with pages scanned so far.
        The ID card itself (`from_card`) is not among them: the card read verifies it."""
        item = self._draft.item
        if item is None or item.guide is None:
            return ()
        specs = item.guide.materials + ((POWER_OF_ATTORNEY,) if self._draft.on_behalf else ())
        card_read = not self._draft.principal_typed  # a typed principal's ID card was not read: scan it
        return tuple(MaterialStatus(m, len(self._draft.pages.get(m.id, ()))) for m in specs
                     if not (m.from_card and card_read))

    @property
    def card_materials(self) -> tuple[MaterialSpec, ...]:
        """Materials the card read stands for (the applicant's ID card), once the card was read."""
        item = self._draft.item
        if item is None or item.guide is None or self._draft.identity is None or self._draft.principal_typed:
            return ()
        return tuple(m for m in item.guide.materials if m.from_card)

    @property
    def missing(self) -> tuple[str, ...]:
        """Names of required materials with no page yet: a case submitted now gets a correction notice.
        A card material counts as handed in once the card was read."""
        item = self._draft.item
        unread = tuple(m.name for m in (item.guide.materials if item and item.guide else ())
                       if m.from_card and m.required and self._draft.identity is None)
        return unread + tuple(s.spec.name for s in self.materials if s.spec.required and not s.done)

    def pages(self, material_id: str) -> tuple[Page, ...]:
        return tuple(self._draft.pages.get(material_id, ()))

    def has_personal_data(self) -> bool:
        return self._draft != _Draft()

    # ---- moving ----------------------------------------------------------------------------

    def _require(self, action: str, *states: State) -> None:
        if self._state not in states:
            raise TransitionError(self._state, action)

    def _go(self, target: State, action: str) -> None:
        if target not in TRANSITIONS[self._state]:
            raise TransitionError(self._state, action)
        if not self._visiting:
            self._visiting = True
            events.record(events.EventId.SESSION_STARTED, action=action)
        self._draft.history.append(self._state)
        self._state = target
        self.touch()
        log.info("event=session_state state=%s", target.value)
        self._emit("state")

    def back(self) -> None:
        """One step back along the path taken (not from submit onwards, where only cancel remains)."""
        if self._state in NO_BACK or not self._draft.history:
            raise TransitionError(self._state, "go back")
        self._state = self._draft.history.pop()
        if self._state == State.HOME:
            self._wipe(keep_elderly=True, reason="back")
        self.touch()
        self._emit("state")

    def cancel(self) -> None:
        """Give up from anywhere: everything personal is dropped and the home screen shows."""
        self._wipe(reason="cancel")
        self._emit("cancelled")

    def finish(self) -> None:
        """Done (after rating, a progress query, a complaint or a help request): wipe and go home."""
        if State.HOME not in TRANSITIONS[self._state]:
            raise TransitionError(self._state, "finish")
        self._wipe(reason="finish")
        self._emit("finished")

    def _wipe(self, keep_elderly: bool = False, reason: str = "") -> None:
        if self._visiting:  # not for a tap on 首页 while already at home
            self._visiting = False
            events.record(events.EventId.SESSION_WIPED, reason=reason)
        self._draft = _Draft()
        self._state = State.HOME
        if not keep_elderly:
            self._elderly = self.config.display.elderly_default
        self._warning = False
        self._last_activity = self._clock()

    # ---- home ------------------------------------------------------------------------------

    def set_elderly(self, on: bool) -> None:
        """长辈模式: larger everything and longer timeouts, until the session ends."""
        self._elderly = on
        self.touch()
        self._emit("elderly")

    def start_application(self) -> None:
        """我要办事."""
        self._require("start an application", State.HOME)
        self._draft.journey = Journey.APPLY
        self._go(State.ITEM, "start an application")

    def browse_guides(self) -> None:
        """办事指南: the same catalog, for reading; applying from a guide is still possible."""
        self._require("browse guides", State.HOME)
        self._draft.journey = Journey.GUIDE
        self._go(State.ITEM, "browse guides")

    def query_progress(self) -> None:
        self._go(State.PROGRESS, "query progress")

    def start_complaint(self) -> None:
        self._go(State.COMPLAINT, "start a complaint")

    def start_rating(self) -> None:
        """我要评价 from home, or the rating step after the receipt."""
        self._go(State.RATING, "rate")

    def request_help(self) -> None:
        """帮办代办: from home or from any step before submitting; back() returns to that step."""
        self._go(State.HELP, "request help")

    # ---- choosing an item ------------------------------------------------------------------

    def search(self, text: str, *, department: str | None = None, limit: int = 50) -> Sequence[Item]:
        """Search as the person types; the text is kept (and wiped) with the rest of the draft."""
        self._require("search", State.ITEM)
        self._draft.search_text = text
        self._draft.search_results = list(self.catalog.search(text, department=department, limit=limit)) if text else []
        self.touch()
        self._emit("changed")
        return self.search_results

    def choose_item(self, item: Item) -> None:
        self._require("choose an item", State.ITEM)
        self._draft.item = item
        self._draft.pages = {}
        self._go(State.GUIDE, "choose an item")

    # ---- applying --------------------------------------------------------------------------

    @property
    def intake_refusal(self) -> str:
        """Why no new application can be taken now ("" when it can): asked when home and a guide are
        shown, so nobody fills in a form the terminal could not store."""
        return self._intake()

    def begin_identify(self) -> None:
        """开始办理 on the guide: only items with a guide can be applied for here, and only while
        the terminal can store the case (else IntakeClosed, whose advice is the refusal). The consent
        notice comes first: nothing is read before the person agrees (`agree`)."""
        self._require("start applying", State.GUIDE)
        if self._draft.item is None or self._draft.item.guide is None:
            raise TransitionError(self._state, "apply for an item without a service guide")
        refusal = self.intake_refusal
        if refusal:
            raise IntakeClosed("new cases cannot be stored now", advice_zh=refusal)
        self._go(State.CONSENT, "start applying")

    def agree(self, sensitive: bool, on_behalf: bool) -> None:
        """同意 on the consent notice, for oneself or 代他人办理. PIPL asks a separate consent for
        sensitive personal information (the ID number, photo, signature): without it nothing is read."""
        self._require("agree to the notice", State.CONSENT)
        if not sensitive:
            raise FormInvalid({"sensitive": "请先勾选单独同意处理敏感个人信息；不同意的，请到服务窗口办理"})
        self._draft.consent_version = self.config.consent.notice_version
        self._draft.on_behalf = on_behalf
        self._draft.agent = None
        log.info("event=consent_given version=%s on_behalf=%s", self._draft.consent_version, on_behalf)
        self._go(State.IDENTIFY, "agree to the notice")

    def identified(self, identity: Identity) -> None:
        """A card was read: the applicant's, and the form is prefilled from it. 代他人办理: the first
        card is the agent's (the session stays here for the principal's card, or number and name)."""
        self._require("accept an identity", State.IDENTIFY)
        draft = self._draft
        if not draft.consent_version:
            raise TransitionError(self._state, "read a card before consent")
        if draft.on_behalf and draft.agent is None:
            draft.agent = identity
            self.touch()
            self._emit("changed")
            return
        if draft.agent is not None and draft.agent.id_number == identity.id_number:
            raise FormInvalid({"principal": "这是代办人本人的身份证，请放委托人（被代办人）的身份证"})
        self._draft.identity = identity
        phone = self._draft.form.get("phone", "")
        self._draft.form = {"name": identity.name, "id_number": identity.id_number,
                            "address": identity.address, "phone": phone}
        self._go(State.FORM, "accept an identity")

    def principal_typed(self, id_number: str, name: str) -> None:
        """代他人办理 when the principal's card is not here: their ID number and name, typed. The number
        must be a valid 18-character number; the case says the principal was not read from a card."""
        self._require("accept a typed principal", State.IDENTIFY)
        if not self._draft.on_behalf or self._draft.agent is None:
            raise TransitionError(self._state, "type a principal before the agent's card")
        id_number, name = id_number.strip().upper(), name.strip()
        errors = {}
        if not check_id_number(id_number).valid:
            errors["principal_id"] = "身份证号码不对，请核对18位号码（最后一位可能是X）"
        if not PRINCIPAL_NAME_RE.match(name):
            errors["principal_name"] = "请写委托人的姓名（2到15个汉字）"
        if errors:
            raise FormInvalid(errors)
        birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        sex = "男" if int(id_number[16]) % 2 else "女"
        self._draft.principal_typed = True
        self.identified(Identity("resident", name, sex, "", birth, "", id_number, "", None, None))

    def set_field(self, key: str, value: str) -> None:
        self._require("edit the form", State.FORM)
        spec = _FIELD_BY_KEY.get(key)
        if spec is None and key not in {f.key for f in self.item_fields}:
            raise FormInvalid({key: "没有这一项"})
        if spec is not None and spec.from_card:
            raise FormInvalid({key: f"{spec.label}来自身份证，不能修改"})
        self._draft.form[key] = value.strip()
        self.touch()
        self._emit("changed")

    def set_delivery(self, method: str, address: str | None = None) -> None:
        """窗口领取 or 邮寄 (with the address typed so far; kept, and wiped, with the draft)."""
        self._require("choose the delivery", State.FORM)
        if method not in self.delivery_options:
            raise FormInvalid({"delivery": "本事项不能这样领取结果，请选择列出的方式"})
        self._draft.delivery = method
        if address is not None:
            self._draft.delivery_address = address.strip()
        self.touch()
        self._emit("changed")

    def form_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        form = self._draft.form
        for spec in FORM_FIELDS:
            if not form.get(spec.key) and (spec.key != "address" or not self._draft.on_behalf):
                errors[spec.key] = f"请填写{spec.label}"  # (a typed principal has no address from a card)
        phone = form.get("phone", "")
        if phone and not PHONE_RE.match(phone):
            errors["phone"] = "联系电话应为11位手机号码（以1开头），或带区号的固定电话"
        today = self._now().date()
        for field_spec in self.item_fields:
            problem = check(field_spec, form.get(field_spec.key, ""), today)
            if problem:
                errors[field_spec.key] = problem
        if self._draft.delivery == "post":
            problem = check_address(self._draft.delivery_address)
            if problem:
                errors["delivery_address"] = problem
        return errors

    def confirm_form(self) -> None:
        self._require("confirm the form", State.FORM)
        errors = self.form_errors()
        if errors:
            raise FormInvalid(errors)
        self._go(State.MATERIALS, "confirm the form")

    def _known_material(self, material_id: str) -> None:
        if material_id not in {s.spec.id for s in self.materials}:
            raise FormInvalid({material_id: "这份材料不在本事项的材料清单中"})

    def add_page(self, material_id: str, page: Page) -> None:
        self._require("add a page", State.MATERIALS)
        self._known_material(material_id)
        self._draft.pages.setdefault(material_id, []).append(page)
        self.touch()
        self._emit("changed")

    def remove_page(self, material_id: str, index: int) -> None:
        """Delete one page (retake): the person saw it was blurred or wrong."""
        self._require("remove a page", State.MATERIALS)
        self._known_material(material_id)
        del self._draft.pages[material_id][index]
        self.touch()
        self._emit("changed")

    def to_review(self) -> None:
        """Allowed with materials missing: the case then gets a correction notice (补齐补正通知书)."""
        self._go(State.REVIEW, "review")

    def sign(self, signature_png: bytes) -> None:
        self._require("sign", State.REVIEW)
        self._draft.signature_png = signature_png
        self.touch()
        self._emit("changed")

    def set_assistant(self, staff_code: str) -> None:
        """帮办代办: the staff member helping records their code on the case."""
        self._require("record an assistant", *(s for s in State if s not in NO_BACK))
        self._draft.assisted_by = staff_code
        self._emit("changed")

    def promised_date(self, submitted: date) -> date | None:
        """The date promised on the receipt: the guide's promised working days after `submitted`.

        In a year whose holidays nobody knows yet the date is estimated from weekends alone, and
        `promised_estimated` turns true so the receipt can say 预计, instead of refusing the case.
        """
        item = self._draft.item
        if item is None or item.guide is None:
            return None
        try:
            return add_working_days(submitted, item.guide.promised_days, self.config.calendar)
        except CalendarUnknownYear:
            self._draft.promised_estimated = True
            return add_working_days(submitted, item.guide.promised_days, self.config.calendar, estimate=True)

    @property
    def promised_estimated(self) -> bool:
        return self._draft.promised_estimated

    def submit(self) -> Case:
        """Prepare, write and complete in one go, on the calling thread (scripts and tests)."""
        pending = self.prepare_submit()
        try:
            pending.write()
        except TerminalError as error:
            self.complete_submit(pending, error)
            raise
        case = self.complete_submit(pending, None)
        assert case is not None  # this session still holds `pending`: nothing ran in between
        return case

    def prepare_submit(self) -> PendingSubmission:
        """Freeze the case and give it its number (UI thread); the slow write is `PendingSubmission.write`.

        The number is kept in the draft until the write succeeds, so a retry after a failed write
        (disk full) submits under the same number: none is lost to the failure, none is reused.
        While a submission is in flight a second one is refused, so a double tap makes one case.
        """
        self._require("submit", State.REVIEW)
        draft = self._draft
        if draft.pending is not None:
            raise TransitionError(self._state, "submit twice")
        if not draft.signature_png:
            raise FormInvalid({"signature": "请在签名框内签名"})
        item, identity = draft.item, draft.identity
        assert item is not None and item.guide is not None and identity is not None  # guaranteed by the path
        submitted_at = self._now()
        materials = tuple(Material(m.id, m.name, from_card=True) for m in self.card_materials) + tuple(
            Material(s.spec.id, s.spec.name, tuple(draft.pages.get(s.spec.id, ()))) for s in self.materials if s.done)
        draft.reserved_case_no = draft.reserved_case_no or self._numbers.next()
        case = Case(
            case_no=draft.reserved_case_no, terminal_id=self.config.terminal.id,
            region=self.config.terminal.region,
            item_id=item.id, item_name=item.title, department=item.department,
            kind=item.guide.case_kind or CaseKind.PROMISED, submitted_at=submitted_at,
            promised_date=self.promised_date(submitted_at.date()), applicant=identity,
            phone=draft.form.get("phone", ""), form=MappingProxyType(dict(draft.form)), materials=materials,
            missing=self.missing, signature_png=draft.signature_png, assisted_by=draft.assisted_by,
            promised_days=item.guide.promised_days,
            agent=draft.agent, consent_version=draft.consent_version,
            declaration_version=self.config.consent.declaration_version, delivery=draft.delivery,
            delivery_address=draft.delivery_address if draft.delivery == "post" else "")
        draft.pending = PendingSubmission(case, self._sink)
        return draft.pending

    @property
    def submitting(self) -> bool:
        """A case is being written: the review screen waits, the idle timeout holds off."""
        return self._draft.pending is not None

    def complete_submit(self, pending: PendingSubmission, error: TerminalError | None) -> Case | None:
        """The write finished (UI thread). On success the case number shows; on `error` the person
        stays on review with everything intact and may try again under the same number.

        If the session no longer holds `pending` (cancelled while writing), the case is nevertheless
        in the outbox under its number and is processed as any other; the new visit is not touched
        and None is returned.
        """
        case = pending.case
        if self._draft.pending is not pending:
            log.info("event=case_submit_after_wipe case_no=%s written=%s", case.case_no, error is None)
            return None
        self._draft.pending = None
        if error is not None:
            log.warning("event=case_submit_failed case_no=%s error=%s", case.case_no, type(error).__name__)
            self.touch()
            return None
        draft = self._draft
        draft.case = case
        draft.reserved_case_no = ""
        log.info("event=case_submitted case_no=%s item=%s missing=%d", case.case_no, case.item_id, len(case.missing))
        events.record(events.EventId.CASE_SUBMITTED, case_no=case.case_no, item=case.item_id,
                      missing=len(case.missing))
        self._go(State.SUBMIT, "submit")
        self._emit("submitted")
        return case

    def show_receipt(self) -> None:
        self._go(State.RECEIPT, "show the receipt")

    # ---- rating, progress, complaint -------------------------------------------------------

    def rate(self, rating: Rating, reasons: Sequence[str] = (), comment: str = "", case_no: str = "") -> RatingRecord:
        """Record a 好差评 rating; bad ratings need at least one reason. The rater stays anonymous.

        After a submission the rating is of that case. From 我要评价 on the home screen it is of the
        case number typed from a receipt (`case_no`), or else of this visit, under a number of its own.
        """
        self._require("rate", State.RATING)
        if rating.is_bad and not reasons:
            raise FormInvalid({"reasons": "请选择不满意的原因"})
        unknown = [r for r in reasons if r not in self.config.rating.bad_reasons and r != OTHER_REASON]
        if unknown:
            raise FormInvalid({"reasons": "请从列出的原因中选择"})
        if OTHER_REASON in reasons and not comment.strip():
            raise FormInvalid({"reasons": "请写下其他原因，或不选“其他”"})
        case = self._draft.case
        rated = case.case_no if case else (case_no.strip().upper() or self._numbers.next())
        record = RatingRecord(case_no=rated, terminal_id=self.config.terminal.id,
                              rating=rating, reasons=tuple(reasons), comment=comment, rated_at=self._now(),
                              item_id=case.item_id if case else "", item_name=case.item_name if case else "",
                              channel=self.config.rating.channel)
        if self._ratings is not None:
            self._ratings.add_rating(record)
        self.touch()
        self._emit("changed")
        return record

    def set_progress_query(self, case_no: str = "", identity: Identity | None = None) -> None:
        """A case number typed on the keypad, or the card of the person asking."""
        self._require("query progress", State.PROGRESS)
        self._draft.progress_case_no = case_no.strip().upper()
        self._draft.progress_identity = identity
        self.touch()
        self._emit("changed")

    def submit_complaint(self, category: str, text: str, phone: str = "") -> Complaint:
        self._require("submit a complaint", State.COMPLAINT)
        errors = {}
        if category not in self.config.complaints.categories:
            errors["category"] = "请先选择问题类别"
        if not text.strip():
            errors["text"] = "请写下或选择您要反映的问题"
        if phone and not PHONE_RE.match(phone):
            errors["phone"] = "联系电话应为11位手机号码（以1开头），或带区号的固定电话"
        if errors:
            raise FormInvalid(errors)
        complaint = Complaint(complaint_no=self._numbers.next(), terminal_id=self.config.terminal.id,
                              category=category, text=text.strip(), phone=phone, created_at=self._now())
        if self._complaints is not None:
            self._complaints.add_complaint(complaint)
        self._draft.complaint = complaint
        self.touch()
        self._emit("changed")
        return complaint

    # ---- 补交材料 ------------------------------------------------------------------------------

    def start_supplement(self) -> None:
        """补交材料: from home, or from a progress answer that says materials are missing."""
        self._go(State.SUPPLEMENT, "hand in missing materials")

    @property
    def supplement_target(self) -> SupplementTarget | None:
        return self._draft.supplement_target

    @property
    def supplement(self) -> Supplement | None:
        """The supplement once written (the done view shows its number)."""
        return self._draft.supplement

    def choose_supplement_case(self, case_no: str, item_id: str, item_name: str, missing: Sequence[str]) -> SupplementTarget:
        """The case found (by number or card) and what it still lacks. Each missing name is matched to
        the guide's material (for its note and id); a name the guide does not know still gets a slot.
        The ID card itself is never asked for: the platform's list may name it, the card read covers it."""
        self._require("choose the case to supplement", State.SUPPLEMENT)
        try:
            item_guide = self.catalog.get(item_id).guide
        except KeyError:  # an item of another region or an older catalog: the names alone
            item_guide = None
        guide = {m.name: m for m in (item_guide.materials if item_guide else ())}
        specs = tuple(guide.get(name) or MaterialSpec(f"extra-{index}", name, "原件")
                      for index, name in enumerate(dict.fromkeys(missing), 1))
        target = SupplementTarget(case_no, item_id, item_name, tuple(m for m in specs if not m.from_card))
        self._draft.supplement_target, self._draft.supplement_pages = target, {}
        self.touch()
        self._emit("changed")
        return target

    @property
    def supplement_materials(self) -> tuple[MaterialStatus, ...]:
        target = self._draft.supplement_target
        if target is None:
            return ()
        return tuple(MaterialStatus(m, len(self._draft.supplement_pages.get(m.id, ()))) for m in target.missing)

    def _supplement_material(self, material_id: str) -> None:
        self._require("scan a supplement", State.SUPPLEMENT)
        if material_id not in {s.spec.id for s in self.supplement_materials}:
            raise FormInvalid({material_id: "这份材料不在待补材料清单中"})

    def add_supplement_page(self, material_id: str, page: Page) -> None:
        self._supplement_material(material_id)
        self._draft.supplement_pages.setdefault(material_id, []).append(page)
        self.touch()
        self._emit("changed")

    def remove_supplement_page(self, material_id: str, index: int) -> None:
        self._supplement_material(material_id)
        del self._draft.supplement_pages[material_id][index]
        self.touch()
        self._emit("changed")

    def prepare_supplement(self) -> PendingSupplement:
        """Freeze the scanned pages under a number kept for retries; the write is `PendingSupplement.write`."""
        self._require("hand in a supplement", State.SUPPLEMENT)
        draft, target = self._draft, self._draft.supplement_target
        if target is None or self._supplements is None:
            raise TransitionError(self._state, "hand in a supplement without a case")
        if draft.supplement_pending is not None:
            raise TransitionError(self._state, "hand in a supplement twice")
        materials = tuple(Material(s.spec.id, s.spec.name, tuple(draft.supplement_pages[s.spec.id]))
                          for s in self.supplement_materials if s.done)
        if not materials:
            raise FormInvalid({"materials": "请至少扫描一份材料再提交"})
        draft.supplement_no = draft.supplement_no or self._numbers.next()
        supplement = Supplement(draft.supplement_no, target.case_no, self.config.terminal.id, target.item_id,
                                target.item_name, materials, self._now())
        draft.supplement_pending = PendingSupplement(supplement, self._supplements)
        return draft.supplement_pending

    def complete_supplement(self, pending: PendingSupplement, error: TerminalError | None) -> Supplement | None:
        """The write finished (UI thread): on success the done view shows; on error the pages stay for a retry."""
        if self._draft.supplement_pending is not pending:
            log.info("event=supplement_after_wipe record=%s written=%s", pending.supplement.supplement_no, error is None)
            return None
        self._draft.supplement_pending = None
        if error is not None:
            log.warning("event=supplement_failed record=%s error=%s", pending.supplement.supplement_no,
                        type(error).__name__)
            self.touch()
            return None
        self._draft.supplement = pending.supplement
        events.record(events.EventId.SUPPLEMENT_SUBMITTED, record=pending.supplement.supplement_no,
                      case_no=pending.supplement.case_no, materials=len(pending.supplement.materials))
        log.info("event=supplement_submitted record=%s case_no=%s materials=%d", pending.supplement.supplement_no,
                 pending.supplement.case_no, len(pending.supplement.materials))
        self.touch()
        self._emit("changed")
        return pending.supplement

    def submit_supplement(self) -> Supplement:
        """Prepare, write and complete on the calling thread (scripts and tests)."""
        pending = self.prepare_supplement()
        try:
            pending.write()
        except TerminalError as error:
            self.complete_supplement(pending, error)
            raise
        done = self.complete_supplement(pending, None)
        assert done is not None
        return done

    # ---- call-back request ------------------------------------------------------------------

    def request_callback(self) -> None:
        """预约 / 请工作人员联系我: from an item's page (no guide here) or from 帮办代办; back() returns there."""
        self._go(State.CALLBACK, "request a call-back")

    @property
    def callback_reason(self) -> str:
        """Why the call-back is asked for: "no_guide" from an item's page, "help" from 帮办代办."""
        came_from = self._draft.history[-1] if self._draft.history else State.HOME
        return "no_guide" if came_from == State.GUIDE else "help"

    def submit_callback(self, phone: str, preferred: str) -> CallbackRequest:
        """Store the request (phone, preferred time, the item if one was chosen) for staff to call back."""
        self._require("request a call-back", State.CALLBACK)
        errors = {}
        if not PHONE_RE.match(phone):
            errors["phone"] = "请输入联系电话：11位手机号码（以1开头），或带区号的固定电话"
        if preferred not in self.config.center.callback_times:
            errors["preferred"] = "请选择希望工作人员什么时候联系您"
        if errors:
            raise FormInvalid(errors)
        item = self._draft.item
        request = CallbackRequest(request_no=self._numbers.next(), terminal_id=self.config.terminal.id, phone=phone,
                                  preferred=preferred, reason=self.callback_reason,
                                  item_id=item.id if item else "", item_name=item.title if item else "",
                                  department=item.department if item else "", created_at=self._now())
        if self._callbacks is not None:
            self._callbacks.add_callback(request)
        log.info("event=callback_requested reason=%s item=%s", request.reason, request.item_id or "-")
        self._draft.callback = request
        self.touch()
        self._emit("changed")
        return request

    # ---- idle timeout ----------------------------------------------------------------------

    @property
    def idle_limit(self) -> int:
        """Seconds without a touch before the countdown; longer in elderly mode."""
        timeouts = self.config.timeouts
        return timeouts.elderly_idle_seconds if self._elderly else timeouts.idle_seconds

    def _idle_applies(self) -> bool:
        return (self._state != State.HOME or self.has_personal_data()
                or self._elderly != self.config.display.elderly_default)

    @property
    def warning_remaining(self) -> float | None:
        """Seconds left on the "还要继续吗?" countdown, or None when it is not showing."""
        if not self._warning:
            return None
        end = self._last_activity + self.idle_limit + self.config.timeouts.idle_warning_seconds
        return max(0.0, end - self._clock())

    def touch(self) -> None:
        """The person did something: the idle time starts again and a countdown goes away."""
        self._last_activity = self._clock()
        if self._warning:
            self._warning = False
            self._emit("idle_resumed")

    def tick(self) -> None:
        """Called by the UI about once a second: starts the countdown, then wipes at its end."""
        writing = self.submitting or self._draft.supplement_pending is not None
        if not self._idle_applies() or writing:  # never wipe a case or supplement half way into the outbox
            return
        idle = self._clock() - self._last_activity
        if idle >= self.idle_limit + self.config.timeouts.idle_warning_seconds:
            log.info("event=session_timeout state=%s", self._state.value)
            self._wipe(reason="idle")
            self._emit("timed_out")
        elif idle >= self.idle_limit and not self._warning:
            self._warning = True
            self._emit("idle_warning")
