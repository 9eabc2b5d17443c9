"""The applying steps: identify, form, materials, review, submit, receipt.

Each screen reads the session and calls it; devices run through `Hardware` and answer on the UI
thread. A device fault shows what happened and the ways forward instead of stopping the person.
"""

from __future__ import annotations

import logging
from datetime import date
import numpy as np
from kivy.clock import Clock, ClockEvent, mainthread
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from drivers.idcard.driver import ReaderEvent
from drivers.printer.driver import PrintResult
from terminal import events
from terminal.errors import DeviceError, TerminalError
from terminal.privacy import mask_form_value
from terminal.receipt_layout import PAPER_DOTS
from terminal.receipt_png import qr_image, render_png
from terminal.receipts import ReceiptDocument, acceptance_receipt, correction_notice, progress_url
from terminal.session import FORM_FIELDS, FormField, FormInvalid, PendingSubmission, State
from ui.hardware import Preview, ScanResult, in_background
from ui.inputs import NumberPad, Picture, SignaturePad, button_row, pil_rgb, typed
from ui.screens import blank, restyle_tree
from ui.steps import CardPictogram, Step
from ui.theme import Theme
from ui.widgets import Animated, BigButton, Text, column, fill, scrolling

log = logging.getLogger(__name__)
PHONE_DIGITS = 12


def card_wait_seconds(step: Step) -> float:
    seconds = step.settings.timeouts.card_wait_seconds
    return seconds * 2 if step.session.elderly else seconds


class IdentifyScreen(Step):
    """Where to put the card (animated), what the reader is doing, and a way without a card."""

    prompt = "请把身份证放在读卡区，不要移动"

    def enter(self) -> None:
        self.status, self.advice, self.no_card = "waiting", "", False
        self.hardware.watch_cards(self.on_card)
        self._timer: ClockEvent | None = Clock.schedule_once(self.on_timeout, card_wait_seconds(self))

    def leave(self) -> None:
        self.hardware.stop_cards()
        if self._timer is not None:
            self._timer.cancel()
        super().leave()

    def retry(self) -> None:
        self.leave()
        self.enter()
        self.redraw()

    def on_timeout(self, _dt: float) -> None:
        self._timer = None
        if self.session.state == State.IDENTIFY and self.status == "waiting":
            self.status, self.advice = "timeout", "请确认身份证放在读卡区的感应位置上，人像面朝上。"
            self.hardware.stop_cards()
            self.redraw()

    def on_card(self, event: ReaderEvent) -> None:
        if self.session.state != State.IDENTIFY:
            return
        if event.kind == "card-read" and event.identity is not None:
            if event.identity.expired(date.today()):
                self.status, self.advice = "expired", "这张身份证已过有效期，不能在终端办理，请到服务窗口。"
            else:
                events.record(events.EventId.CARD_READ, card_type=event.identity.card_type)
                self.session.identified(event.identity)
                return
        elif event.kind == "card-placed":
            self.status = "reading"
        elif event.kind in ("read-failed", "reader-lost"):
            events.record(events.EventId.CARD_READ_FAILED, kind=event.kind)
            self.status = "failed" if event.kind == "read-failed" else "lost"
            self.advice = event.error.advice_zh if event.error else ""
        elif event.kind in ("card-removed", "reader-back") and self.status in ("reading", "lost"):
            self.status = "waiting"
        self.redraw()

    def show_alternatives(self, on: bool) -> None:
        self.no_card = on
        self.redraw()

    def build(self, body: BoxLayout) -> None:
        t = self.theme
        body.add_widget(self.header("读取身份证", self.back_action()))
        split = BoxLayout(spacing=t.gap * 3)
        waiting = not self.no_card and self.status in ("waiting", "reading")
        if waiting or not self.session.elderly:  # elderly: the words get the whole width
            split.add_widget(CardPictogram(t, size_hint_x=0.45))
        side = BoxLayout(orientation="vertical", spacing=t.gap * 2)
        if self.no_card:
            side.add_widget(self.problem("没有带身份证也能办", "· 到服务窗口，工作人员核验身份后为您办理；\n"
                                         "· 临时身份证、户口簿等证件请到窗口使用；\n"
                                         "· 需要人帮忙，请点“呼叫工作人员帮助”。",
                                         [("我带了，继续读卡", lambda: self.show_alternatives(False)),
                                          *self.ways_forward()]))
        elif self.status in ("failed", "lost", "timeout", "expired"):
            title = {"failed": "没有读出身份证", "lost": "读卡器暂时不能使用", "timeout": "没有读到身份证",
                     "expired": "身份证已过有效期"}[self.status]
            retry = None if self.status == "expired" else ("再试一次", self.retry)
            side.add_widget(self.problem(title, self.advice, self.ways_forward(retry)))
        else:
            reading = self.status == "reading"
            side.add_widget(Text(t, "正在读取，请不要移动身份证…" if reading else "请把身份证放在读卡区",
                                 size=t.font_title * 1.2, bold=True))
            side.add_widget(Text(t, "人像面朝上，平放在下方的读卡区，听到提示音后稍等片刻。", colour=t.palette.muted))
            side.add_widget(Widget())
            side.add_widget(BigButton(t, "我没有带身份证", lambda: self.show_alternatives(True)))
        split.add_widget(side)
        body.add_widget(split)


