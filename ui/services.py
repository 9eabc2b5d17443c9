"""The screens beside applying: rating (好差评), progress query, complaint (有诉即办), help (帮办代办)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from drivers.idcard.driver import ReaderEvent
from drivers.printer import PrintResult
from sync.downlink import Progress
from terminal import events
from terminal.casenumber import parse_case_number
from terminal.cases import Complaint, Rating
from terminal.config import Config
from terminal.errors import TerminalError
from terminal.pinyin_input import candidates
from terminal.receipts import ReceiptDocument, Row, Rule, SmallPrint, Text as SlipText, Title
from terminal.session import FormInvalid, Session, State
from ui.hardware import Hardware
from ui.inputs import ButtonRow, NumberPad, typed
from ui.screens import Navigate, blank, show_if
from ui.steps import BuiltStep, Lines, Step, TextLine, plain
from ui.theme import Theme
from ui.viewmodels import ProgressModel, RatingModel
from ui.widgets import BigButton, Keyboard, Panel, Style, Text, column, fill, scrolling

COMPLAINT_CATEGORIES = ("服务态度", "办事效率", "设备故障", "政策咨询", "意见建议")
COMPLAINT_PHRASES = ("等候时间太长", "材料要求说得不清楚", "设备无法正常使用", "希望增加可办理的事项", "办理进度太慢",
                     "指南与实际要求不一致", "工作人员态度不好", "希望延长服务时间")
STEP_NAMES = {State.ITEM: "选择事项", State.GUIDE: "阅读办事指南", State.IDENTIFY: "读取身份证",
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


class RatingScreen(BuiltStep):
    """Five levels by touch or by the keypad; 不满意 and 非常不满意 ask why. Built once, following `RatingModel`."""

    prompt = "请为本次服务评价，也可以按评价器上的按键"
    heading, model_type = "我要评价", RatingModel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t, session = self.theme, self.session
        self.above, self.below = Widget(size_hint_y=0.4), Widget()
        self.thanks = [Text(t, "感谢您的评价！", size=("title", 1.3), bold=True, halign="center"),
                       Text(t, "您的评价会帮助我们把服务做得更好。", halign="center", colour="muted"), self.below,
                       BigButton(t, "完成", session.finish, primary=True)]
        self.why = Text(t, "", bold=True)
        self.reasons = Chips(t, session.config.rating.bad_reasons, self.toggle, 3)
        self.error_text = Text(t, "", colour="badge", bold=True)
        self.send = ButtonRow(t, [BigButton(t, "重新选择", self.choose_again),
                                  BigButton(t, "提交评价", self.record_chosen, primary=True)])
        self.about = Text(t, "", size="button", bold=True)
        self.how = Text(t, "点下面的按钮，或按评价器上的 1–5 键。", colour="muted")
        self.levels = BoxLayout()
        for rating in Rating:
            self.levels.add_widget(BigButton(t, rating.label, partial(self.choose, rating), primary=rating.value <= 2,
                                             size="button", size_hint_y=1))
        self.views = [self.bar, self.above, *self.thanks, self.why, self.reasons, self.error_text, self.send,
                      self.about, self.how, self.levels]
        for name in ("about", "chosen", "reasons", "error", "done"):
            self.model.fbind(name, self._compose)
        self.restyle(t)

    def _compose(self, *_: object) -> None:
        model = self.model
        if model.done:
            self.compose(self.bar, self.above, *self.thanks)
        elif model.chosen is not None:
            self.why.text = f"您选择了“{model.chosen.label}”，请告诉我们原因（可多选）"
            self.reasons.show(model.reasons)
            self.error_text.text = model.error
            self.compose(self.bar, self.why, self.reasons, *([self.error_text] if model.error else []), self.send)
        else:
            self.about.text = f"请为{model.about}评价"
            self.compose(self.bar, self.about, self.how, self.levels)

    def restyle(self, theme: Theme) -> None:
        self.levels.spacing = theme.gap * 2
        super().restyle(theme)

    def enter(self) -> None:
        self.model.reset()
        self.hardware.on_rating = self.choose

    def leave(self) -> None:
        self.hardware.on_rating = None
        super().leave()

    def reset(self) -> None:
        super().reset()
        blank(self.about)

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

    def record_chosen(self) -> None:
        chosen = self.model.chosen
        if chosen is not None:
            self.record(chosen)

    def record(self, rating: Rating) -> None:
        try:
            self.session.rate(rating, sorted(self.model.reasons))
        except FormInvalid as invalid:
            self.model.error = "；".join(invalid.errors.values())
            return
        events.record(events.EventId.RATING_RECORDED, rating=rating.value)
        self.model.done = True

    def choose_again(self) -> None:
        self.model.chosen, self.model.reasons = None, []


class ProgressLookup(Protocol):
    """Where cases stand: the terminal's outbox and the platform behind it. Blocking (the network):
    the progress screen calls it off the UI thread. Made where the kiosk is composed (ui/kiosk.py)."""

    def by_case_no(self, case_no: str) -> list[Progress]: ...

    def by_id_number(self, id_number: str) -> list[Progress]: ...


class ProgressScreen(BuiltStep):
    """受理编号 on the number pad (this terminal's prefix is filled in), or the ID card on the reader.
    Built once: the query and its answer are `ProgressModel`."""

    prompt = "请输入受理编号，或把身份证放在读卡区"
    heading, model_type = "进度查询", ProgressModel

    def __init__(self, session: Session, settings: Config, style: Style, navigate: Navigate, hardware: Hardware,
                 progress: ProgressLookup, **kwargs: Any) -> None:
        super().__init__(session, settings, style, navigate, hardware, **kwargs)
        self.progress = progress
        t = self.theme
        self.split = BoxLayout()
        self.left = BoxLayout(orientation="vertical")
        self.number = Text(t, "", size="title", bold=True)
        self.number_box = fill(self.number, t.palette.surface, radius=t.mm(1.5), border=t.palette.primary)
        self.error_text = Text(t, "", colour="badge", bold=True)
        self.card_hint = Text(t, "也可以把身份证放在读卡区，查询您在本终端提交的申请。", colour="muted")
        self.found_lines = Lines(t, padding=t.mm(3))
        self.answer = Panel(t)
        self.answer.add_widget(scrolling(t, self.found_lines))
        self.done = BigButton(t, "完成", session.finish)
        self.buttons = ButtonRow(t, [self.done, BigButton(t, "查询", self.query, primary=True)])
        for part in (Text(t, "受理编号", colour="muted"), self.number, self.card_hint, self.answer, self.buttons):
            self.left.add_widget(part)
        self.split.add_widget(self.left)
        self.split.add_widget(NumberPad(t, self.key, size_hint_x=0.42))
        self.body.add_widget(self.bar)
        self.body.add_widget(self.split)
        self.views = [self.bar, self.split, self.error_text, self.done]
        self.model.fbind("digits", self._show_number)
        for name in ("error", "looking", "results"):
            self.model.fbind(name, self._show_answer)
        self.restyle(t)
        self._show_number()
        self._show_answer()

    @property
    def results(self) -> list[Progress] | None:
        return self.model.results

    @property
    def case_no(self) -> str:
        prefix, digits = self.settings.terminal.id, self.model.digits
        return f"{prefix}-{digits[:6]}-{digits[6:]}" if len(digits) > 6 else f"{prefix}-{digits}"

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
            lines.append(("没有查到您在本终端提交的申请。请输入受理编号，或到服务窗口咨询。", None, False, None))
        for found in model.results or ():
            when = f"（{found.updated_at[:16].replace('T', ' ')}）" if found.updated_at else ""
            lines += [(plain(found.case_no), None, True, None), (plain(f"{found.status_zh}{when}"), None, False, None)]
        self.found_lines.show(lines)
        self.answer.paint(model.looking or model.results is not None)
        show_if(self.done, self.buttons, model.results is not None, index=1)

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
            self.model.error = "受理编号是回执上“受理编号”一行，输入日期6位和序号4位，共10位数字。"
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


class ComplaintScreen(Step):
    """有诉即办: a category, the problem picked from common phrases, an optional phone for the answer."""

    prompt = "请选择要反映的问题，可以留下电话，方便我们联系您"

    CANDIDATES = 8  # characters offered at once, on 15 mm keys

    def enter(self) -> None:
        self.category = COMPLAINT_CATEGORIES[0]
        self.phrases: list[str] = []
        self.phone, self.typing_phone, self.error = "", False, ""
        self.writing, self.written, self.syllable, self.page = False, "", "", 0
        self.filed: Complaint | None = None

    def leave(self) -> None:
        self.enter()  # what was typed and the phone go with the person
        super().leave()

    def update(self) -> None:
        """The session filed the complaint; `submit` redraws."""

    @property
    def text(self) -> str:
        return "；".join(self.phrases + ([self.written] if self.written else []))

    def write(self, on: bool) -> None:
        self.writing, self.syllable, self.page = on, "", 0
        self.redraw()

    def letter(self, key: str) -> None:
        """A key of the letter keyboard: pinyin into the syllable; 删除 takes a letter, then a character."""
        self.session.touch()
        if key == "\b":
            if self.syllable:
                self.syllable = self.syllable[:-1]
            else:
                self.written = self.written[:-1]
        elif key == "":
            self.syllable, self.written = "", ""
        else:
            self.syllable = (self.syllable + key)[:6]
        self.page = 0
        self.redraw()

    def choose(self, char: str) -> None:
        self.written, self.syllable, self.page = (self.written + char)[:200], "", 0
        self.error = ""
        self.redraw()

    def next_page(self) -> None:
        self.page += 1
        self.redraw()

    def writing_view(self, body: BoxLayout) -> None:
        """Full width (ten 15 mm keys a row): the text so far, candidate characters, the keyboard."""
        t = self.theme
        shown = self.text + (f" [color={t.palette.muted_hex}]{self.syllable}[/color]" if self.syllable else "")
        body.add_widget(Text(t, shown or f"[color={t.palette.muted_hex}]用拼音打字，例如 dengdai 打出“等待”[/color]",
                             size=t.font_button, markup=True))
        row = BoxLayout(size_hint_y=None, height=t.mm(15), spacing=t.gap / 2)
        offered = candidates(self.syllable, limit=(self.page + 1) * self.CANDIDATES)[self.page * self.CANDIDATES:]
        for char in offered[:self.CANDIDATES]:
            row.add_widget(BigButton(t, char, partial(self.choose, char), height=t.mm(15)))
        for _ in range(self.CANDIDATES - len(offered[:self.CANDIDATES])):
            row.add_widget(Widget())
        row.add_widget(BigButton(t, "下一页", self.next_page, height=t.mm(15), size_hint_x=1.6, size=t.font_body))
        row.add_widget(BigButton(t, "打好了", lambda: self.write(False), primary=True, height=t.mm(15),
                                 size_hint_x=1.6, size=t.font_body))
        body.add_widget(row)
        body.add_widget(Keyboard(t, self.letter))
        body.add_widget(Widget())  # the rest of the height stays below the keyboard

    def pick_category(self, category: str) -> None:
        self.category = category
        self.redraw()

    def toggle(self, phrase: str) -> None:
        self.phrases.remove(phrase) if phrase in self.phrases else self.phrases.append(phrase)
        self.error = ""
        self.redraw()

    def key(self, key: str) -> None:
        self.phone = typed(self.phone, key, 12)
        self.session.touch()
        self.phone_text.text = self.phone or "（可不填）"

    def ask_phone(self, on: bool) -> None:
        self.typing_phone = on
        self.redraw()

    def submit(self) -> None:
        try:
            self.filed = self.session.submit_complaint(self.category, self.text, self.phone)
        except FormInvalid as invalid:
            self.error = "；".join(invalid.errors.values())
        else:
            events.record(events.EventId.COMPLAINT_FILED, category=self.category)
        self.redraw()

    def build(self, body: BoxLayout) -> None:
        t = self.theme
        body.add_widget(self.header("我要投诉 · 有诉即办", self.back_action()))
        if self.filed is not None:
            body.add_widget(Widget(size_hint_y=0.3))
            body.add_widget(Text(t, "您反映的问题已经收到", size=t.font_title, bold=True, halign="center"))
            body.add_widget(Text(t, f"诉求编号 {self.filed.complaint_no}", size=t.font_button, halign="center"))
            answer = "工作人员会在3个工作日内给您回电话。" if self.filed.phone else \
                f"您可以凭诉求编号拨打 {self.settings.terminal.complaint_phone} 查询处理结果。"
            body.add_widget(Text(t, answer, halign="center"))
            body.add_widget(Widget())
            body.add_widget(BigButton(t, "完成", self.session.finish, primary=True))
            return
        if self.writing:
            self.writing_view(body)
            return
        split = BoxLayout(spacing=t.gap * 3)
        left = column(t)
        left.add_widget(Text(t, "您要反映什么？（点选，可多选；也可以打字）", bold=True))
        phrases = COMPLAINT_PHRASES[:6] if self.session.elderly else COMPLAINT_PHRASES
        if self.written:
            left.add_widget(Text(t, f"您写的：{self.written}"))
        left.add_widget(BigButton(t, "打字修改" if self.written else "打字（拼音）", lambda: self.write(True)))
        phrase_chips = Chips(t, phrases, self.toggle, 2 if self.session.elderly else 3)
        phrase_chips.show(self.phrases)
        left.add_widget(phrase_chips)
        left.add_widget(Text(t, "问题类别", bold=True))
        categories = Chips(t, COMPLAINT_CATEGORIES, self.pick_category, 2 if self.session.elderly else 3)
        categories.show({self.category})
        left.add_widget(categories)
        split.add_widget(scrolling(t, left))
        right = BoxLayout(orientation="vertical", spacing=t.gap * 1.5, size_hint_x=0.4)
        right.add_widget(Text(t, "联系电话", colour=t.palette.muted))
        self.phone_text = Text(t, self.phone or "（可不填）", size=t.font_button, bold=True)
        self.phone_text.padding = (t.mm(2), t.mm(1))
        fill(self.phone_text, t.palette.surface, radius=t.mm(1.5), border=t.palette.line)
        right.add_widget(self.phone_text)
        if self.typing_phone:
            right.add_widget(NumberPad(t, self.key))
            right.add_widget(BigButton(t, "电话输好了", lambda: self.ask_phone(False)))
        else:
            right.add_widget(BigButton(t, "留下电话", lambda: self.ask_phone(True)))
            right.add_widget(Widget())
        if self.error:
            right.add_widget(Text(t, self.error, colour=t.palette.badge, bold=True))
        right.add_widget(BigButton(t, "提交", self.submit, primary=True))
        split.add_widget(right)
        body.add_widget(split)


def help_slip(config: Config, step: str, item_name: str, now: datetime) -> ReceiptDocument:
    """帮办代办求助单: what the person was doing, for the window staff (no personal data on it)."""
    terminal = config.terminal
    return ReceiptDocument("help", (
        Title("帮办代办求助单"), Row("服务中心", terminal.center_name), Row("终端编号", terminal.id),
        Row("时间", now.strftime("%Y-%m-%d %H:%M")), Row("办理事项", item_name or "（未选择）"), Row("办到", step),
        Rule(), SlipText("请把本单交给服务窗口或导办台的工作人员，他们会帮您继续办理。"),
        SmallPrint(f"服务电话：{terminal.consult_phone}"), SmallPrint(f"投诉电话：{terminal.complaint_phone}")))


class HelpScreen(Step):
    """The center's phone in large figures, and a request slip to hand to the staff."""

    prompt = "需要帮助，请拨打屏幕上的电话，或打印求助单交给工作人员"

    def __init__(self, session: Session, settings: Config, style: Style, navigate: Navigate, hardware: Hardware,
                 came_from: Callable[[], State], **kwargs: object) -> None:
        super().__init__(session, settings, style, navigate, hardware, **kwargs)
        self._came_from = came_from  # the kiosk knows which screen the person asked for help from

    def enter(self) -> None:
        self.slip: PrintResult | None = None
        self.printing = False
        events.record(events.EventId.HELP_REQUESTED, from_state=self.came_from().value)

    def came_from(self) -> State:
        return self._came_from()

    def print_slip(self) -> None:
        item = self.session.item
        document = help_slip(self.settings, STEP_NAMES.get(self.came_from(), "首页"), item.title if item else "",
                             datetime.now())
        self.printing = True
        self.hardware.print_documents([document], self.printed)
        self.redraw()

    def printed(self, result: PrintResult) -> None:
        if self.session.state == State.HELP:
            self.slip, self.printing = result, False
            self.redraw()

    def build(self, body: BoxLayout) -> None:
        t, terminal = self.theme, self.settings.terminal
        body.add_widget(self.header("帮办代办", self.back_action()))
        body.add_widget(Text(t, "工作人员可以帮您办，也可以替您办", size=t.font_button, bold=True, halign="center"))
        body.add_widget(Text(t, f"{terminal.center_name} 服务电话", halign="center", colour=t.palette.muted))
        body.add_widget(Text(t, terminal.consult_phone, size=min(t.font_title * 1.8, t.mm(16)), bold=True,
                             halign="center", colour=t.palette.primary))
        if not self.session.elderly:  # elderly: fewer words, the button says it
            body.add_widget(Text(t, "也可以打印求助单，交给服务窗口或导办台的工作人员。", halign="center"))
        if self.printing:
            body.add_widget(Text(t, "正在打印求助单…", bold=True, halign="center"))
        elif self.slip is not None:
            said = "求助单已打印，请取走。" if self.slip.printed else \
                "打印机暂时不能使用，求助单没有打印。请直接到服务窗口，或拨打上面的电话。"
            body.add_widget(Text(t, said, bold=True, halign="center",
                                 colour=t.palette.text if self.slip.printed else t.palette.badge))
        body.add_widget(Widget())
        buttons = [BigButton(t, "打印求助单", self.print_slip, primary=True)]
        if self.back_action() is not None and self.came_from() != State.HOME:
            buttons.insert(0, BigButton(t, "回到上一步", self.session.back))
        body.add_widget(ButtonRow(t, buttons))
