"""The applying steps: identify, form, materials, review, submit, receipt.

Each screen reads the session and calls it; devices run through `Hardware` and answer on the UI
thread. A device fault shows what happened and the ways forward instead of stopping the person.
Every screen is built once and follows its view model (ui/steps.py, `BuiltStep`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import numpy as np
from kivy.clock import Clock, ClockEvent, mainthread
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget
from PIL import Image, ImageOps

from drivers.idcard.driver import ReaderEvent
from drivers.printer import PrintResult
from terminal import events
from terminal.errors import DeviceError, TerminalError
from terminal.receipt_layout import PAPER_DOTS
from terminal.receipt_png import qr_image, render_png
from terminal.receipts import ReceiptDocument, correction_notice, progress_url, submission_receipt, what_happens_next
from terminal.session import FormInvalid, MaterialStatus, PendingSubmission, State
from ui.audionav import key_confirmation_png
from ui.hardware import Preview, ScanResult, in_background
from ui.inputs import ButtonRow, Picture, SignaturePad, pil_rgb
from ui.principal import PrincipalEntry
from ui.screens import blank, restyle_tree, show_if
from ui.steps import Action, BuiltStep, CardPictogram, Lines, Problem, Step, TextLine, plain
from ui.theme import Theme
from ui.viewmodels import IdentifyModel, MaterialsModel, ReceiptModel, ReviewModel
from ui.widgets import Animated, BigButton, Panel, Split, Text, column, fill, scrolling

log = logging.getLogger(__name__)
PHONE_DIGITS = 12
RATING_AFTER_SECONDS = 6.0  # the printed receipt is taken, then 好差评 (the rules: every case is rated)


def card_wait_seconds(step: Step) -> float:
    seconds = step.settings.timeouts.card_wait_seconds
    return seconds * 2 if step.session.elderly else seconds


WHOSE_CARD = {"": "请把身份证放在读卡区", "agent": "代他人办理：请代办人先放自己的身份证",
              "principal": "代办人的身份证已读取。请拿走它，再放委托人（被代办人）的身份证"}
PROBLEMS = {"failed": "没有读出身份证", "lost": "读卡器暂时不能使用", "timeout": "没有读到身份证",
            "expired": "身份证已过有效期"}


class IdentifyScreen(BuiltStep):
    """Where to put the card (animated), what the reader is doing, and a way without a card.
    Built once: the reader's events set `IdentifyModel`, the views follow."""

    prompt = "请把身份证放在读卡区，不要移动"
    heading, model_type = "读取身份证", IdentifyModel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t = self.theme
        self.split = Split()
        self.card = CardPictogram(t, size_hint_x=0.45)
        self.side = BoxLayout(orientation="vertical")
        self.split.add_widget(self.side)
        self.fault = Problem(t)
        self.doing = Text(t, "", size=("title", 1.2), bold=True)
        self.waiting = [self.doing, Text(t, "人像面朝上，平放在下方的读卡区，听到提示音后稍等片刻。", colour="muted"), Widget(),
                        BigButton(t, "我没有带身份证", lambda: self.show_alternatives(True))]
        self.entry = PrincipalEntry(t, self.session, lambda: self.type_principal(False))
        self.views = [self.bar, self.split, self.card, self.fault, *self.waiting, self.entry]
        for name in ("status", "advice", "no_card", "elderly", "who", "typing"):
            self.model.fbind(name, self._compose)
        self.restyle(t)

    @property
    def status(self) -> str:
        return self.model.status

    def _compose(self, *_: object) -> None:
        model = self.model
        waiting = not model.no_card and model.status in ("waiting", "reading")
        self.bar.show(self.heading, self.back_action())
        if model.typing:
            self.card.run(False)
            self.compose(self.bar, self.entry)
            return
        show_if(self.card, self.split, waiting or not model.elderly, index=1)  # elderly: the words get the whole width
        if model.no_card:
            self.fault.show("没有带身份证也能办", "· 到服务窗口，工作人员核验身份后为您办理；\n"
                              "· 临时身份证、户口簿等证件请到窗口使用；\n"
                              "· 需要人帮忙，请点“呼叫工作人员帮助”。",
                              [("我带了，继续读卡", lambda: self.show_alternatives(False)), *self.typed_principal(),
                               *self.ways_forward()])
            side = [self.fault]
        elif model.status in PROBLEMS:
            retry = None if model.status == "expired" else ("再试一次", self.retry)
            self.fault.show(PROBLEMS[model.status], model.advice, self.ways_forward(retry))
            side = [self.fault]
        else:
            if model.status:  # (not after a reset: `reset` blanks it)
                self.doing.text = "正在读取，请不要移动身份证…" if model.status == "reading" else WHOSE_CARD[model.who]
            side = self.waiting
        if self.side.children[::-1] != side:
            self.side.clear_widgets()
            for widget in side:
                self.side.add_widget(widget)
            self.card.run(False)  # a new view: the card starts again from above the reader
        self.card.run(self.card.parent is not None and model.status != "")
        self.compose(self.bar, self.split)

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.side.spacing = theme.gap * 3, theme.gap * 2
        super().restyle(theme)

    def redraw(self) -> None:
        super().redraw()
        self._compose()

    def enter(self) -> None:
        self.model.status, self.model.advice, self.model.no_card = "waiting", "", False
        self.hardware.watch_cards(self.on_card)
        self._timer: ClockEvent | None = Clock.schedule_once(self.on_timeout, card_wait_seconds(self))

    def leave(self) -> None:
        self.hardware.stop_cards()
        if self._timer is not None:
            self._timer.cancel()
        super().leave()

    def reset(self) -> None:
        super().reset()
        self.entry.clear()
        self.card.run(False)
        blank(self.doing)  # a text set just before leaving is not drawn in the next screen's first frame

    def retry(self) -> None:
        self.hardware.stop_cards()
        if self._timer is not None:
            self._timer.cancel()
        self.enter()

    def on_timeout(self, _dt: float) -> None:
        self._timer = None
        if self.session.state == State.IDENTIFY and self.model.status == "waiting":
            self.hardware.stop_cards()
            self.model.advice = "请确认身份证放在读卡区的感应位置上，人像面朝上。"
            self.model.status = "timeout"

    def on_card(self, event: ReaderEvent) -> None:
        if self.session.state != State.IDENTIFY:
            return
        model = self.model
        if event.kind == "card-read" and event.identity is not None:
            if event.identity.expired(date.today()):
                model.advice, model.status = "这张身份证已过有效期，不能在终端办理，请到服务窗口。", "expired"
            else:
                events.record(events.EventId.CARD_READ, card_type=event.identity.card_type)
                try:
                    self.session.identified(event.identity)
                except FormInvalid as same_card:  # 代他人办理: the agent's card again instead of the principal's
                    model.advice, model.status = "；".join(same_card.errors.values()), "failed"
                    return
                if self.session.state == State.IDENTIFY:  # the agent's card: now the principal's
                    model.status = "waiting"
        elif event.kind == "card-placed":
            model.status = "reading"
        elif event.kind in ("read-failed", "reader-lost"):
            events.record(events.EventId.CARD_READ_FAILED, kind=event.kind)
            model.advice = event.error.advice_zh if event.error else ""
            model.status = "failed" if event.kind == "read-failed" else "lost"
        elif event.kind in ("card-removed", "reader-back") and model.status in ("reading", "lost"):
            model.status = "waiting"

    def show_alternatives(self, on: bool) -> None:
        self.model.no_card = on

    def typed_principal(self) -> list[tuple[str, Callable[[], None]]]:
        """代他人办理, the agent's card read: the principal's number and name may be typed instead."""
        return [("输入委托人的身份证号码和姓名", lambda: self.type_principal(True))] if self.model.who == "principal" else []

    def type_principal(self, on: bool) -> None:
        self.entry.clear()
        self.model.no_card, self.model.typing = False, on


