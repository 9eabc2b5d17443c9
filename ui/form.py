"""填写信息: the applicant's card fields (masked, read-only), the phone, the item's own fields from the
catalog (terminal/forms.py) and how the result arrives, on one screen rendered from the field specs.

Each kind has its input: digits on the number pad, a date with a simple picker, a choice as
buttons, text in pinyin on the full-width writer (ui/writer.py). The session checks every value
(`FormInvalid`, a sentence per field); this screen only shows the sentences. Built once: the field
rows and the choice buttons are pooled, `FormModel` is what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from kivy.clock import Clock
from kivy.effects.scroll import ScrollEffect
from kivy.properties import BooleanProperty, DictProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from terminal.forms import ADDRESS_MAX, DELIVERY_LABELS, FieldSpec
from terminal.privacy import mask_address, mask_form_value, mask_id_number, mask_name
from terminal.session import PHONE_RE, FormInvalid, Session
from ui.inputs import NumberPad, typed
from ui.screens import blank
from ui.steps import ComposedStep, Lines, TextLine, plain
from ui.theme import Theme
from ui.viewmodels import ViewModel, name_mask
from ui.widgets import BigButton, Text, column, scrolling
from ui.writer import PinyinWriter

PHONE = FieldSpec("phone", "联系电话", "number", max_length=12, hint="用右边的数字键输入")
DELIVERY = FieldSpec("delivery", "结果领取方式", "choice", choices=tuple(DELIVERY_LABELS.values()))
ADDRESS = FieldSpec("delivery_address", "收件地址", "text", max_length=ADDRESS_MAX, hint="写到街道（村）和门牌号")
MOBILE_DIGITS = 11
Row = tuple[str, str, str]  # (field key, the row's words, the hint under them)


def shown_value(spec: FieldSpec, value: str) -> str:
    """A value as its row shows it: dates in words, the delivery address masked, the rest as typed."""
    if not value:
        return "（未填写）" if not spec.required else "（请填写）"
    if spec.kind == "date":
        day = date.fromisoformat(value)
        return f"{day.year}年{day.month}月{day.day}日"
    return mask_address(value) if spec.key == ADDRESS.key else value


def form_specs(session: Session) -> list[FieldSpec]:
    """The fields the person fills in, in order: phone, the item's own, the delivery (and address)."""
    specs = [PHONE, *session.item_fields]
    options = session.delivery_options
    if len(options) > 1:
        specs.append(FieldSpec("delivery", DELIVERY.label, "choice", choices=tuple(DELIVERY_LABELS[o] for o in options)))
    if session.delivery[0] == "post":
        specs.append(ADDRESS)
    return specs


def value_of(session: Session, key: str) -> str:
    method, address = session.delivery
    return {"delivery": DELIVERY_LABELS[method], "delivery_address": address}.get(key, session.form.get(key, ""))


class FormModel(ViewModel):
    """The card facts (masked), the rows to fill in, the one selected, typing in pinyin, the errors."""

    facts = ListProperty()  # (label, masked value)
    rows = ListProperty()  # Row
    selected = StringProperty("")
    writing = BooleanProperty(False)
    errors = DictProperty()
    elderly = BooleanProperty(False)

    def refresh(self, session: Session) -> None:
        form, style = session.form, name_mask(session)
        self.elderly = session.elderly
        facts = []
        agent = session.agent
        if agent is not None:
            facts.append(("代办人", f"{mask_name(agent.name, style)}  {mask_id_number(agent.id_number)}"))
        who = "委托人" if session.on_behalf else "申请人"
        if form.get("name"):  # name and number on one line: the rows to fill in need the room
            facts.append((who, f"{mask_name(form['name'], style)}  {mask_id_number(form.get('id_number', ''))}"))
        if form.get("address"):
            facts.append(("住址", mask_form_value("address", form["address"], style)))
        self.facts = facts
        specs = form_specs(session)
        self.rows = [(s.key, f"{s.label}：{shown_value(s, value_of(session, s.key))}", s.hint) for s in specs]
        if self.selected not in {s.key for s in specs}:
            self.selected = specs[0].key

    def reset(self) -> None:
        self.facts, self.rows, self.selected, self.writing, self.errors, self.elderly = [], [], "", False, {}, False


