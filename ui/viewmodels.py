"""What each screen built once shows, as Kivy properties: the session's events set them, the
screen's widgets follow them through bindings inside the screen, and `reset` empties them when
the session is wiped (the idle-wipe test walks the app and finds nothing personal left).

No widgets here and no window: these import only Kivy's event and property modules.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import numpy as np
from kivy.event import EventDispatcher
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)

from terminal.catalog import Catalog, Item
from terminal.privacy import NameMask, mask_address, mask_form_value, mask_name
from terminal.session import Journey, Session
from terminal.slips import promise_zh

Row = tuple[str, str, Callable[[], None]]  # (title, second line, action) of a list row


def item_rows(items: list[Item], choose: Callable[[Item], None]) -> list[Row]:
    """What a citizen needs on each row: the department, the promised time when known, and whether
    it can be applied for here (legal classes such as 行政确认 are on the guide, not here)."""
    def detail(item: Item) -> str:
        if item.guide is None:
            return f"{item.department} · 到窗口办理，可预约回电"
        return f"{item.department} · 承诺时限 {promise_zh(item)} · 可在本机申请"

    return [(item.title, detail(item), partial(choose, item)) for item in items]


def name_mask(session: Session) -> NameMask:
    """How names are masked on screen (the setting is a plain string: anything unknown is the default)."""
    return "first" if session.config.privacy.name_mask == "first" else "alternate"


class ViewModel(EventDispatcher):
    def refresh(self, session: Session) -> None:
        """Take what the screen shows from the session."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the last person's view (the idle wipe, leaving the screen)."""
        raise NotImplementedError


class HomeModel(ViewModel):
    elderly = BooleanProperty(False)
    clock = StringProperty("")
    closed = StringProperty("")  # why no new application can be taken now ("" when it can)

    def refresh(self, session: Session) -> None:
        self.elderly = session.elderly
        self.closed = session.intake_refusal
        self.tick()

    def tick(self) -> None:
        self.clock = time.strftime("%H:%M")

    def reset(self) -> None:
        self.elderly = False


class BrowseModel(ViewModel):
    """The catalog by department or by theme: the groups, the group shown and its items."""

    title = StringProperty("")
    by = OptionProperty("department", options=["department", "theme"])
    group = StringProperty("")
    groups = ListProperty()
    items = ListProperty()

    def refresh(self, session: Session) -> None:
        self.title = "我要办事 · 选择事项" if session.journey == Journey.APPLY else "办事指南"
        catalog: Catalog = session.catalog
        groups = list(catalog.departments() if self.by == "department" else catalog.themes())
        if self.group not in groups:
            self.group = groups[0] if groups else ""
        self.groups = groups
        found = catalog.by_department(self.group) if self.by == "department" else catalog.by_theme(self.group)
        self.items = item_rows(list(found), session.choose_item)

    def reset(self) -> None:
        self.by, self.group, self.items = "department", "", []


class SearchModel(ViewModel):
    typed = StringProperty("")
    rows = ListProperty()
    found = ObjectProperty(0)

    MAX_ROWS = 20  # more than this is a sign to type another letter

    def refresh(self, session: Session) -> None:
        results = list(session.search_results)
        self.found = len(results)
        self.rows = item_rows(results[: self.MAX_ROWS], session.choose_item)
        self.typed = session.search_text

    def reset(self) -> None:
        self.typed, self.rows, self.found = "", [], 0


class GuideModel(ViewModel):
    """办事指南 of the item chosen: None when no item is chosen (after a wipe)."""

    item = ObjectProperty(None, allownone=True)
    closed = StringProperty("")  # why 开始办理 cannot be offered now ("" when it can)
    printing = BooleanProperty(False)  # the 办理指引单 of an item without a guide here
    slip = ObjectProperty(None, allownone=True)  # the printer's answer (None before one is asked for)

    def refresh(self, session: Session) -> None:
        self.closed = session.intake_refusal
        if self.item is not session.item:
            self.printing, self.slip = False, None
        self.item = session.item

    def reset(self) -> None:
        self.item = None
        self.closed = ""
        self.printing, self.slip = False, None