class Thumbnail(BoxLayout):
    """A page taken, small, with 删除 under it."""

    def __init__(self, theme: Theme) -> None:
        super().__init__(orientation="vertical", size_hint_x=None)
        self.picture = Picture(theme)
        self.delete = BigButton(theme, "删除", lambda: None, size="body")
        self.add_widget(self.picture)
        self.add_widget(self.delete)
        self.restyle(theme)

    def restyle(self, theme: Theme) -> None:
        self.width, self.spacing = theme.target * 1.3, theme.gap


class MaterialRow(BoxLayout):
    """One material of the list: a button that selects it (filled when selected, ✓ when done) and
    the pages taken of it. Built once and pooled: `show` gives it another material."""

    def __init__(self, theme: Theme) -> None:
        super().__init__(orientation="vertical", size_hint_y=None)
        self.fbind("minimum_height", self.setter("height"))
        self.button = BigButton(theme, "", lambda: None, size="body", halign="left")  # as tall as its words
        self.strip = BoxLayout(size_hint_y=None)
        self.strip.add_widget(Widget())  # the pages start on the left
        self.cells: list[Thumbnail] = []
        self.add_widget(self.button)
        self.theme = theme
        self.restyle(theme)

    def show(self, status: MaterialStatus, selected: bool, thumbs: list[np.ndarray],
             select: Callable[[str], None], delete: Callable[[str, int], None]) -> None:
        spec = status.spec
        self.button.action = partial(select, spec.id)
        self.button.show(f"{'✓ ' if status.done else ''}{spec.name}",
                         subtitle=f"{'必交' if spec.required else '如有'} · 已拍 {status.pages} 页", primary=selected)
        while len(self.cells) < len(thumbs):
            self.cells.append(Thumbnail(self.theme))
        for index, (cell, thumb) in enumerate(zip(self.cells[:len(thumbs)], thumbs, strict=True)):
            cell.picture.show(thumb)
            cell.delete.action = partial(delete, spec.id, index)
            show_if(cell, self.strip, True, index=1)
        self.forget(len(thumbs))
        show_if(self.strip, self, bool(thumbs))

    def forget(self, keep: int = 0) -> None:
        """Drop the pictures after the first `keep` (all: nothing of the last person stays)."""
        for cell in self.cells[keep:]:
            cell.picture.show(None)
            show_if(cell, self.strip, False)

    def restyle(self, theme: Theme) -> None:
        self.theme, self.spacing = theme, theme.gap
        self.strip.height, self.strip.spacing = theme.target * 2.2 + theme.gap, theme.gap
        for cell in self.cells:
            restyle_tree(cell, theme)