class FormScreen(Step):
    """From the card and read-only, except the phone, typed on a number pad; errors in words.

    Built once: entering fills its labels from the session, leaving blanks them."""

    prompt = "请核对您的信息，并用数字键输入联系电话"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        t = self.theme
        self.bar = self.header("填写信息", None)
        self.body.add_widget(self.bar)
        self.split = BoxLayout()
        fields = column(t)
        self.tags: list[tuple[Text, FormField]] = []
        self.values: dict[str, Text] = {}
        for spec in FORM_FIELDS:
            tag = Text(t, "", markup=True, size="small")
            self.tags.append((tag, spec))
            fields.add_widget(tag)
            line = Text(t, "", size="title" if not spec.from_card else "button", bold=not spec.from_card)
            if not spec.from_card:
                line.padding = (t.mm(2), t.mm(1))
                self.phone_box = fill(line, t.palette.surface, radius=t.mm(1.5), border=t.palette.primary)
            self.values[spec.key] = line
            fields.add_widget(line)
        self.error_text = Text(t, "", colour="badge", bold=True)
        fields.add_widget(self.error_text)
        self.left = BoxLayout(orientation="vertical")
        self.left.add_widget(scrolling(t, fields))
        self.left.add_widget(BigButton(t, "下一步：扫描材料", self.next, primary=True))
        self.split.add_widget(self.left)
        self.split.add_widget(NumberPad(t, self.key, size_hint_x=0.42))
        self.body.add_widget(self.split)
        self.errors: dict[str, str] = {}
        self.restyle(t)

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.left.spacing = theme.gap * 3, theme.gap * 2
        self.phone_box[0].rgba, self.phone_box[1].rgba = theme.palette.surface, theme.palette.primary
        muted = theme.palette.muted_hex
        for tag, spec in self.tags:
            note = f"  [size={int(theme.font_small)}][color={muted}]来自身份证，不能修改[/color][/size]" \
                if spec.from_card else ""
            tag.text = f"[color={muted}]{spec.label}[/color]{note}"
        restyle_tree(self.body, theme)

    def enter(self) -> None:
        self.errors = {}

    def redraw(self) -> None:
        """Shown (or elderly mode changed): every field from the session, card fields masked."""
        self.bar.show("填写信息", self.back_action())
        form, style = self.session.form, self.session.config.privacy.name_mask
        for spec in FORM_FIELDS:
            if spec.from_card:  # read-only, from the citizen's own card: masked against onlookers
                self.values[spec.key].text = mask_form_value(spec.key, form.get(spec.key, ""), style)
        self.update()

    def update(self) -> None:
        self.values["phone"].text = self.session.form.get("phone", "") or "请用右边的数字键输入"
        self.error_text.text = "\n".join(self.errors.values())

    def reset(self) -> None:
        for label in (*self.values.values(), self.error_text):
            blank(label)
        self.errors = {}

    def key(self, key: str) -> None:
        self.errors = {}
        self.session.set_field("phone", typed(self.session.form.get("phone", ""), key, PHONE_DIGITS))

    def next(self) -> None:
        try:
            self.session.confirm_form()
        except FormInvalid as invalid:
            self.errors = invalid.errors
            self.update()