class ReviewModel(ViewModel):
    """核对与签名: the application's facts (name, number, address and phone masked), the pages
    scanned and the materials missing; the write under way, and why it failed or what to fix."""

    facts = ListProperty()  # (label, value)
    scanned = ListProperty()  # (material, pages)
    missing = ListProperty()
    submitting = BooleanProperty(False)
    failure = StringProperty("")
    error = StringProperty("")

    def refresh(self, session: Session) -> None:
        item, identity, form = session.item, session.identity, session.form
        style = name_mask(session)
        self.facts = [("办理事项", item.title if item else ""), ("承办部门", item.department if item else ""),
                      ("申请人", identity.masked_name(style) if identity else ""),
                      ("证件号码", identity.masked_id() if identity else ""),
                      ("住址", mask_form_value("address", form.get("address", ""))),
                      ("联系电话", mask_form_value("phone", form.get("phone", ""))),
                      *application_facts(session)]
        self.scanned = [(s.spec.name, s.pages) for s in session.materials if s.done]
        self.missing = list(session.missing)
        self.submitting = session.submitting

    def reset(self) -> None:
        self.facts, self.scanned, self.missing = [], [], []
        self.submitting, self.failure, self.error = False, "", ""


def application_facts(session: Session) -> list[tuple[str, str]]:
    """The agent, the item's own fields and the delivery, masked where they are personal."""
    style, form = name_mask(session), session.form
    facts = []
    if session.agent is not None:
        facts.append(("代办人", f"{session.agent.masked_name(style)}  {session.agent.masked_id()}"))
    for spec in session.item_fields:
        value = form.get(spec.key, "")
        if value:
            facts.append((spec.label, mask_name(value, style) if spec.personal else value))
    method, address = session.delivery
    if len(session.delivery_options) > 1 or method != "window":
        facts.append(("结果领取", "邮寄：" + mask_address(address) if method == "post" else "窗口领取"))
    return facts


def same(a: object, b: object) -> bool:
    """Pixels compare by identity (numpy's == compares every pixel, and answers with an array)."""
    return a is b


class ReceiptModel(ViewModel):
    """打印回执: the case number; the printer's answer (None while it prints) and, without paper,
    the receipt drawn as a picture to show instead."""

    case_no = StringProperty("")
    elderly = BooleanProperty(False)
    result = ObjectProperty(None, allownone=True)
    picture = ObjectProperty(None, allownone=True, comparator=same)

    def refresh(self, session: Session) -> None:
        self.case_no = session.case.case_no if session.case is not None else ""
        self.elderly = session.elderly

    def reset(self) -> None:
        self.result, self.picture, self.case_no, self.elderly = None, None, "", False


class RatingModel(ViewModel):
    """好差评: what is rated; the bad level chosen (None before one is), its reasons, done."""

    about = StringProperty("")
    chosen = ObjectProperty(None, allownone=True)
    reasons = ListProperty()
    error = StringProperty("")
    done = BooleanProperty(False)
    comment = StringProperty("")      # the 其他 reason, in the citizen's words
    writing = BooleanProperty(False)  # typing the 其他 reason

    def refresh(self, session: Session) -> None:
        case = session.case
        self.about = f"办件编号 {case.case_no} · {case.item_name}" if case else "本次自助服务"

    def reset(self) -> None:
        self.about, self.chosen, self.reasons, self.error, self.done = "", None, [], "", False
        self.comment, self.writing = "", False


class IdentifyModel(ViewModel):
    """读取身份证: what the reader is doing ("" when nobody is at this step), the advice after a
    fault, and whether the person said they have no card with them."""

    status = OptionProperty("", options=["", "waiting", "reading", "failed", "lost", "timeout", "expired"])
    advice = StringProperty("")
    no_card = BooleanProperty(False)
    elderly = BooleanProperty(False)
    who = OptionProperty("", options=["", "agent", "principal"])  # 代他人办理: whose card is wanted now
    typing = BooleanProperty(False)  # the principal's number and name typed instead of their card

    def refresh(self, session: Session) -> None:
        self.elderly = session.elderly
        self.who = ("principal" if session.agent is not None else "agent") if session.on_behalf else ""

    def reset(self) -> None:
        self.status, self.advice, self.no_card, self.elderly, self.who, self.typing = "", "", False, False, "", False


