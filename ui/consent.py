"""个人信息告知与同意: before the first card read, what is collected, why, for how long and who
receives it (the configured, versioned notice), a separate tick for sensitive personal information
(PIPL art. 29), and who applies: 本人办理 or 代他人办理. 不同意 reads nothing and says where the
window is and which number to call. Built once; `ConsentModel` is what it shows.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from terminal.session import FormInvalid, Session
from ui.screens import show_if
from ui.steps import ComposedStep, Problem
from ui.theme import Theme
from ui.viewmodels import ViewModel
from ui.widgets import BigButton, Panel, Text, column, scrolling

TICKED, UNTICKED = "■ 已单独同意：", "□ 点这里单独同意："


class ConsentModel(ViewModel):
    """The sensitive-information tick, 不同意 chosen, and why 同意 was refused."""

    sensitive = BooleanProperty(False)
    declined = BooleanProperty(False)
    error = StringProperty("")

    def refresh(self, session: Session) -> None:
        """(Nothing of the session is shown: the notice is the configuration's.)"""

    def reset(self) -> None:
        self.sensitive, self.declined, self.error = False, False, ""


class ConsentScreen(ComposedStep):
    """The notice on the left, the choices on the right; 不同意 turns the screen into the way to the window."""

    prompt = "读取身份证之前，请先阅读个人信息告知，同意后再继续"
    heading, model_type = "个人信息告知与同意", ConsentModel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t, consent = self.theme, self.settings.consent
        self.split = BoxLayout()
        words = column(t, padding=t.mm(3))
        words.add_widget(Text(t, consent.notice.format(center=self.settings.terminal.center_name)))
        words.add_widget(Text(t, f"告知书版本 {consent.notice_version}", size="small", colour="muted"))
        notice = Panel(t)
        notice.add_widget(scrolling(t, words))
        self.left = BoxLayout(orientation="vertical")
        # the separate consent (PIPL art. 29) sits under the notice it belongs to, as tall as its words
        self.tick = BigButton(t, "", self.toggle, subtitle=consent.sensitive, size="body", halign="left",
                              height=t.target)
        self.tick.fbind("texture_size", self._fit_tick)
        self.left.add_widget(notice)
        self.left.add_widget(self.tick)
        self.split.add_widget(self.left)
        self.choices = BoxLayout(orientation="vertical", size_hint_x=0.36)
        self.error_text = Text(t, "", colour="badge", bold=True)
        self.own = BigButton(t, "本人办理", lambda: self.agree(False), primary=True)
        self.other = BigButton(t, "代他人办理", lambda: self.agree(True))
        self.refuse = BigButton(t, "不同意", self.decline)
        # (in large letters the column has no room for these two lines: the buttons say enough)
        self.lead = [Text(t, "同意以上告知，请选择：", bold=True), Text(t, "代他人办理需要委托书", size="small", colour="muted")]
        for widget in (self.error_text, Widget(), *self.lead, self.own, self.other, self.refuse):
            self.choices.add_widget(widget)
        self.split.add_widget(self.choices)
        self.declined_view = Problem(t)
        self.views = [self.bar, self.split, self.declined_view]
        for name in ("sensitive", "declined", "error"):
            self.model.fbind(name, self._compose)
        self.restyle(t)
        self._compose()

    def _compose(self, *_: object) -> None:
        model, terminal = self.model, self.settings.terminal
        self.bar.show(self.heading, self.back_action())
        if model.declined:
            self.declined_view.show(
                "不同意也可以办理", f"本终端没有读取您的任何信息。请到{terminal.center_name}的服务窗口，"
                f"工作人员当面为您办理；办理前可以拨打咨询电话 {terminal.consult_phone}。",
                [("重新阅读告知", self.reconsider), ("到服务窗口办理（回到首页）", self.session.cancel)])
            self.compose(self.bar, self.declined_view)
            return
        self.tick.show(TICKED if model.sensitive else UNTICKED, primary=model.sensitive)
        for index, line in enumerate(self.lead):
            show_if(line, self.choices, not self.session.elderly, index=len(self.choices.children) - 2 - index)
        self.error_text.text = model.error
        self.compose(self.bar, self.split)

    def _fit_tick(self, *_: object) -> None:
        self.tick.height = max(self.theme.target, self.tick.texture_size[1] + self.theme.mm(4))

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.choices.spacing, self.left.spacing = theme.gap * 3, theme.gap * 1.5, theme.gap * 1.5
        super().restyle(theme)

    def enter(self) -> None:
        self.model.reset()

    def toggle(self) -> None:
        self.session.touch()
        self.model.sensitive, self.model.error = not self.model.sensitive, ""

    def agree(self, on_behalf: bool) -> None:
        try:
            self.session.agree(sensitive=self.model.sensitive, on_behalf=on_behalf)
        except FormInvalid as invalid:
            self.model.error = "；".join(invalid.errors.values())

    def decline(self) -> None:
        self.session.touch()
        self.model.declined = True

    def reconsider(self) -> None:
        self.model.declined = False