class MaterialsScreen(Step):
    """Live preview with the page outlined, auto-capture when still, thumbnails, retake and delete."""

    prompt = "请把材料平放在拍摄区，保持不动，会自动拍照"

    def enter(self) -> None:
        undone = [s.spec.id for s in self.session.materials if not s.done]
        self.current = undone[0] if undone else self.session.materials[0].spec.id
        self.thumbnails: dict[str, list[np.ndarray]] = {}
        self.camera_problem: DeviceError | None = None
        self.preview_view: Picture | None = None
        self.last_preview: Preview | None = None
        self.frames_drawn = 0
        self.hardware.start_scanning(self.on_preview, self.on_page, self.on_problem)

    def leave(self) -> None:
        self.hardware.stop_scanning()
        self.thumbnails, self.last_preview, self.preview_view = {}, None, None
        super().leave()

    # ---- device callbacks (UI thread) ----------------------------------------------------

    def on_preview(self, preview: Preview) -> None:
        self.last_preview = preview
        if self.preview_view is None or self.camera_problem is not None:
            return
        p = self.theme.palette
        steady = preview.stability.state in ("steady", "capture", "captured")
        self.preview_view.show(preview.rgb, preview.quad, colour=p.primary if not steady else (0.1, 0.6, 0.2, 1))
        self.frames_drawn += 1
        if preview.hints:
            hint = preview.hints[0]
        elif preview.stability.state == "steady":
            hint = "很好，请保持不动，马上拍照…"
        elif preview.stability.state == "captured":
            hint = "已拍好，可以换下一页或下一份材料"
        else:
            hint = "请把材料平放在拍摄区域内"
        if self.hint.text != hint:  # a new Chinese text costs a texture render: only when it changes
            self.hint.text = hint

    def on_page(self, result: ScanResult) -> None:
        if self.session.state != State.MATERIALS:
            return
        material = self.current
        self.thumbnails.setdefault(material, []).append(result.thumbnail)
        undone = [s.spec.id for s in self.session.materials if not s.done and s.spec.id != material]
        if not self.session.pages(material) and undone:
            self.current = undone[0]  # one page per material is the common case: move on by itself
        self.session.add_page(material, result.page)

    def on_problem(self, error: DeviceError | None) -> None:
        self.camera_problem = error
        self.redraw()

    # ---- actions ------------------------------------------------------------------------

    def select(self, material_id: str) -> None:
        self.current = material_id
        self.redraw()

    def delete(self, material_id: str, index: int) -> None:
        self.thumbnails.get(material_id, [])[index:index + 1] = []
        self.current = material_id
        self.session.remove_page(material_id, index)

    def retake(self) -> None:
        pages = self.session.pages(self.current)
        if pages:
            self.delete(self.current, len(pages) - 1)
        scanner = self.hardware.scanner
        if scanner is not None:
            scanner.tracker.reset()

    def capture(self) -> None:
        scanner = self.hardware.scanner
        if scanner is not None:
            scanner.capture()
            self.hint.text = "正在拍照，请保持不动…"

    # ---- drawing ------------------------------------------------------------------------

    def build(self, body: BoxLayout) -> None:
        t = self.theme
        body.add_widget(self.header("扫描材料", self.back_action()))
        split = BoxLayout(spacing=t.gap * 3)
        if self.camera_problem is None:  # a fault gets the whole width: its words and ways forward
            materials = self.material_list()
            materials.size_hint_x = 0.42
            split.add_widget(materials)
        right = BoxLayout(orientation="vertical", spacing=t.gap * 1.5, size_hint_x=0.58)
        if not self.session.elderly:  # elderly: the highlighted row says it, the preview gets the room
            names = {s.spec.id: s.spec.name for s in self.session.materials}
            right.add_widget(Text(t, f"正在拍：{names.get(self.current, '')}", bold=True, shorten=True))
        if self.camera_problem is not None:
            self.preview_view = None
            right.add_widget(self.problem("拍摄仪暂时不能使用", self.camera_problem.advice_zh + "\n也可以先提交，缺少的材料以后凭受理编号补交。",
                                          [("不扫描了，继续提交", self.session.to_review), *self.ways_forward()]))
        else:
            self.preview_view = Picture(t)
            right.add_widget(self.preview_view)
            self.hint = Text(t, "请把材料平放在拍摄区域内", size=t.font_body if t.scale > 1 else t.font_button,
                             bold=True, halign="center")
            right.add_widget(self.hint)
            if self.last_preview is not None:
                self.on_preview(self.last_preview)
            buttons = [BigButton(t, "拍照", self.capture)]
            if self.session.pages(self.current):
                buttons.append(BigButton(t, "重拍", self.retake))
            buttons.append(BigButton(t, "下一步", self.session.to_review, primary=True))
            right.add_widget(button_row(t, buttons))
        split.add_widget(right)
        body.add_widget(split)

    def material_list(self) -> Widget:
        t = self.theme
        box = column(t, padding=(0, 0, t.mm(4), 0))
        for status in self.session.materials:
            spec = status.spec
            mark = "✓ " if status.done else ""
            need = "必交" if spec.required else "如有"
            box.add_widget(BigButton(t, f"{mark}{spec.name}", lambda m=spec.id: self.select(m),
                                     subtitle=f"{need} · 已拍 {status.pages} 页", size=t.font_body, halign="left",
                                     primary=spec.id == self.current, height=max(t.target, t.font_body * 3.4)))
            thumbs = self.thumbnails.get(spec.id, [])
            if thumbs:
                strip = BoxLayout(size_hint_y=None, height=t.target * 2.2 + t.gap, spacing=t.gap)
                for index, thumb in enumerate(thumbs):
                    cell = BoxLayout(orientation="vertical", size_hint_x=None, width=t.target * 1.3, spacing=t.gap)
                    picture = Picture(t)
                    picture.show(thumb)
                    cell.add_widget(picture)
                    cell.add_widget(BigButton(t, "删除", lambda m=spec.id, i=index: self.delete(m, i), size=t.font_body))
                    strip.add_widget(cell)
                strip.add_widget(Widget())
                box.add_widget(strip)
        return scrolling(t, box)


