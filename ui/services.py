"""The screens beside applying: rating (好差评), progress query, complaint (有诉即办), help (帮办代办)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from drivers.idcard.driver import ReaderEvent
from drivers.printer import PrintResult
from sync.downlink import Progress
from terminal import events
from terminal.casenumber import parse_case_number
from terminal.cases import Rating
from terminal.config import Config
from terminal.errors import TerminalError
from terminal.pinyin_input import candidates
from terminal.receipts import ReceiptDocument, decision_notice
from terminal.session import OTHER_REASON, FormInvalid, Session, State
from terminal.slips import help_slip, office_hours
from ui.hardware import Hardware
from ui.inputs import ButtonRow, NumberPad, typed
from ui.screens import Navigate, blank, show_if
from ui.steps import BuiltStep, Lines, PhoneStep, TextLine, plain
from ui.theme import Theme
from ui.viewmodels import ComplaintModel, HelpModel, ProgressModel, RatingModel
from ui.widgets import BigButton, Keyboard, Panel, Split, Style, Text, column, fill, scrolling
from ui.writer import PinyinWriter

COMPLAINT_PHRASES = ("等候时间太长", "材料要求说得不清楚", "设备无法正常使用", "希望增加可办理的事项", "办理进度太慢",
                     "指南与实际要求不一致", "工作人员态度不好", "希望延长服务时间")
STEP_NAMES = {State.ITEM: "选择事项", State.GUIDE: "阅读办事指南", State.CONSENT: "个人信息告知",
              State.IDENTIFY: "读取身份证",
              State.FORM: "填写信息", State.MATERIALS: "扫描材料", State.REVIEW: "核对与签名", State.HOME: "首页"}


class Chips(GridLayout):
    """Choices as a grid of big buttons, the chosen ones filled and ticked. Built once: `show`
    ticks others, and shows the first `count` (elderly mode offers fewer) in `cols` columns."""

    def __init__(self, theme: Theme, labels: Sequence[str], on_tap: Callable[[str], None], cols: int) -> None:
        super().__init__(cols=cols, size_hint_y=None)
        self.fbind("minimum_height", self.setter("height"))
        self.chips = [(label, BigButton(theme, label, partial(on_tap, label), size="body"))
                      for label in labels]
        for _label, button in self.chips:
            self.add_widget(button)
        self.restyle(theme)

    def show(self, chosen: Collection[str], count: int | None = None, cols: int | None = None) -> None:
        for index, (label, button) in enumerate(self.chips):
            picked = label in chosen
            button.show(("✓ " if picked else "") + label, primary=picked)
            show_if(button, self, count is None or index < count, index=0)
        if cols:
            self.cols = cols

    def restyle(self, theme: Theme) -> None:
        self.spacing = theme.gap * 1.5
        for _label, button in self.chips:  # (also those not shown now)
            button.restyle(theme)


COMMENT_LIMIT = 100  # characters of a rating's 其他 reason, in the citizen's own words


class RatingScreen(BuiltStep):
    """好差评 by touch or by the keypad. Neutral: the five levels look alike and the keys' meanings
    are shown; 不满意 and 非常不满意 ask why (the listed reasons, or 其他 in the citizen's own
    words, typed in pinyin); the rating is confidential; 不评价 ends without one. Built once,
    following `RatingModel`."""

    prompt = "请为本次服务评价，也可以按评价器上的按键。评价信息严格保密"
    heading, model_type = "我要评价", RatingModel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t, session = self.theme, self.session
        self.above, self.below = Widget(size_hint_y=0.4), Widget()
        self.thanks = [Text(t, "感谢您的评价！", size=("title", 1.3), bold=True, halign="center"),
                       Text(t, "您的评价会帮助我们把服务做得更好。", halign="center", colour="muted"), self.below,
                       BigButton(t, "完成", session.finish, primary=True)]
        self.why = Text(t, "", bold=True)
        self.reasons = Chips(t, (*session.config.rating.bad_reasons, OTHER_REASON), self.toggle, 3)
        self.other = Text(t, "")
        self.write_button = BigButton(t, "写下其他原因（拼音打字）", partial(self.write, True))
        self.reason_box = column(t)  # scrolls when elderly-mode chips and the 其他 line do not fit
        self.reason_box.add_widget(self.reasons)
        self.reason_view = scrolling(t, self.reason_box)
        self.writer = PinyinWriter(t, self.written, session.touch)
        self.error_text = Text(t, "", colour="badge", bold=True)
        self.send = ButtonRow(t, [BigButton(t, "重新选择", self.choose_again),
                                  BigButton(t, "提交评价", self.record_chosen, primary=True)])
        self.about = Text(t, "", size="button", bold=True)
        self.how = Text(t, "点下面的按钮，或按评价器上同样编号的按键。", colour="muted")
        self.secret = Text(t, "评价信息严格保密，不记录您的姓名和身份证号。", colour="muted")
        self.levels = GridLayout(cols=len(Rating), size_hint_y=None)
        for rating in Rating:  # drawn alike: a government rating must not steer the citizen
            self.levels.add_widget(BigButton(t, rating.label, partial(self.choose, rating), subtitle=f"按键 {rating.value}",
                                             size="button", height=t.target))
        self.decline = ButtonRow(t, [BigButton(t, "不评价，结束", session.finish)])
        self.decline_cell = BigButton(t, "不评价，结束", session.finish, height=t.target)  # elderly: the sixth cell
        self.rest = Widget()  # the room left over goes below the choices
        self.views = [self.bar, self.above, *self.thanks, self.why, self.reason_view, self.other, self.write_button,
                      self.writer, self.error_text, self.send, self.about, self.how, self.levels, self.secret,
                      self.decline, self.decline_cell]
        for name in ("about", "chosen", "reasons", "error", "done", "comment", "writing"):
            self.model.fbind(name, self._compose)
        self.restyle(t)

    def _compose(self, *_: object) -> None:
        model = self.model
        if model.done:
            self.compose(self.bar, self.above, *self.thanks)
        elif model.writing:
            self.compose(self.bar, self.why, self.writer)
        elif model.chosen is not None:
            self.why.text = f"您选择了“{model.chosen.label}”，请告诉我们原因（可多选）"
            self.reasons.show(model.reasons, cols=3 if self.theme.scale <= 1 else 2)  # elderly: no reason breaks
            other = OTHER_REASON in model.reasons
            self.other.text = f"其他原因：{model.comment}" if model.comment else "请写下其他原因"
            self.write_button.show("修改其他原因" if model.comment else "写下其他原因（拼音打字）")
            self.error_text.text = model.error
            show_if(self.other, self.reason_box, other)
            show_if(self.write_button, self.reason_box, other)
            self.compose(self.bar, self.why, self.reason_view, *([self.error_text] if model.error else []), self.send)
        else:
            self.about.text = f"请为{model.about}评价"
            below = [] if self.decline_cell.parent is self.levels else [self.decline]
            self.compose(self.bar, self.about, self.how, self.levels, self.secret, *below, self.rest)

    def restyle(self, theme: Theme) -> None:
        super().restyle(theme)
        wide = theme.scale <= 1  # elderly letters: three a row, so no level's name breaks
        # portrait: one under the other, within reach; elderly landscape: three a row and 不评价 the sixth cell
        self.levels.cols = 1 if theme.portrait else len(Rating) if wide else 3
        self.levels.spacing = theme.gap * 2
        show_if(self.decline_cell, self.levels, not wide and not theme.portrait)
        rows = -(-len(Rating) // self.levels.cols)
        low = Window.height < theme.mm(150)  # a 10" landscape panel: elderly rows a little lower, so all fits
        height = theme.target * (1.8 if wide else 0.9 if low else 1.0)
        for button in self.levels.children:
            button.height = height
        self._compose()
        self.levels.height = rows * height + (rows - 1) * theme.gap * 2

    def enter(self) -> None:
        self.model.reset()
        self.hardware.on_rating = self.choose

    def leave(self) -> None:
        self.hardware.on_rating = None
        super().leave()

    def reset(self) -> None:
        super().reset()
        blank(self.about)
        blank(self.other)
        self.writer.clear()

    def choose(self, rating: Rating) -> None:
        if self.model.done or self.session.state != State.RATING:
            return
        self.session.touch()
        if rating.is_bad:
            self.model.chosen = rating
        else:
            self.record(rating)

    def toggle(self, reason: str) -> None:
        self.model.reasons = sorted(set(self.model.reasons) ^ {reason})
        self.model.error = ""
        if reason == OTHER_REASON and reason in self.model.reasons and not self.model.comment:
            self.write(True)

    def write(self, on: bool) -> None:
        if on:
            self.writer.start("请写下其他原因", self.model.comment, COMMENT_LIMIT, digits=False)
        self.model.writing = on

    def written(self, text: str) -> None:
        self.model.comment = text.strip()
        self.model.writing = False
        self.model.error = ""

    def record_chosen(self) -> None:
        chosen = self.model.chosen
        if chosen is not None:
            self.record(chosen)

    def record(self, rating: Rating) -> None:
        reasons = sorted(self.model.reasons) if rating.is_bad else []
        comment = self.model.comment if OTHER_REASON in reasons else ""
        try:
            self.session.rate(rating, reasons, comment=comment)
        except FormInvalid as invalid:
            self.model.error = "；".join(invalid.errors.values())
            return
        events.record(events.EventId.RATING_RECORDED, rating=rating.value)
        self.model.done = True

    def choose_again(self) -> None:
        self.model.chosen, self.model.reasons, self.model.comment = None, [], ""


def typed_case_no(prefix: str, digits: str) -> str:
    """The case number as typed so far: this terminal's prefix, the date's 6 digits, the serial."""
    return f"{prefix}-{digits[:6]}-{digits[6:]}" if len(digits) > 6 else f"{prefix}-{digits}"


def progress_details(found: Progress) -> list[str]:
    """What a decision adds under the status sentence: the promised date, the reasons, what is missing."""
    details = []
    decision = found.decision
    if decision is not None and decision.promised_date is not None:
        details.append(f"承诺{decision.promised_date.year}年{decision.promised_date.month}月{decision.promised_date.day}日前办结")
    if decision is not None and decision.platform_ref:
        details.append(f"平台编号 {decision.platform_ref}")
    if found.open_for_supplement:
        details.append(f"待补材料：{'、'.join(found.missing)}")
    return details


class ProgressLookup(Protocol):
    """Where cases stand: the terminal's outbox and the platform behind it. Blocking (the network):
    the progress screen calls it off the UI thread. Made where the kiosk is composed (ui/kiosk.py)."""

    def by_case_no(self, case_no: str) -> list[Progress]: ...

    def by_id_number(self, id_number: str) -> list[Progress]: ...


class ProgressScreen(BuiltStep):
    """办件编号 on the number pad (this terminal's prefix is filled in), or the ID card on the reader.
    Built once: the query and its answer are `ProgressModel`."""

    prompt = "请输入办件编号，或把身份证放在读卡区"
    heading, model_type = "进度查询", ProgressModel

    def __init__(self, session: Session, settings: Config, style: Style, navigate: Navigate, hardware: Hardware,
                 progress: ProgressLookup, **kwargs: Any) -> None:
        super().__init__(session, settings, style, navigate, hardware, **kwargs)
        self.progress = progress
        t = self.theme
        self.split = Split(rest=1)
        self.left = BoxLayout(orientation="vertical")
        self.number = Text(t, "", size="title", bold=True)
        self.number_box = fill(self.number, t.palette.surface, radius=t.mm(1.5), border=t.palette.primary)
        self.error_text = Text(t, "", colour="badge", bold=True)
        self.card_hint = Text(t, "也可以把身份证放在读卡区，查询您在本终端提交的申请。", colour="muted")
        self.found_lines = Lines(t, padding=t.mm(3))
        self.answer = Panel(t)
        self.answer.add_widget(scrolling(t, self.found_lines))
        self.done = BigButton(t, "完成", session.finish)
        self.ask = BigButton(t, "查询", self.query, primary=True)
        self.buttons = ButtonRow(t, [self.done, self.ask])
        self.reprint = BigButton(t, "再打印通知书", self.print_notices)
        self.hand_in = BigButton(t, "补交材料", self.supplement, primary=True)
        for part in (Text(t, "办件编号", colour="muted"), self.number, self.card_hint, self.answer, self.buttons):
            self.left.add_widget(part)
        self.split.add_widget(self.left)
        self.split.add_widget(NumberPad(t, self.key, size_hint_x=0.42))
        self.body.add_widget(self.bar)
        self.body.add_widget(self.split)
        self.views = [self.bar, self.split, self.error_text, self.done, self.card_hint, self.reprint, self.hand_in]
        self.model.fbind("digits", self._show_number)
        for name in ("error", "looking", "results", "printed"):
            self.model.fbind(name, self._show_answer)
        self.restyle(t)
        self._show_number()
        self._show_answer()

    @property
    def results(self) -> list[Progress] | None:
        return self.model.results

    @property
    def case_no(self) -> str:
        return typed_case_no(self.settings.terminal.id, self.model.digits)

    def _show_number(self, *_: object) -> None:
        self.number.text = self.case_no + "_" * max(0, 10 - len(self.model.digits))

    def _show_answer(self, *_: object) -> None:
        model = self.model
        show_if(self.error_text, self.left, bool(model.error), index=len(self.left.children) - 2)
        self.error_text.text = model.error
        lines: list[TextLine] = []
        if model.looking:
            lines.append(("正在查询，请稍候…", None, True, None))
        elif model.results is not None and not model.results:
            lines.append(("没有查到您在本终端提交的申请。请输入办件编号，或到服务窗口咨询。", None, False, None))
        for found in model.results or ():
            when = f"（{found.updated_at[:16].replace('T', ' ')}）" if found.updated_at else ""
            lines += [(plain(found.case_no), None, True, None), (plain(f"{found.status_zh}{when}"), None, False, None),
                      *((plain(detail), None, False, "muted") for detail in progress_details(found))]
        if model.printed:
            lines.append((plain(model.printed), None, True, None))
        self.found_lines.show(lines)
        self.answer.paint(model.looking or model.results is not None)
        results = model.results or []
        show_if(self.card_hint, self.left, model.results is None, index=len(self.left.children) - 2)
        shown = [button for button, on in ((self.done, model.results is not None), (self.reprint, bool(self.notices())),
                                           (self.hand_in, any(r.open_for_supplement for r in results)),
                                           (self.ask, True)) if on]
        if self.buttons.children[::-1] != shown:  # the same buttons, only put in or taken out
            self.buttons.clear_widgets()
            for button in shown:
                self.buttons.add_widget(button)

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.left.spacing = theme.gap * 3, theme.gap * 1.5
        self.number.padding = (theme.mm(2), theme.mm(1))
        self.number_box[0].rgba, self.number_box[1].rgba = theme.palette.surface, theme.palette.primary
        self.found_lines.padding = theme.mm(3)
        super().restyle(theme)

    def redraw(self) -> None:
        super().redraw()
        self.bar.show(self.heading, self.back_action())

    def enter(self) -> None:
        self.model.reset()
        self.hardware.watch_cards(self.on_card)

    def leave(self) -> None:
        self.hardware.stop_cards()
        super().leave()  # nothing of this query stays for the next person

    def key(self, key: str) -> None:
        self.model.digits, self.model.error = typed(self.model.digits, key, 12), ""
        self.session.touch()

    def query(self) -> None:
        case_no = self.case_no
        if parse_case_number(case_no) is None:
            self.model.error = "办件编号是回执上“办件编号”一行，输入日期6位和序号4位，共10位数字。"
            return
        self.session.set_progress_query(case_no)
        self.lookup(lambda: self.progress.by_case_no(case_no))

    def on_card(self, event: ReaderEvent) -> None:
        if event.kind != "card-read" or event.identity is None or self.model.looking \
                or self.session.state != State.PROGRESS:
            return
        identity = event.identity
        self.session.set_progress_query(identity=identity)
        id_number, lookup = identity.id_number, self.progress
        self.lookup(lambda: lookup.by_id_number(id_number))

    def lookup(self, job: Callable[[], list[Progress]]) -> None:
        self.model.looking, self.model.results = True, None
        self.hardware.run(job, self.found)

    def found(self, results: list[Progress] | TerminalError) -> None:
        if self.session.state != State.PROGRESS:
            return
        self.model.looking = False
        if isinstance(results, TerminalError):
            self.model.error, self.model.results = results.advice_zh, None
        else:
            self.model.results = results
            self.print_notices()  # a decision's written notice is issued when the person asks

    def notices(self) -> list[ReceiptDocument]:
        """受理通知书 / 退件告知书 of the cases found (none while nothing is decided)."""
        printed_at = datetime.now()
        found = (decision_notice(r.decision, self.settings, printed_at) for r in self.model.results or ()
                 if r.decision is not None)
        return [document for document in found if document is not None]

    def print_notices(self) -> None:
        documents = self.notices()
        if documents:
            self.model.printed = "正在打印通知书，请稍候…"
            self.hardware.print_documents(documents, self.on_printed)

    def on_printed(self, result: PrintResult) -> None:
        if result.printed:
            events.record(events.EventId.NOTICE_PRINTED)
        if self.session.state == State.PROGRESS and self.model.results is not None:
            self.model.printed = "通知书已打印，请从出纸口取走。" if result.printed else \
                f"通知书没有打印出来：{result.advice_zh}也可到服务窗口凭办件编号领取。"

    def supplement(self) -> None:
        """补交材料 for the first case found that still lacks materials: straight to scanning."""
        found = next((r for r in self.model.results or () if r.open_for_supplement), None)
        if found is None:
            return
        self.session.start_supplement()
        self.session.choose_supplement_case(found.case_no, found.item_id, found.item_name, found.missing)


class ComplaintScreen(PhoneStep):
    """有诉即办: first the category, chosen by the person (none is chosen for them: a waiting-time
    complaint must not count as 服务态度), then the problem picked from common phrases or typed, an
    optional phone for the answer. The reply time promised is the category's (configuration).
    Built once: what the person picked and typed is `ComplaintModel`; the four views are kept."""

    prompt = "请先选择您要反映的问题类别"
    heading, model_type = "我要投诉 · 有诉即办", ComplaintModel

    CANDIDATES = 8  # characters offered at once, on 15 mm keys

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t, session = self.theme, self.session
        # filed
        self.above, self.below = Widget(size_hint_y=0.3), Widget()
        self.number, self.answer = Text(t, "", size="button", halign="center"), Text(t, "", halign="center")
        self.reference = Text(t, "", colour="muted", halign="center")
        filed = column(t)  # (scrolls with 上一页/下一页 rather than push the title bar off a 10" panel in elderly mode)
        for part in (Text(t, "您反映的问题已经收到", size="title", bold=True, halign="center"), self.number, self.answer,
                     self.reference):
            filed.add_widget(part)
        self.filed_view = [self.above, scrolling(t, filed), self.below, BigButton(t, "完成", session.finish, primary=True)]
        # the category first, nothing chosen
        complaints = self.settings.complaints
        self.category_chips = Chips(t, complaints.categories, self.pick_category, 3)
        choices = column(t)  # (scrolls rather than push the title bar off a small screen in elderly mode)
        for part in (Text(t, "您要反映哪一类问题？", size="title", bold=True), self.category_chips,
                     Text(t, "请点选一类。“办不成事”：在这里或窗口没能办成的事，我们帮您办。", colour="muted")):
            choices.add_widget(part)
        self.category_view = [scrolling(t, choices)]
        # typing in pinyin, full width (ten 15 mm keys a row): the text so far, candidates, the keyboard
        self.typed = Text(t, "", size="button", markup=True)
        self.candidates = BoxLayout(size_hint_y=None, height=t.mm(15))
        self.slots = [(BigButton(t, "", lambda: None, height=t.mm(15)), Widget()) for _ in range(self.CANDIDATES)]
        self.page_buttons = [BigButton(t, "下一页", self.next_page, height=t.mm(15), size_hint_x=1.6, size="body"),
                             BigButton(t, "打好了", partial(self.write, False), primary=True, height=t.mm(15),
                                       size_hint_x=1.6, size="body")]
        self.writing_view = [self.typed, self.candidates, Keyboard(t, self.letter), Widget()]  # room below the keys
        # choosing
        self.split = Split()
        left = column(t)
        self.left = left
        self.yours = Text(t, "")
        self.type_button = BigButton(t, "", partial(self.write, True))
        self.phrase_chips = Chips(t, COMPLAINT_PHRASES, self.toggle, 3)
        self.chosen = BigButton(t, "", partial(self.pick_category, ""), size="body")  # (beside: the phrases stay in sight)
        for part in (Text(t, "您要反映什么？（点选，可多选；也可以打字）", bold=True), self.type_button, self.phrase_chips):
            left.add_widget(part)
        self.split.add_widget(scrolling(t, left))
        self.contact = BoxLayout(orientation="vertical", size_hint_x=0.4)
        self.phone_entry("button")
        self.pad = NumberPad(t, self.key)
        self.phone_done = BigButton(t, "电话输好了", partial(self.ask_phone, False))
        self.leave_phone = BigButton(t, "留下电话", partial(self.ask_phone, True))
        self.spare = Widget()
        self.error_text = Text(t, "", colour="badge", bold=True)
        self.submit_button = BigButton(t, "提交", self.submit, primary=True)
        self.phone_label = Text(t, "联系电话", colour="muted")
        self.split.add_widget(self.contact)
        self.views = [self.bar, *self.filed_view, *self.category_view, *self.writing_view,
                      *(b for pair in self.slots for b in pair), *self.page_buttons, self.split, self.yours,
                      self.chosen, self.phone_label, self.phone_text, self.pad, self.phone_done, self.leave_phone,
                      self.error_text, self.submit_button]
        for name in ("category", "phrases", "written", "writing", "syllable", "page", "phone", "typing_phone", "error",
                     "filed", "elderly"):
            self.model.fbind(name, self._compose)
        self.personal = (self.typed, self.yours, self.phone_text, self.number, self.answer)
        self.restyle(t)

    @property
    def text(self) -> str:
        return self.model.text

    def _compose(self, *_: object) -> None:
        model = self.model
        self.bar.show(self.heading, self.back_action())
        if model.filed is not None:
            filed, reply = model.filed, self.settings.complaints.reply_for(model.filed.category)
            self.number.text = f"诉求编号 {filed.complaint_no}（本终端的编号）"
            self.answer.text = f"工作人员会在{reply}打电话答复您。" if filed.phone else \
                f"工作人员会在{reply}处理。您没有留电话，请凭诉求编号在“进度查询”查看处理情况。"
            self.reference.text = ("诉求送到政务服务平台后，会有平台受理号：在“进度查询”输入诉求编号就能看到。"
                                   f"拨打 {self.settings.terminal.complaint_phone} 时，请报平台受理号。")
            self.compose(self.bar, *self.filed_view)
        elif not model.category:
            self.category_chips.show(set(), cols=3)  # all five in sight, also in elderly mode
            self.compose(self.bar, *self.category_view)
        elif model.writing:
            self.show_writing()
            self.compose(self.bar, *self.writing_view)
        else:
            self.show_choosing()
            self.compose(self.bar, self.split)

    def show_writing(self) -> None:
        model, muted = self.model, self.theme.palette.muted_hex
        shown = plain(model.text) + (f" [color={muted}]{plain(model.syllable)}[/color]" if model.syllable else "")
        self.typed.text = shown or f"[color={muted}]用拼音打字，例如 dengdai 打出“等待”[/color]"
        offered = candidates(model.syllable, limit=(model.page + 1) * self.CANDIDATES)[model.page * self.CANDIDATES:]
        offered = offered[:self.CANDIDATES]
        row: list[Widget] = []
        for index, (button, gap) in enumerate(self.slots):
            if index < len(offered):
                button.action = partial(self.choose, offered[index])
                button.show(offered[index])
                row.append(button)
            else:
                row.append(gap)
        row += self.page_buttons
        if self.candidates.children[::-1] != row:
            self.candidates.clear_widgets()
            for widget in row:
                self.candidates.add_widget(widget)

    def show_choosing(self) -> None:
        model, elderly = self.model, self.model.elderly
        show_if(self.yours, self.left, bool(model.written), index=len(self.left.children) - 1)
        self.yours.text = f"您写的：{model.written}"
        self.type_button.show("打字修改" if model.written else "打字（拼音）")
        self.phrase_chips.show(model.phrases, count=6 if elderly else None, cols=2 if elderly else 3)
        reply = self.settings.complaints.reply_for(model.category)
        self.chosen.show(f"类别：{model.category}", subtitle=f"{reply}答复 · 点此更换")
        self.phone_text.text = model.phone or "（可不填）"
        # elderly letters: the category heads the phrases (which scroll); the contact column keeps the room
        if not elderly:
            show_if(self.chosen, self.left, False)
        parts: list[Widget] = [] if model.typing_phone or elderly else [self.chosen]  # (the pad needs the room)
        parts += [self.phone_label, self.phone_text]
        parts += [self.pad, self.phone_done] if model.typing_phone else [self.leave_phone, self.spare]
        parts += [self.error_text] if model.error else []
        self.error_text.text = model.error
        parts.append(self.submit_button)
        if self.contact.children[::-1] != parts:
            self.contact.clear_widgets()
            for part in parts:
                self.contact.add_widget(part)
        if elderly:
            show_if(self.chosen, self.left, True, index=len(self.left.children))

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.contact.spacing, self.candidates.spacing = theme.gap * 3, theme.gap * 1.5, theme.gap / 2
        super().restyle(theme)

    def write(self, on: bool) -> None:
        self.model.writing, self.model.syllable, self.model.page = on, "", 0

    def letter(self, key: str) -> None:
        """A key of the letter keyboard: pinyin into the syllable; 删除 takes a letter, then a character."""
        model = self.model
        self.session.touch()
        if key == "\b":
            if model.syllable:
                model.syllable = model.syllable[:-1]
            else:
                model.written = model.written[:-1]
        elif key == "":
            model.syllable, model.written = "", ""
        else:
            model.syllable = (model.syllable + key)[:6]
        model.page = 0

    def choose(self, char: str) -> None:
        model = self.model
        model.written, model.syllable, model.page = (model.written + char)[:200], "", 0
        model.error = ""

    def next_page(self) -> None:
        self.model.page += 1

    def pick_category(self, category: str) -> None:
        """A category chosen ("" to choose again)."""
        self.model.category, self.model.error = category, ""
        self.session.touch()

    def toggle(self, phrase: str) -> None:
        phrases = list(self.model.phrases)
        phrases.remove(phrase) if phrase in phrases else phrases.append(phrase)
        self.model.phrases, self.model.error = phrases, ""

    def key(self, key: str) -> None:
        self.model.phone = typed(self.model.phone, key, 12)
        self.session.touch()

    def ask_phone(self, on: bool) -> None:
        self.model.typing_phone = on

    def submit(self) -> None:
        model = self.model
        try:
            filed = self.session.submit_complaint(model.category, model.text, model.phone)
        except FormInvalid as invalid:
            model.error = "；".join(invalid.errors.values())
        else:
            events.record(events.EventId.COMPLAINT_FILED, category=model.category)
            model.filed = filed


class HelpScreen(BuiltStep):
    """帮办代办 at any hour: whether staff are on duty now (the center's hours on working days), the
    published 帮办代办事项清单, the phone, a request slip, and 请工作人员联系我 (a call-back into the
    outbox, for the morning). Built once, following `HelpModel`."""

    prompt = "需要帮助，可以请工作人员联系您，也可以打印求助单交给工作人员"
    heading, model_type = "帮办代办", HelpModel

    def __init__(self, session: Session, settings: Config, style: Style, navigate: Navigate, hardware: Hardware,
                 came_from: Callable[[], State], **kwargs: Any) -> None:
        super().__init__(session, settings, style, navigate, hardware, **kwargs)
        self._came_from = came_from  # the kiosk knows which screen the person asked for help from
        t, terminal, center = self.theme, self.settings.terminal, self.settings.center
        self.hours = office_hours(self.settings)
        self.duty = Text(t, "", size="button", bold=True)
        self.phone = Text(t, f"服务电话 {terminal.consult_phone}", bold=True, colour="primary")
        self.where = Text(t, f"办公时间：{self.hours.describe()}\n地址：{center.address}", colour="muted")
        self.listed = Text(t, "帮办代办事项清单：\n" + "\n".join(f"· {name}" for name in center.assisted_items))
        self.said = Text(t, "", bold=True)
        lines = column(t)
        for part in (self.duty, self.phone, self.where, self.said, self.listed):
            lines.add_widget(part)
        self.lines = lines
        self.words = scrolling(t, lines)
        self.back_button = BigButton(t, "回到上一步", session.back)
        self.buttons = ButtonRow(t, [self.back_button, BigButton(t, "打印求助单", self.print_slip),
                                     BigButton(t, "请工作人员联系我", session.request_callback, primary=True)])
        self.views = [self.bar, Text(t, "工作人员可以帮您办，也可以替您办", size="button", bold=True), self.words,
                      self.back_button, self.buttons]
        for name in ("printing", "slip", "elderly"):
            self.model.fbind(name, self._compose)
        self.restyle(t)

    def _compose(self, *_: object) -> None:
        model = self.model
        self.bar.show(self.heading, self.back_action())
        now = datetime.now()
        duty = self.hours.at(now)
        self.duty.text = duty.sentence(now.date()) + ("" if duty.now else "\n可以点“请工作人员联系我”留下电话，上班后给您回电。")
        if model.printing:
            self.said.text, self.said.tone = "正在打印求助单…", "text"
        elif model.slip is not None:
            self.said.text = "求助单已打印，请取走。" if model.slip.printed else \
                "打印机暂时不能使用，求助单没有打印。请点“请工作人员联系我”，或拨打上面的电话。"
            self.said.tone = "text" if model.slip.printed else "badge"
        self.said.restyle(self.theme)
        show_if(self.said, self.lines, model.printing or model.slip is not None, index=len(self.lines.children) - 3)
        show_if(self.back_button, self.buttons, self.back_action() is not None and self.came_from() != State.HOME,
                index=2)
        self.compose(self.bar, *self.views[1:3], self.buttons)

    def restyle(self, theme: Theme) -> None:
        self.phone.size_role = min(theme.font_title * 1.4, theme.mm(12))
        super().restyle(theme)

    def redraw(self) -> None:
        super().redraw()
        self._compose()

    def enter(self) -> None:
        self.model.printing, self.model.slip = False, None
        if self.came_from() != State.CALLBACK:  # (back from 请工作人员联系我 is not a new request for help)
            events.record(events.EventId.HELP_REQUESTED, from_state=self.came_from().value)

    def came_from(self) -> State:
        return self._came_from()

    def print_slip(self) -> None:
        item = self.session.item
        document = help_slip(self.settings, STEP_NAMES.get(self.came_from(), "首页"), item.title if item else "",
                             datetime.now())
        self.model.printing = True
        self.hardware.print_documents([document], self.printed)

    def printed(self, result: PrintResult) -> None:
        if self.session.state == State.HELP:
            self.model.slip, self.model.printing = result, False
