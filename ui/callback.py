"""预约 / 请工作人员联系我: a phone on the number pad, a preferred time, the item; into the outbox.

Reached from an item the terminal cannot take (no guide here) and from 帮办代办 at any hour. The
request is an outbox record of its own kind (`callback`), delivered like a case; staff see it on
the central console and call back in office hours. The screen says when that will be, and prints
a slip that says so too (nothing here survives the idle wipe, so nothing promises more).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from drivers.printer import PrintResult
from terminal.office import when_zh
from terminal.session import FormInvalid, State
from terminal.slips import callback_slip, office_hours
from ui.inputs import ButtonRow, NumberPad, typed
from ui.screens import show_if
from ui.services import Chips
from ui.steps import PhoneStep
from ui.theme import Theme
from ui.viewmodels import CallbackModel
from ui.widgets import BigButton, Text, column, scrolling

PHONE_DIGITS = 12


def callback_promise(now: datetime, open_now: bool, next_open: datetime | None) -> str:
    """When staff will call, in words that are true at this hour."""
    if open_now:
        return "现在是办公时间，工作人员会尽快按您选的时间给您打电话。"
    if next_open is None:
        return "工作人员上班后会按您选的时间给您打电话。"
    return f"现在不是办公时间，工作人员{when_zh(next_open, now.date())}上班后按您选的时间给您打电话。"


class CallbackScreen(PhoneStep):
    """Left: what it is about, when staff will call, the times to choose from, the phone; right: the
    number pad. Then the request number and a slip to print. Built once, following `CallbackModel`."""

    prompt = "请选择希望工作人员联系您的时间，再用数字键输入电话号码"
    heading, model_type = "请工作人员联系我", CallbackModel
    phone_border = "primary"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t, session, center = self.theme, self.session, self.settings.center
        # asking
        self.split = BoxLayout()
        left = column(t)
        self.about = Text(t, "", size="button", bold=True)
        self.when = Text(t, "", colour="muted")
        self.times = Chips(t, center.callback_times, self.pick, 3)
        self.phone_entry("title")
        self.error_text = Text(t, "", colour="badge", bold=True)
        self.phone_label = Text(t, "联系电话（必填，只用于回电）", bold=True)
        for part in (self.about, self.when, Text(t, "希望什么时候联系您？", bold=True), self.times,
                     self.phone_label, self.phone_text, self.error_text):
            left.add_widget(part)
        self.left = left
        self.side = BoxLayout(orientation="vertical")
        self.side.add_widget(scrolling(t, left))
        self.side.add_widget(BigButton(t, "提交预约", self.submit, primary=True))
        self.split.add_widget(self.side)
        self.split.add_widget(NumberPad(t, self.key, size_hint_x=0.42))
        # sent
        self.above, self.below = Widget(size_hint_y=0.2), Widget()
        self.number = Text(t, "", size="button", halign="center")
        self.promise = Text(t, "", halign="center")
        self.said = Text(t, "", halign="center", bold=True)
        sent = column(t)  # (scrolls with 上一页/下一页 rather than push the title bar off a 10" panel in elderly mode)
        for part in (Text(t, "已记下，工作人员会给您回电", size="title", bold=True, halign="center"), self.number,
                     self.promise, self.said):
            sent.add_widget(part)
        self.sent_view = [self.above, scrolling(t, sent), self.below,
                          ButtonRow(t, [BigButton(t, "打印预约回电单", self.print_slip),
                                        BigButton(t, "完成", session.finish, primary=True)])]
        self.views = [self.bar, self.split, self.phone_label, self.about, self.when, *self.sent_view]
        for name in ("about", "preferred", "phone", "error", "sent", "printing", "slip", "elderly"):
            self.model.fbind(name, self._compose)
        self.personal = (self.phone_text, self.number, self.about)  # (the phone goes with the person)
        self.restyle(t)

    def _compose(self, *_: object) -> None:
        model = self.model
        self.bar.show(self.heading, self.back_action() if model.sent is None else None)
        now = datetime.now()
        duty = office_hours(self.settings).at(now)
        if model.sent is not None:
            self.number.text = f"预约编号 {model.sent.request_no}"
            self.promise.text = callback_promise(now, duty.now, duty.next_open)
            if model.printing:
                self.said.text = "正在打印预约回电单…"
            elif model.slip is not None:
                self.said.text = "预约回电单已打印，请取走。" if model.slip.printed else \
                    "打印机暂时不能使用，请记下上面的预约编号。"
            else:
                self.said.text = ""
            self.compose(self.bar, *self.sent_view)
            return
        self.about.text = f"事项：{model.about}" if model.about else "帮办代办：工作人员帮您办，或替您办"
        self.when.text = callback_promise(now, duty.now, duty.next_open)
        self.times.show({model.preferred}, cols=3)  # one row: the phone stays in sight in elderly mode too
        self.phone_text.text = model.phone or "请用右边的数字键输入"
        self.error_text.text = model.error
        show_if(self.error_text, self.left, bool(model.error))
        # elderly mode (larger text): fewer words, so that the phone typed stays in sight above the pad
        show_if(self.phone_label, self.left, not model.elderly, index=self.left.children.index(self.phone_text) + 1)
        show_if(self.when, self.left, not model.elderly, index=len(self.left.children))  # (said after sending)
        show_if(self.about, self.left, not model.elderly, index=len(self.left.children))
        self.compose(self.bar, self.split)

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.side.spacing = theme.gap * 3, theme.gap * 2
        super().restyle(theme)

    def pick(self, preferred: str) -> None:
        self.model.preferred, self.model.error = preferred, ""
        self.session.touch()

    def key(self, key: str) -> None:
        self.model.phone, self.model.error = typed(self.model.phone, key, PHONE_DIGITS), ""
        self.session.touch()

    def submit(self) -> None:
        try:
            self.model.sent = self.session.submit_callback(self.model.phone, self.model.preferred)
        except FormInvalid as invalid:
            self.model.error = "；".join(invalid.errors.values())

    def print_slip(self) -> None:
        request = self.model.sent
        if request is None or self.model.printing:
            return
        self.model.printing = True
        self.hardware.print_documents([callback_slip(self.settings, request)], self.printed)

    def printed(self, result: PrintResult) -> None:
        if self.session.state == State.CALLBACK:
            self.model.slip, self.model.printing = result, False