class ReviewScreen(Step):
    """Everything on one screen with the ID masked, and a signature pad."""

    prompt = "请核对申请内容，在签名框内签名，然后点确认提交"

    def enter(self) -> None:
        self.failure = ""

    def retry(self) -> None:
        self.failure = ""
        self.redraw()

    def build(self, body: BoxLayout) -> None:
        t, session = self.theme, self.session
        if session.submitting:  # a moment, without 返回 or 回到首页: the case is being written
            body.add_widget(Widget())
            body.add_widget(Text(t, "正在提交，请稍候…", size=t.font_title, bold=True, halign="center"))
            body.add_widget(Widget())
            return
        body.add_widget(self.header("核对与签名", self.back_action()))
        if self.failure:
            body.add_widget(self.problem("申请没有提交成功", self.failure, self.ways_forward(("再试一次", self.retry))))
            return
        split = BoxLayout(spacing=t.gap * 3)
        facts = column(t, padding=t.mm(3))
        item, identity, form = session.item, session.identity, session.form
        muted = t.palette.muted_hex
        style = session.config.privacy.name_mask
        rows = [("办理事项", item.title if item else ""), ("承办部门", item.department if item else ""),
                ("申请人", identity.masked_name(style) if identity else ""),
                ("证件号码", identity.masked_id() if identity else ""),
                ("住址", mask_form_value("address", form.get("address", ""))),
                ("联系电话", mask_form_value("phone", form.get("phone", "")))]
        for label, value in rows:
            facts.add_widget(Text(t, f"[color={muted}]{label}[/color]  {value}", markup=True))
        done = [s for s in session.materials if s.done]
        facts.add_widget(Text(t, f"已扫描材料（{len(done)} 项）", bold=True))
        for s in done:
            facts.add_widget(Text(t, f"· {s.spec.name}（{s.pages} 页）"))
        if session.missing:
            facts.add_widget(Text(t, "还缺以下材料，提交后会打印补齐补正通知书，以后补交即可：", bold=True,
                                  colour=t.palette.badge))
            for name in session.missing:
                facts.add_widget(Text(t, f"· {name}", colour=t.palette.badge))
        facts_view = scrolling(t, facts)
        fill(facts_view, t.palette.surface, radius=t.mm(2), border=t.palette.line)
        split.add_widget(facts_view)

        right = BoxLayout(orientation="vertical", spacing=t.gap, size_hint_x=0.55)
        right.add_widget(Text(t, "请在下面的框内用手指签名", bold=True))
        self.pad = SignaturePad(t, on_change=self.signed)
        right.add_widget(self.pad)
        self.error_text = Text(t, "", colour=t.palette.badge, bold=True)
        right.add_widget(self.error_text)
        split.add_widget(right)
        body.add_widget(split)
        body.add_widget(button_row(t, [BigButton(t, "重新签名", self.pad.clear),
                                       BigButton(t, "确认提交", self.submit, primary=True)]))

    def signed(self) -> None:
        self.session.touch()
        if self.pad.signed:
            self.error_text.text = ""

    def update(self) -> None:
        """The signature reached the session: keep the pad as drawn."""

    def submit(self) -> None:
        """The outbox write (fsyncs, tens of ms, seconds on a tired SD card) runs on a worker; the
        answer comes back through the Clock. A second tap while it runs is ignored."""
        if self.session.submitting:
            return
        if not self.pad.signed:
            self.error_text.text = "请先在签名框内签名"
            return
        self.session.sign(self.pad.png())
        try:
            pending = self.session.prepare_submit()
        except FormInvalid as invalid:
            self.error_text.text = "；".join(invalid.errors.values())
            return
        self.redraw()  # 正在提交

        def write() -> None:
            error: TerminalError | None = None
            try:
                pending.write()
            except TerminalError as refused:  # the outbox refused (disk full): nothing is lost
                error = refused
            except Exception as crashed:  # noqa: BLE001 - never leave the person waiting on a dead write
                log.error("event=case_write_crashed error=%s", type(crashed).__name__)
                error = TerminalError(f"case write crashed: {type(crashed).__name__}")
            self.written(pending, error)

        in_background(write, "submit")

    @mainthread
    def written(self, pending: PendingSubmission, error: TerminalError | None) -> None:
        if self.session.complete_submit(pending, error) is None and error is not None:
            self.failure = error.advice_zh
            self.redraw()