class MaterialsModel(ViewModel):
    """扫描材料: the item's materials and their pages, the one being photographed, the camera's
    fault (None when it works); `thumbnails` (pixels, kept out of the properties: numpy compares
    element by element) change with `shots`."""

    materials = ListProperty()  # MaterialStatus of the session, in the guide's order
    current = StringProperty("")
    camera_problem = ObjectProperty(None, allownone=True)
    elderly = BooleanProperty(False)
    shots = NumericProperty(0)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.thumbnails: dict[str, list[np.ndarray]] = {}

    def refresh(self, session: Session) -> None:
        self.materials = list(session.materials)
        self.elderly = session.elderly
        if self.current not in {s.spec.id for s in self.materials}:
            undone = [s.spec.id for s in self.materials if not s.done]
            self.current = undone[0] if undone else (self.materials[0].spec.id if self.materials else "")

    def add_thumbnail(self, material: str, thumbnail: np.ndarray) -> None:
        self.thumbnails.setdefault(material, []).append(thumbnail)
        self.shots += 1

    def remove_thumbnail(self, material: str, index: int) -> None:
        self.thumbnails.get(material, [])[index:index + 1] = []
        self.shots += 1

    def reset(self) -> None:
        self.thumbnails = {}
        self.materials, self.current, self.camera_problem, self.elderly = [], "", None, False
        self.shots += 1


class ProgressModel(ViewModel):
    """进度查询: the digits typed, why the query was refused, the lookup under way and what it
    found (None before a query). Nothing here comes from the session: it is typed or read from a card."""

    digits = StringProperty("")
    error = StringProperty("")
    looking = BooleanProperty(False)
    results = ObjectProperty(None, allownone=True)
    printed = StringProperty("")  # what became of the 受理通知书 / 退件告知书 printed for the answer

    def refresh(self, session: Session) -> None:
        """(The query is this screen's own.)"""

    def reset(self) -> None:
        self.digits, self.error, self.looking, self.results, self.printed = "", "", False, None, ""


class ComplaintModel(ViewModel):
    """有诉即办: the category, the phrases picked, what was typed in pinyin (the syllable being
    typed and the page of candidates), the phone, and the complaint once filed."""

    category = StringProperty("")
    phrases = ListProperty()
    written = StringProperty("")
    writing = BooleanProperty(False)
    syllable = StringProperty("")
    page = NumericProperty(0)
    phone = StringProperty("")
    typing_phone = BooleanProperty(False)
    error = StringProperty("")
    filed = ObjectProperty(None, allownone=True)
    elderly = BooleanProperty(False)

    def refresh(self, session: Session) -> None:
        self.elderly = session.elderly

    @property
    def text(self) -> str:
        return "；".join(list(self.phrases) + ([self.written] if self.written else []))

    def reset(self) -> None:
        self.category, self.phrases, self.written, self.writing, self.syllable, self.page = "", [], "", False, "", 0
        self.phone, self.typing_phone, self.error, self.filed, self.elderly = "", False, "", None, False


class HelpModel(ViewModel):
    """帮办代办: the request slip printing, and the printer's answer (None before one is asked for)."""

    printing = BooleanProperty(False)
    slip = ObjectProperty(None, allownone=True)
    elderly = BooleanProperty(False)

    def refresh(self, session: Session) -> None:
        self.elderly = session.elderly

    def reset(self) -> None:
        self.printing, self.slip, self.elderly = False, None, False


class CallbackModel(ViewModel):
    """预约 / 请工作人员联系我: what it is about, the time chosen ("" until one is: no default), the phone
    typed, why it cannot be sent yet, the request once stored, and the slip printing (its result)."""

    about = StringProperty("")
    preferred = StringProperty("")
    phone = StringProperty("")
    error = StringProperty("")
    sent = ObjectProperty(None, allownone=True)
    printing = BooleanProperty(False)
    slip = ObjectProperty(None, allownone=True)
    elderly = BooleanProperty(False)

    def refresh(self, session: Session) -> None:
        item = session.item
        self.about = item.title if item is not None and session.callback_reason == "no_guide" else ""
        self.elderly = session.elderly

    def reset(self) -> None:
        self.about, self.preferred, self.phone, self.error = "", "", "", ""
        self.sent, self.printing, self.slip, self.elderly = None, False, None, False


class PlaceholderModel(ViewModel):
    """A step this version does not offer: which one (None after a wipe)."""

    state = ObjectProperty(None, allownone=True)

    def refresh(self, session: Session) -> None:
        self.state = session.state

    def reset(self) -> None:
        self.state = None