class MaterialsScreen(BuiltStep):
    """Live preview with the page outlined, auto-capture when still, thumbnails, retake and delete.
    Built once: the session's materials, the pages taken and the camera's state are `MaterialsModel`."""

    prompt = "请把材料平放在拍摄区，保持不动，会自动拍照"
    heading, model_type = "扫描材料", MaterialsModel
    WAITING = "请把材料平放在拍摄区域内"
    CAMERA_ADVICE = "\n也可以先提交，缺少的材料以后凭办件编号补交。"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t, session = self.theme, self.session
        self.split = Split()
        self.rows = column(t, padding=(0, 0, t.mm(4), 0))
        self.row_pool: list[MaterialRow] = []
        self.list_view = scrolling(t, self.rows)
        self.list_view.size_hint_x = 0.42
        self.camera = BoxLayout(orientation="vertical", size_hint_x=0.58)
        self.now = Text(t, "", bold=True, shorten=True)  # elderly: the highlighted row says it, the preview gets the room
        self.fault = Problem(t)
        self.preview_view = Picture(t)
        self.hint = Text(t, self.WAITING, bold=True, halign="center")
        self.retake_button = BigButton(t, "重拍", self.retake)
        self.buttons = ButtonRow(t, [BigButton(t, "拍照", self.capture), self.retake_button,
                                     BigButton(t, "下一步", session.to_review, primary=True)])
        self.split.add_widget(self.list_view)
        self.split.add_widget(self.camera)
        self.views = [self.bar, self.split, self.list_view, self.now, self.fault, self.preview_view, self.hint,
                      self.retake_button, self.buttons]
        self.last_preview: Preview | None = None
        self.frames_drawn = 0
        for name in ("materials", "current", "shots"):
            self.model.fbind(name, self._show_list)
        for name in ("camera_problem", "elderly", "materials", "current"):
            self.model.fbind(name, self._compose)
        self.restyle(t)

    @property
    def current(self) -> str:
        return self.model.current

    def enter(self) -> None:
        self.last_preview, self.frames_drawn, self.hint.text = None, 0, self.WAITING
        self.model.camera_problem = None
        self.hardware.start_scanning(self.on_preview, self.on_page, self.on_problem)

    def leave(self) -> None:
        self.hardware.stop_scanning()
        self.last_preview = None
        super().leave()

    def reset(self) -> None:
        super().reset()
        self.preview_view.show(None)
        for row in self.row_pool:
            row.forget()

    def redraw(self) -> None:
        super().redraw()
        self._compose()

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.camera.spacing = theme.gap * 3, theme.gap * 1.5
        self.hint.size_role = "body" if theme.scale > 1 else "button"
        super().restyle(theme)
        for row in self.row_pool:  # (those of no material now are out of the tree)
            restyle_tree(row, theme)

    def _show_list(self, *_: object) -> None:
        model = self.model
        while len(self.row_pool) < len(model.materials):
            self.row_pool.append(MaterialRow(self.theme))
        for row, status in zip(self.row_pool[:len(model.materials)], model.materials, strict=True):
            row.show(status, status.spec.id == model.current, model.thumbnails.get(status.spec.id, []),
                     self.select, self.delete)
            show_if(row, self.rows, True)
        for row in self.row_pool[len(model.materials):]:
            row.forget()
            show_if(row, self.rows, False)

    def _compose(self, *_: object) -> None:
        model = self.model
        self.bar.show(self.heading, self.back_action())
        names = {s.spec.id: s.spec.name for s in model.materials}
        self.now.text = f"正在拍：{names.get(model.current, '')}"
        parts: list[Widget] = [] if model.elderly else [self.now]
        if model.camera_problem is not None:  # a fault gets the whole width: its words and ways forward
            advice = model.camera_problem.advice_zh + self.CAMERA_ADVICE
            self.fault.show("拍摄仪暂时不能使用", advice, [*self.without_camera(), *self.ways_forward()])
            parts.append(self.fault)
        else:
            pages = any(s.spec.id == model.current and s.pages for s in model.materials)
            show_if(self.retake_button, self.buttons, pages, index=1)
            parts += [self.preview_view, self.hint, self.buttons]
        show_if(self.list_view, self.split, model.camera_problem is None, index=1)
        if self.camera.children[::-1] != parts:
            self.camera.clear_widgets()
            for part in parts:
                self.camera.add_widget(part)
        self.compose(self.bar, self.split)

    def without_camera(self) -> list[Action]:
        """The way on when the camera is gone: submit now, hand in the rest later (补交材料)."""
        return [("不扫描了，继续提交", self.session.to_review)]

    # ---- device callbacks (UI thread) ----------------------------------------------------

    def on_preview(self, preview: Preview) -> None:
        self.last_preview = preview
        if self.model.camera_problem is not None:
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
            hint = self.WAITING
        if self.hint.text != hint:  # a new Chinese text costs a texture render: only when it changes
            self.hint.text = hint

    def on_page(self, result: ScanResult) -> None:
        if self.session.state != State.MATERIALS:
            return
        material = self.model.current
        self.model.add_thumbnail(material, result.thumbnail)
        undone = [s.spec.id for s in self.session.materials if not s.done and s.spec.id != material]
        if not self.session.pages(material) and undone:
            self.model.current = undone[0]  # one page per material is the common case: move on by itself
        self.session.add_page(material, result.page)

    def on_problem(self, error: DeviceError | None) -> None:
        self.model.camera_problem = error
        if error is None and self.last_preview is not None:
            self.on_preview(self.last_preview)

    # ---- actions ------------------------------------------------------------------------

    def select(self, material_id: str) -> None:
        self.model.current = material_id

    def delete(self, material_id: str, index: int) -> None:
        self.model.remove_thumbnail(material_id, index)
        self.model.current = material_id
        self.session.remove_page(material_id, index)

    def retake(self) -> None:
        pages = self.session.pages(self.model.current)
        if pages:
            self.delete(self.model.current, len(pages) - 1)
        scanner = self.hardware.scanner
        if scanner is not None:
            scanner.tracker.reset()

    def capture(self) -> None:
        scanner = self.hardware.scanner
        if scanner is not None:
            scanner.capture()
            self.hint.text = "正在拍照，请保持不动…"