def spaced(case_no: str) -> str:
    """A case number in groups, easier to copy down: T0001 - 261121 - 0007."""
    return "  -  ".join(case_no.split("-"))


class SubmitScreen(Step):
    """The case number at once, large; the receipt follows by itself. Built once."""

    prompt = "申请已提交，请记下受理编号，回执马上打印"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        t = self.theme
        self.body.add_widget(self.header("提交成功", None))
        self.body.add_widget(Widget(size_hint_y=0.3))
        self.body.add_widget(Text(t, "您的申请已提交，受理编号是", size="title", bold=True, halign="center"))
        self.number = Label(font_name=t.font_name, bold=True, size_hint_y=None)
        self.body.add_widget(self.number)
        self.promised = Text(t, "", halign="center")
        self.body.add_widget(self.promised)
        self.body.add_widget(Widget())
        self.body.add_widget(BigButton(t, "打印回执", self.to_receipt, primary=True))
        self.restyle(t)

    def enter(self) -> None:
        delay = 8 if self.session.elderly else 4
        self._next: ClockEvent | None = Clock.schedule_once(lambda _dt: self.to_receipt(), delay)

    def leave(self) -> None:
        if self._next is not None:
            self._next.cancel()
        super().leave()

    def to_receipt(self) -> None:
        self._next = None
        if self.session.state == State.SUBMIT:
            self.session.show_receipt()

    def restyle(self, theme: Theme) -> None:
        size = min(theme.font_title * 1.9, theme.mm(16))  # the whole number on one line, also in elderly mode
        self.number.font_size, self.number.height, self.number.color = size, size * 1.4, theme.palette.primary
        restyle_tree(self.body, theme)

    def redraw(self) -> None:
        """Built once: the case number and the promised date of this case."""
        case = self.session.case
        assert case is not None
        self.number.text = spaced(case.case_no)
        self.promised.text = f"承诺办结日期：{case.promised_date:%Y年%m月%d日}" if case.promised_date else "即办件：当场办结"

    def reset(self) -> None:
        blank(self.number)
        blank(self.promised)