class DatePicker(BoxLayout):
    """年, 月, 日 each with － and ＋: big targets, no calendar grid to aim at."""

    def __init__(self, theme: Theme, on_change: Callable[[date], None]) -> None:
        super().__init__(orientation="vertical", size_hint_y=None)
        self.on_change, self.day = on_change, date.today()
        self.labels: list[Text] = []
        for unit in ("year", "month", "day"):
            row = BoxLayout()
            label = Text(theme, "", size="title", bold=True, halign="center", line=True)
            row.add_widget(BigButton(theme, "－", partial(self.step, unit, -1), size_hint_x=0.3))
            row.add_widget(label)
            row.add_widget(BigButton(theme, "＋", partial(self.step, unit, 1), size_hint_x=0.3))
            self.labels.append(label)
            self.add_widget(row)
        self.restyle(theme)

    def show(self, day: date) -> None:
        self.day = day
        for label, text in zip(self.labels, (f"{day.year}年", f"{day.month}月", f"{day.day}日"), strict=True):
            label.text = text

    def step(self, unit: str, by: int) -> None:
        day = self.day
        year, month = day.year + (by if unit == "year" else 0), day.month + (by if unit == "month" else 0)
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        last = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
        number = min(day.day, last) + (by if unit == "day" else 0)
        self.on_change(date(year, month, (number - 1) % last + 1))

    def restyle(self, theme: Theme) -> None:
        self.spacing = theme.gap
        self.height = 3 * theme.target + 2 * theme.gap
        for row in self.children:
            row.spacing = theme.gap