class ReviewScreen(BuiltStep):
    """Everything on one screen with the ID masked, and a signature pad. Built once: the facts
    follow `ReviewModel`; entering (and 再试一次) gives a blank pad, leaving wipes it."""

    prompt = "请核对申请内容，在签名框内签名，然后点确认提交"
    heading, model_type = "核对与签名", ReviewModel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t = self.theme
        # a moment, without 返回 or 回到首页: the case is being written
        self.waiting = [Widget(), Text(t, "正在提交，请稍候…", size="title", bold=True, halign="center"), Widget()]
        self.failed = Problem(t)
        self.split = Split()
        self.facts = Lines(t, padding=t.mm(3))
        facts_panel = Panel(t)
        facts_panel.add_widget(scrolling(t, self.facts))
        self.split.add_widget(facts_panel)
        self.signing = BoxLayout(orientation="vertical")  # half the width: the pad and its two buttons
        self.declaration = Text(t, self.settings.consent.declaration, size="small")  # 本人承诺, above the pad
        self.signing.add_widget(self.declaration)
        self.signing.add_widget(Text(t, "请在下面的框内用手指签名", bold=True))
        self.pad = SignaturePad(t, on_change=self.signed)
        self.signing.add_widget(self.pad)
        self.error_text = Text(t, "", colour="badge", bold=True)
        self.signing.add_widget(self.error_text)
        self.split.add_widget(self.signing)
        # under the signature pad (not under both columns): the facts scroll in the whole height, and
        # the pad keeps its size in elderly mode
        self.buttons = ButtonRow(t, [BigButton(t, "重新签名", self.pad.clear),
                                      BigButton(t, "确认提交", self.submit, primary=True)])
        self.signing.add_widget(self.buttons)
        self.views = [self.bar, *self.waiting, self.failed, self.split]
        for name in ("submitting", "failure"):
            self.model.fbind(name, self._compose)
        for name in ("facts", "scanned", "missing"):
            self.model.fbind(name, self._show_facts)
        self.model.fbind("error", self._show_error)
        self.restyle(t)
        self._compose()

    def redraw(self) -> None:
        super().redraw()
        self._compose()  # 返回 where the session allows it now

    def _compose(self, *_: object) -> None:
        model = self.model
        if model.submitting:
            self.compose(*self.waiting)
            return
        self.bar.show(self.heading, self.back_action())
        if model.failure:
            self.failed.show("申请没有提交成功", model.failure, self.ways_forward(("再试一次", self.retry)))
            self.compose(self.bar, self.failed)
        else:
            self.compose(self.bar, self.split)

    def _show_facts(self, *_: object) -> None:
        model, muted = self.model, self.theme.palette.muted_hex
        if not model.facts:
            self.facts.show([])
            return
        lines: list[TextLine] = [(f"[color={muted}]{label}[/color]  {value}", None, False, None)
                             for label, value in model.facts]
        lines.append((f"已扫描材料（{len(model.scanned)} 项）", None, True, None))
        lines += [(plain(f"· {name}（{pages} 页）"), None, False, None) for name, pages in model.scanned]
        if model.missing:
            lines.append(("还缺以下材料，提交后会打印补齐补正通知书，以后补交即可：", None, True, "badge"))
            lines += [(plain(f"· {name}"), None, False, "badge") for name in model.missing]
        elderly = self.session.elderly
        if elderly:  # large letters: the whole declaration where it can scroll, the pad keeps its room
            lines.append((plain(self.settings.consent.declaration), None, True, None))
        show_if(self.declaration, self.signing, not elderly, index=len(self.signing.children))
        self.facts.show(lines)

    def _show_error(self, *_: object) -> None:
        self.error_text.text = self.model.error

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.signing.spacing = theme.gap * 3, theme.gap
        self.facts.padding = theme.mm(3)
        super().restyle(theme)
        self._show_facts()

    def enter(self) -> None:
        self.model.failure = self.model.error = ""
        self.pad.clear(notify=False)

    def retry(self) -> None:
        self.enter()

    def reset(self) -> None:
        super().reset()
        self.pad.clear(notify=False)  # the signature goes with the person

    def signed(self) -> None:
        self.session.touch()
        if self.pad.signed:
            self.model.error = ""

    def audio_extras(self) -> list[tuple[str, Callable[[], None], Widget]]:
        """Audio navigation: a person who cannot see the pad confirms by key instead of signing."""
        return [("无法签名：按确定键代替签名，确认提交", lambda: self.submit(key_confirmation_png()), self.pad)]

    def submit(self, signature: bytes | None = None) -> None:
        """The outbox write (fsyncs, tens of ms, seconds on a tired SD card) runs on a worker; the
        answer comes back through the Clock. A second tap while it runs is ignored. `signature`:
        a confirmation by key (audio navigation) in place of the pad's."""
        if self.session.submitting:
            return
        if signature is None and not self.pad.signed:
            self.model.error = "请先在签名框内签名"
            return
        self.session.sign(signature or self.pad.png())
        try:
            pending = self.session.prepare_submit()
        except FormInvalid as invalid:
            self.model.error = "；".join(invalid.errors.values())
            return
        self.redraw()  # 正在提交

        def write() -> None:
            error: TerminalError | None = None
            try:
                pending.write()
            except TerminalError as refused:  # the outbox refused (disk full): nothing is lost
                error = refused
            except Exception as crashed:
                log.error("event=case_write_crashed error=%s", type(crashed).__name__)
                error = TerminalError(f"case write crashed: {type(crashed).__name__}")
            self.written(pending, error)

        in_background(write, "submit")

    @mainthread
    def written(self, pending: PendingSubmission, error: TerminalError | None) -> None:
        if self.session.complete_submit(pending, error) is None and error is not None:
            self.model.failure = error.advice_zh
            self.redraw()