class ReceiptScreen(Step):
    """Printing progress; without paper the receipt and its QR code on the screen instead."""

    prompt = "正在打印回执，请稍候"

    def enter(self) -> None:
        self.result: PrintResult | None = None
        self.picture: np.ndarray | None = None
        self.print()

    def leave(self) -> None:
        self.picture = None
        super().leave()

    def documents(self) -> list[ReceiptDocument]:
        case, config = self.session.case, self.settings
        assert case is not None
        return [acceptance_receipt(case, config)] + ([correction_notice(case, config)] if case.missing else [])

    def print(self) -> None:
        self.result = None
        self.hardware.print_documents(self.documents(), self.on_printed)
        if self.body.children:  # (already drawn: not the first print, from `enter`)
            self.redraw()

    def on_printed(self, result: PrintResult) -> None:
        if self.session.state != State.RECEIPT:
            return
        self.result = result
        case = self.session.case
        assert case is not None
        if result.printed:
            events.record(events.EventId.RECEIPT_PRINTED, case_no=case.case_no)
        else:
            events.record(events.EventId.RECEIPT_ON_SCREEN, case_no=case.case_no, reason=result.reason)
            document = self.documents()[0]
            width = PAPER_DOTS[self.settings.devices.printer.paper_width_mm]
            self.hardware.run(lambda: pil_rgb(render_png(document, width)), self.on_picture)
        self.redraw()

    def on_picture(self, rgb: np.ndarray) -> None:
        if self.session.state == State.RECEIPT:
            self.picture = rgb
            self.redraw()

    def build(self, body: BoxLayout) -> None:
        t, case, result = self.theme, self.session.case, self.result
        assert case is not None
        body.add_widget(self.header("回执", None))
        if result is None:
            body.add_widget(Widget(size_hint_y=0.3))
            body.add_widget(Text(t, "正在打印回执，请稍候…", size=t.font_title, bold=True, halign="center"))
            body.add_widget(Text(t, f"受理编号 {case.case_no}", halign="center", colour=t.palette.muted))
            body.add_widget(PrintingBar(t))
            body.add_widget(Widget())
        elif result.printed:
            body.add_widget(Widget(size_hint_y=0.3))
            body.add_widget(Text(t, "回执已打印，请从出纸口取走", size=t.font_title, bold=True, halign="center"))
            body.add_widget(Text(t, f"受理编号 {case.case_no}，凭它查询进度、补交材料。", halign="center"))
            body.add_widget(Widget())
            body.add_widget(button_row(t, [BigButton(t, "完成", self.session.cancel),
                                           BigButton(t, "评价本次服务", self.session.start_rating, primary=True)]))
        else:
            self.on_screen(body, result)

    def on_screen(self, body: BoxLayout, result: PrintResult) -> None:
        """The receipt on the screen with a large QR code: photograph it, or ask at a window."""
        t, case = self.theme, self.session.case
        assert case is not None
        split = BoxLayout(spacing=t.gap * 3)
        if not self.session.elderly:  # elderly: the QR code and the number get the room
            receipt = Picture(t, size_hint_x=0.4)
            if self.picture is not None:
                receipt.show(self.picture)
            split.add_widget(receipt)
        right = BoxLayout(orientation="vertical", spacing=t.gap * 1.5)
        right.add_widget(Text(t, "凭条没有打印出来", size=t.font_title, bold=True))
        code = BoxLayout(spacing=t.gap * 2)
        qr = Picture(t, size_hint_x=None)
        qr.bind(height=lambda widget, height: setattr(widget, "width", height))
        qr.show(pil_rgb(qr_image(progress_url(case.case_no, self.settings), 8)))
        code.add_widget(qr)
        words = column(t)
        words.add_widget(Text(t, "受理编号", colour=t.palette.muted))
        words.add_widget(Text(t, case.case_no, size=t.font_button, bold=True))
        words.add_widget(Text(t, result.advice_zh + "也可到服务窗口凭受理编号领取纸质回执。"))
        code.add_widget(scrolling(t, words))
        right.add_widget(code)
        right.add_widget(button_row(t, [BigButton(t, "重新打印", self.print),
                                        BigButton(t, "不要回执，继续", self.session.start_rating, primary=True)]))
        split.add_widget(right)
        body.add_widget(split)


class PrintingBar(Animated, Widget):
    """A block sliding to and fro while the printer works (the printer tells no percentage)."""

    def __init__(self, theme: Theme, **kwargs: object) -> None:
        super().__init__(size_hint_y=None, height=theme.mm(4), **kwargs)
        fill(self, theme.palette.line, radius=theme.mm(2))
        with self.canvas:
            Color(*theme.palette.primary)
            self.bar = Rectangle()
        self.phase = 0.0
        self.bind(pos=self._draw, size=self._draw)
        self.ticking = Clock.schedule_interval(self._step, 1 / 20)

    def stop(self) -> None:
        self.ticking.cancel()

    def _step(self, _dt: float) -> None:
        self.phase = (self.phase + 0.025) % 2.0
        self._draw()

    def _draw(self, *_: object) -> None:
        width = self.width * 0.25
        travel = self.phase if self.phase <= 1 else 2 - self.phase
        self.bar.pos = (self.x + (self.width - width) * travel, self.y)
        self.bar.size = (width, self.height)