class FormScreen(ComposedStep):
    """The facts and the rows on the left, the selected row's input on the right; text fields open
    the pinyin writer over the whole width. 下一步 asks the session, which says what is wrong."""

    prompt = "请核对您的信息，填写联系电话和本事项需要的内容"
    heading, model_type = "填写信息", FormModel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t = self.theme
        self.split = BoxLayout()
        self.left = BoxLayout(orientation="vertical")
        self.fields = column(t)
        self.facts = Lines(t)
        self.fields.add_widget(self.facts)
        self.row_buttons: list[BigButton] = []
        self.error_text = Text(t, "", colour="badge", bold=True)
        self.fields.add_widget(self.error_text)
        self.scroller = scrolling(t, self.fields)
        # no bounce: a damped overscroll, left from a longer form, turns into a wild scroll_y once the rows shrink
        self.scroller.effect_cls = ScrollEffect
        self.left.add_widget(self.scroller)
        self.left.add_widget(BigButton(t, "下一步：扫描材料", self.next, primary=True))
        self.split.add_widget(self.left)
        self.input = BoxLayout(orientation="vertical", size_hint_x=0.42)
        self.split.add_widget(self.input)
        self.question = Text(t, "", bold=True)
        self.pad = NumberPad(t, self.key)
        self.picker = DatePicker(t, self.pick_date)
        self.choices = column(t)
        self.choice_buttons: list[BigButton] = []
        self.type_button = BigButton(t, "打字输入（拼音）", lambda: self.write(True), primary=True)
        self.spare = Widget()
        self.writer = PinyinWriter(t, self.typed_text, self.session.touch)
        self.views = [self.bar, self.split, self.question, self.pad, self.picker, self.choices, self.type_button,
                      self.spare, self.writer]
        for name in ("facts", "rows", "selected", "writing", "errors", "elderly"):
            self.model.fbind(name, self._compose)
        self.model.fbind("selected", lambda *_: Clock.schedule_once(self.reveal))  # once the rows are laid out
        self.restyle(t)

    # ---- showing -------------------------------------------------------------------------

    def spec(self, key: str) -> FieldSpec | None:
        return next((s for s in form_specs(self.session) if s.key == key), None) if self.model.rows else None

    def _compose(self, *_: object) -> None:
        model = self.model
        self.bar.show(self.heading, self.back_action())
        spec = self.spec(model.selected)
        if model.writing and spec is not None:
            self.compose(self.bar, self.writer)
            return
        self._show_rows()
        self._show_input(spec)
        self.compose(self.bar, self.split)

    def _show_rows(self) -> None:
        model, muted = self.model, self.theme.palette.muted_hex
        facts: list[TextLine] = [(f"[color={muted}]{label}[/color]  {plain(value)}", None, False, None)
                                 for label, value in model.facts]
        self.facts.show([*facts, ("以上来自身份证，不能修改", "small", False, "muted")] if facts else [])
        while len(self.row_buttons) < len(model.rows):
            self.row_buttons.append(BigButton(self.theme, "", lambda: None, halign="left", size="body"))
        for (key, words, hint), button in zip(model.rows, self.row_buttons, strict=False):
            button.action = partial(self.select, key)
            error = model.errors.get(key, "")
            button.show(plain(words), subtitle=plain(error or hint), primary=key == model.selected)
        self.error_text.text = "；".join(model.errors.values())

        # the rows in order, under the facts and above the error line
        wanted = [self.facts, *self.row_buttons[:len(model.rows)], self.error_text]
        if self.fields.children[::-1] != wanted:
            self.fields.clear_widgets()
            for widget in wanted:
                self.fields.add_widget(widget)

    def _show_input(self, spec: FieldSpec | None) -> None:
        parts: list[Widget] = [self.question]
        if spec is None:
            parts = []
        elif spec.kind == "number":
            parts.append(self.pad)
        elif spec.kind == "date":
            value = value_of(self.session, spec.key)
            self.picker.show(date.fromisoformat(value) if value else date.today())
            parts.append(self.picker)
        elif spec.kind == "choice":
            self._show_choices(spec)
            parts.append(self.choices)
        else:
            parts.append(self.type_button)
        parts.append(self.spare)
        if spec is not None:
            self.question.text = spec.label + ("" if spec.required else "（可不填）")
        if self.input.children[::-1] != parts:
            self.input.clear_widgets()
            for part in parts:
                self.input.add_widget(part)

    def _show_choices(self, spec: FieldSpec) -> None:
        current = value_of(self.session, spec.key)
        while len(self.choice_buttons) < len(spec.choices):
            self.choice_buttons.append(BigButton(self.theme, "", lambda: None))
        self.choices.clear_widgets()
        for button, choice in zip(self.choice_buttons, spec.choices, strict=False):
            button.action = partial(self.choose, spec.key, choice)
            button.show(choice, primary=choice == current)
            self.choices.add_widget(button)

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.left.spacing, self.input.spacing = theme.gap * 3, theme.gap * 2, theme.gap * 2
        for button in (*self.row_buttons, *self.choice_buttons):  # (also those not shown now)
            button.restyle(theme)
        super().restyle(theme)

    def enter(self) -> None:
        self.model.errors, self.model.writing, self.model.selected = {}, False, ""
        self.scroller.scroll_y = 1  # from the top, whatever the last person scrolled to

    def reset(self) -> None:
        super().reset()
        self.writer.clear()
        for label in (self.question, self.error_text):
            blank(label)
        for button in self.row_buttons:  # their words held the phone, the new name, the address
            button.show("", subtitle="")
            blank(button)

    # ---- input ---------------------------------------------------------------------------

    def select(self, key: str) -> None:
        self.session.touch()
        self.model.selected = key
        spec = self.spec(key)
        if spec is not None and spec.kind == "text":
            self.write(True)

    def write(self, on: bool) -> None:
        spec = self.spec(self.model.selected)
        if on and spec is not None:
            self.writer.start(spec.label + (f"（{spec.hint}）" if spec.hint else ""),
                              value_of(self.session, spec.key), spec.max_length or 30, digits=spec.key == ADDRESS.key)
        self.model.writing = on

    def _set(self, key: str, value: str) -> None:
        """One value into the session; the row's error goes, the others stay until 下一步."""
        if key == "delivery":
            method = next(m for m, label in DELIVERY_LABELS.items() if label == value)
            self.session.set_delivery(method)
        elif key == ADDRESS.key:
            self.session.set_delivery("post", value)
        else:
            self.session.set_field(key, value)
        self.model.errors = {k: v for k, v in self.model.errors.items() if k != key}

    def key(self, key: str) -> None:
        spec = self.spec(self.model.selected)
        if spec is not None and spec.kind == "number":
            value = typed(value_of(self.session, spec.key), key, spec.max_length or 12)
            self._set(spec.key, value)
            if spec.key == PHONE.key and len(value) == MOBILE_DIGITS and PHONE_RE.match(value):
                self.advance()  # a whole mobile number: on to the next row

    def pick_date(self, day: date) -> None:
        self._set(self.model.selected, day.isoformat())

    def choose(self, key: str, choice: str) -> None:
        self._set(key, choice)
        self.advance()

    def typed_text(self, text: str) -> None:
        self._set(self.model.selected, text)
        self.model.writing = False
        self.advance()

    def advance(self) -> None:
        """A choice made or a text typed: on to the next row, without opening its writer."""
        keys = [key for key, _words, _hint in self.model.rows]
        if self.model.selected in keys[:-1]:
            self.model.selected = keys[keys.index(self.model.selected) + 1]

    def reveal(self, _dt: float = 0) -> None:
        """Scroll the selected row into sight (the rows of an item with many fields do not all fit)."""
        keys = [key for key, _words, _hint in self.model.rows]
        view, content = self.scroller, self.fields
        overflow = content.height - view.height
        if self.model.selected not in keys or overflow <= 0:
            return
        button = self.row_buttons[keys.index(self.model.selected)]
        bottom = button.y - content.y  # the row, from the foot of the rows
        low = view.scroll_y * overflow  # the part in sight: low .. low + view.height
        low = min(low, bottom) if bottom < low else max(low, bottom + button.height - view.height)
        view.scroll_y = min(1.0, max(0.0, low / overflow))  # (Kivy's scroll_to overshoots when it barely scrolls)

    def next(self) -> None:
        try:
            self.session.confirm_form()
        except FormInvalid as invalid:
            self.model.errors = invalid.errors
            first = next((key for key, _words, _hint in self.model.rows if key in invalid.errors), "")
            if first:
                self.model.selected = first