def quiet_zone(code: Image.Image, module: int) -> Image.Image:
    """A QR code with its four white modules around it: a phone finds no code without them, and the
    surface under it is black in high contrast."""
    return ImageOps.expand(code, border=4 * module, fill=255)


def spaced(case_no: str) -> str:
    """A case number in groups, easier to copy down: T0001 - 261121 - 0007."""
    return "  -  ".join(case_no.split("-"))


class SubmitScreen(Step):
    """The case number at once, large; the receipt follows by itself. Built once."""

    prompt = "申请已提交，请记下办件编号，回执马上打印"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t = self.theme
        self.body.add_widget(self.header("提交成功", None))
        self.body.add_widget(Widget(size_hint_y=0.3))
        self.body.add_widget(Text(t, "您的申请已提交，办件编号是", size="title", bold=True, halign="center"))
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
        self.promised.text = what_happens_next(case, self.settings)

    def reset(self) -> None:
        blank(self.number)
        blank(self.promised)


class ReceiptScreen(BuiltStep):
    """Printing progress; without paper the receipt and its QR code on the screen instead. Built
    once: the printer's answer and the receipt's picture go into `ReceiptModel`, the views follow."""

    prompt = "正在打印回执，请稍候"
    heading, model_type = "回执", ReceiptModel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t, session = self.theme, self.session
        self.above, self.below = Widget(size_hint_y=0.3), Widget()
        self.printing_number = Text(t, "", halign="center", colour="muted")
        self.printed_number = Text(t, "", halign="center")
        self.printing_bar = PrintingBar(t)
        self.printing = [Text(t, "正在打印回执，请稍候…", size="title", bold=True, halign="center"), self.printing_number,
                         self.printing_bar]
        self.printed = [Text(t, "回执已打印，请从出纸口取走", size="title", bold=True, halign="center"), self.printed_number,
                        self.below,
                        ButtonRow(t, [BigButton(t, "评价本次服务", session.start_rating, primary=True)])]
        # 好差评: a service that ended goes straight on to the rating (declining is offered there)
        self.onward = Clock.create_trigger(lambda _dt: self.to_rating(), RATING_AFTER_SECONDS)
        self.split = Split()
        self.receipt = Picture(t, size_hint_x=0.4)  # elderly: the QR code and the number get the room
        self.on_screen = BoxLayout(orientation="vertical")
        self.on_screen.add_widget(Text(t, "凭条没有打印出来", size="title", bold=True))
        self.code = BoxLayout()
        self.qr = Picture(t, size_hint_x=None)
        self.code.fbind("size", self._square)
        self.qr_of = ""  # the case number the QR code shows
        self.code.add_widget(self.qr)
        words = column(t)
        self.number = Text(t, "", size="button", bold=True)
        self.advice = Text(t, "")
        for label in (Text(t, "办件编号", colour="muted"), self.number, self.advice):
            words.add_widget(label)
        self.code.add_widget(scrolling(t, words))
        self.on_screen.add_widget(self.code)
        self.on_screen.add_widget(ButtonRow(t, [BigButton(t, "重新打印", self.print),
                                                BigButton(t, "不要回执，继续", session.start_rating, primary=True)]))
        self.split.add_widget(self.on_screen)
        self.views = [self.bar, self.above, *self.printing, *self.printed, self.split, self.receipt]
        for name in ("case_no", "elderly", "result", "picture"):
            self.model.fbind(name, self._compose)
        self.restyle(t)

    @property
    def result(self) -> PrintResult | None:
        return self.model.result

    @property
    def picture(self) -> np.ndarray | None:
        return self.model.picture

    def _square(self, *_: object) -> None:
        """The QR code square: beside the words on a landscape panel, above them in portrait (as
        wide as the panel allows, two thirds of the height at most: the case number stays in sight)."""
        code, qr = self.code, self.qr
        if code.orientation == "vertical":
            side = min(code.width, code.height * 0.66)
            qr.size_hint, qr.size, qr.pos_hint = (None, None), (side, side), {"center_x": 0.5}
        else:
            qr.size_hint, qr.width, qr.pos_hint = (None, 1), code.height, {}

    def _compose(self, *_: object) -> None:
        model, result = self.model, self.model.result
        if result is None:
            self.printing_number.text = f"办件编号 {model.case_no}"
            self.compose(self.bar, self.above, *self.printing, self.below)
        elif result.printed:
            self.printed_number.text = f"办件编号 {model.case_no}，凭它查询进度、补交材料。"
            self.compose(self.bar, self.above, *self.printed)
            self.onward()
        else:
            self.show_on_screen(result)
            self.compose(self.bar, self.split)
        self.printing_bar.run(result is None and bool(model.case_no))

    def show_on_screen(self, result: PrintResult) -> None:
        """The receipt on the screen with a large QR code: photograph it, or ask at a window."""
        case_no = self.model.case_no
        show_if(self.receipt, self.split, not self.model.elderly, index=1)
        self.receipt.show(self.model.picture)
        if self.qr_of != case_no:
            self.qr.qr_payload = progress_url(case_no, self.settings)  # (the layout checker decodes it)
            self.qr.show(pil_rgb(quiet_zone(qr_image(self.qr.qr_payload, 8), 8)))
            self.qr_of = case_no
        self.number.text = case_no
        self.advice.text = result.advice_zh + "也可到服务窗口凭办件编号领取纸质回执。"

    def restyle(self, theme: Theme) -> None:
        self.split.spacing, self.on_screen.spacing, self.code.spacing = theme.gap * 3, theme.gap * 1.5, theme.gap * 2
        self.code.orientation = "vertical" if theme.portrait else "horizontal"
        self._square()
        super().restyle(theme)

    def redraw(self) -> None:
        super().redraw()
        self._compose()

    def enter(self) -> None:
        self.model.picture = None
        self.print()

    def to_rating(self) -> None:
        if self.session.state == State.RECEIPT:
            self.session.start_rating()

    def spoken_extra(self) -> str:
        """Read aloud: what the QR code on the screen is for (its picture says nothing to the ear)."""
        result = self.model.result
        return "屏幕上的二维码可以用手机扫码查询进度" if result is not None and not result.printed else ""

    def reset(self) -> None:
        super().reset()
        self.onward.cancel()
        self.receipt.show(None)
        self.qr.show(None)
        self.qr_of = self.qr.qr_payload = ""
        for label in (self.printing_number, self.printed_number, self.number):
            blank(label)

    def documents(self) -> list[ReceiptDocument]:
        case, config = self.session.case, self.settings
        assert case is not None
        return [submission_receipt(case, config)] + ([correction_notice(case, config)] if case.missing else [])

    def print(self) -> None:
        self.model.result = None
        self.hardware.print_documents(self.documents(), self.on_printed)

    def on_printed(self, result: PrintResult) -> None:
        if self.session.state != State.RECEIPT:
            return
        case = self.session.case
        assert case is not None
        if result.printed:
            events.record(events.EventId.RECEIPT_PRINTED, case_no=case.case_no)
        else:
            events.record(events.EventId.RECEIPT_ON_SCREEN, case_no=case.case_no, reason=result.reason)
            document = self.documents()[0]
            width = PAPER_DOTS[self.settings.devices.printer.paper_width_mm]
            self.hardware.run(lambda: pil_rgb(render_png(document, width)), self.on_picture)
        self.model.result = result

    def on_picture(self, rgb: np.ndarray) -> None:
        if self.session.state == State.RECEIPT:
            self.model.picture = rgb


class PrintingBar(Animated, Widget):
    """A block sliding to and fro while the printer works (the printer tells no percentage)."""

    def __init__(self, theme: Theme, **kwargs: object) -> None:
        super().__init__(size_hint_y=None, height=theme.mm(4), **kwargs)
        self.track = fill(self, theme.palette.line, radius=theme.mm(2))[0]
        with self.canvas:
            self.colour = Color(*theme.palette.primary)
            self.bar = Rectangle()
        self.phase = 0.0
        self.bind(pos=self._draw, size=self._draw)
        self.ticking = Clock.create_trigger(self._step, 1 / 20, interval=True)

    def restyle(self, theme: Theme) -> None:
        self.track.rgba, self.colour.rgba = theme.palette.line, theme.palette.primary

    def run(self, on: bool) -> None:
        """Slide while the printer works (a hidden screen's bar keeps no Clock event)."""
        if on and not self.ticking.is_triggered:
            self.ticking()
        elif not on:
            self.stop()

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
