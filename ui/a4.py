"""打印复印 on the A4 printer: the 一次性告知单 on the guide, the progress slip, and 复印 from home.

Everything here exists only when `[devices.a4printer]` names a printer (`install_a4` adds nothing
otherwise, so the screens look as before). The printer is opened on first use; rendering and
printing run off the UI thread and their outcome lands on `A4Model` (busy, message, pages), which
the bars and the copy screen follow. A job that does not complete says so with what to do, and is
never counted: copy pages are charged only for what the printer completed.

复印 is a screen of its own, built once, shown for the home state: ID card on the reader (the
per-card daily limit), then the document camera captures one or two pages (an ID card's two sides
go on one sheet), a preview with the page count, then print. The captured pages live only in the
screen's model and are dropped on print, on leaving and after the idle time: nothing is written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import ScreenManager
from kivy.uix.widget import Widget

from drivers.a4printer import A4Job, A4Printer, A4Result
from drivers.idcard import ReaderEvent
from sync.certificates import CERTIFICATE_ITEMS, fetch_certificate
from terminal.a4docs import one_time_notice
from terminal.assembly.wiring import Devices
from terminal.catalog import CatalogError, Item
from terminal.config import Config
from terminal.copying import CopyAllowance, CopyLimitReached, PageToCopy, copy_document, copy_sheets
from terminal.errors import TerminalError
from terminal.fonts import find_cjk_font
from terminal.receipts import ReceiptDocument, correction_notice, progress_slip, submission_receipt
from terminal.sample_forms import form_file, load_form
from terminal.session import Session
from ui.hardware import Hardware, ScanResult, in_background, on_ui_thread
from ui.inputs import ButtonRow, Picture
from ui.journey import ReceiptScreen
from ui.screens import BuiltOnce, GuideScreen, HomeScreen, Navigate, restyle_tree, show_if
from ui.services import ProgressScreen
from ui.theme import Theme
from ui.viewmodels import ViewModel
from ui.widgets import BigButton, Style, Text

if TYPE_CHECKING:  # reportlab loads on the first print, not with the kiosk
    from terminal.a4pdf import PdfDocument

log = logging.getLogger(__name__)

COPY_SCREEN = "copy"
CERTIFICATE_SCREEN = "certificate"
MAX_COPY_PAGES = 2  # one sheet: a page, or an ID card's two sides


class A4Model(EventDispatcher):
    """The printer's side of a screen: a job under way, and what the last one came to."""

    busy = BooleanProperty(False)
    message = StringProperty("")
    printed = BooleanProperty(False)


class A4Printing:
    """The kiosk's A4 printer: opened on first use, one job at a time, results on `model` (UI thread)."""

    def __init__(self, config: Config, devices: Devices) -> None:
        self.config = config
        self.devices = devices
        self.model = A4Model()
        self._printer: A4Printer | None = None

    def _open(self) -> A4Printer:
        if self._printer is None:
            self._printer = self.devices.a4printer()
        return self._printer

    def print_pdf(self, make: Callable[[], PdfDocument | list[PdfDocument]],
                  on_done: Callable[[A4Result | None], None] | None = None) -> None:
        """Render with `make` and print (several documents: one job each, stopping at the first that fails),
        off the UI thread; `on_done(None)` when the printer could not be opened."""
        if self.model.busy:
            return
        self.model.busy, self.model.printed, self.model.message = True, False, "正在打印，请稍候…"

        def job() -> None:
            result: A4Result | None = None
            try:
                made = make()
                printed = 0
                for document in made if isinstance(made, list) else [made]:
                    result = self._open().print_job(A4Job(document.data, document.kind, document.pages))
                    if not result.printed:
                        break
                    printed += result.pages
                if result is None:
                    message = "没有可以打印的文件。"
                elif result.printed:
                    message = f"已打印{printed}页，请从打印机出纸口取走。"
                else:
                    message = result.advice_zh
            except TerminalError as error:
                log.warning("event=a4_not_printed problem=%s", type(error).__name__)
                message = error.advice_zh
            on_ui_thread(lambda: self._done(result, message, on_done))

        in_background(job, "a4-print")

    def _done(self, result: A4Result | None, message: str,
              on_done: Callable[[A4Result | None], None] | None) -> None:
        self.model.busy, self.model.printed, self.model.message = False, bool(result and result.printed), message
        if on_done is not None:
            on_done(result)

    def print_document(self, *documents: ReceiptDocument) -> None:
        """The documents as one A4 job (a receipt and its correction notice come out together)."""
        from terminal.a4pdf import documents_pdf

        font = find_cjk_font(self.config.display.font)
        self.print_pdf(lambda: documents_pdf(documents, font))

    def forget(self) -> None:
        self.model.busy, self.model.printed, self.model.message = False, False, ""

    def close(self) -> None:
        if self._printer is not None:
            self._printer.close()


class A4Bar(BoxLayout):
    """One print button and the printer's answer beside it, for a screen built once."""

    def __init__(self, theme: Theme, printing: A4Printing, text: str, action: Callable[[], None]) -> None:
        super().__init__(size_hint_y=None)
        self.printing = printing
        self.button = BigButton(theme, text, action, size_hint_x=0.45)
        self.status = Text(theme, "", colour="muted")
        self.add_widget(self.button)
        self.add_widget(self.status)
        printing.model.fbind("message", self._show)
        printing.model.fbind("busy", self._show)
        self.restyle(theme)

    def _show(self, *_: object) -> None:
        self.status.text = self.printing.model.message
        self.button.disabled = self.printing.model.busy

    def restyle(self, theme: Theme) -> None:
        self.height, self.spacing = theme.target, theme.gap * 2


class CopyModel(ViewModel):
    """复印: the step (card, capture, preview), the pages captured (memory only) and the allowance left."""

    step = StringProperty("card")
    pages = ListProperty([])  # PageToCopy, at most MAX_COPY_PAGES
    thumbnails = ListProperty([])  # RGB arrays for the preview, one per page
    left = NumericProperty(0)
    problem = StringProperty("")

    def refresh(self, session: Session) -> None:
        """(The copy is this screen's own, not the session's.)"""

    def reset(self) -> None:
        self.step, self.pages, self.thumbnails, self.left, self.problem = "card", [], [], 0, ""


class CopyScreen(BuiltOnce):
    """复印: card, capture (one or two pages), preview with the page count, print. Built once."""

    def __init__(self, session: Session, settings: Config, style: Style, navigate: Navigate, hardware: Hardware,
                 printing: A4Printing, allowance: CopyAllowance, **kwargs: Any) -> None:
        self.model = CopyModel()
        super().__init__(session, settings, style, navigate, **kwargs)
        self.hardware, self.printing, self.allowance = hardware, printing, allowance
        self._card = ""  # the ID number, for the per-card count only; dropped with the screen's state
        self._idle = Clock.create_trigger(lambda _dt: self.session.cancel(), settings.timeouts.idle_seconds)
        t = self.theme
        self.body.add_widget(self.header("复印", self.session.cancel))
        self.instruction = Text(t, "", size="title", bold=True)
        self.count = Text(t, "", colour="muted")
        self.previews = BoxLayout()
        self.pictures = [Picture(t) for _ in range(MAX_COPY_PAGES)]
        self.live = Picture(t)
        self.capture = BigButton(t, "拍摄", self._capture, primary=True)
        self.retake = BigButton(t, "重拍", self._retake)
        self.print_button = BigButton(t, "打印", self._print, primary=True)
        self.buttons = ButtonRow(t, [self.retake, self.capture, self.print_button])
        self.status = Text(t, "", bold=True)
        for part in (self.instruction, self.count, self.previews, self.status, self.buttons):
            self.body.add_widget(part)
        for name in ("step", "thumbnails", "left", "problem"):
            self.model.fbind(name, self._show)
        printing.model.fbind("message", self._show)
        printing.model.fbind("busy", self._show)
        self._show()

    # ---- what shows ---------------------------------------------------------------------------
    def _show(self, *_: object) -> None:
        model, busy = self.model, self.printing.model.busy
        pages = len(model.pages)
        sheets = copy_sheets(model.pages)
        words = {"card": "请把身份证放在读卡区（用于每日免费复印页数）",
                 "capture": "请把要复印的证件或材料平放在拍摄区，点“拍摄”",
                 "preview": "请核对复印预览，无误后点“打印”"}
        self.instruction.text = words.get(model.step, "")
        self.count.text = (f"已拍 {pages} 页，打印 {sheets} 张A4纸；今日还可复印 {int(model.left)} 页。"
                           "身份证正反面会印在同一张纸上。") if model.step != "card" else ""
        self.status.text = model.problem or self.printing.model.message
        self.previews.clear_widgets()
        shown = self.pictures[:pages] if pages else ([self.live] if model.step == "capture" else [])
        for picture in shown:
            self.previews.add_widget(picture)
        for picture, rgb in zip(self.pictures, model.thumbnails, strict=False):
            picture.show(rgb)
        show_if(self.buttons, self.body, model.step in ("capture", "preview"))
        self.capture.disabled = busy or pages >= MAX_COPY_PAGES or model.step == "card"
        self.retake.disabled = busy or not pages
        self.print_button.disabled = busy or not pages
        self.print_button.show(f"打印（{sheets}张）" if pages else "打印")

    def restyle(self, theme: Theme) -> None:
        restyle_tree(self.body, theme)
        spares: list[Widget] = [*self.pictures, self.live, self.buttons]
        for spare in spares:
            if spare.parent is None:
                restyle_tree(spare, theme)

    # ---- lifecycle ----------------------------------------------------------------------------
    def redraw(self) -> None:
        """Shown (from home): wait for the card."""
        self.model.reset()
        self.printing.forget()
        self._active()
        self.hardware.watch_cards(self.on_card)

    def reset(self) -> None:
        """Home again (done, cancel, idle): stop the devices and drop every page and the card number."""
        self._idle.cancel()
        self.hardware.stop_cards()
        self.hardware.stop_scanning()
        self._card = ""
        for picture in (*self.pictures, self.live):
            picture.show(None)
        self.model.reset()

    def _active(self) -> None:
        """The person did something: the screen's own idle time (the session is at home) starts again."""
        self._idle.cancel()
        self._idle()
        self.session.touch()

    def on_card(self, event: ReaderEvent) -> None:
        if event.kind != "card-read" or event.identity is None or self.model.step != "card":
            return
        self._card = event.identity.id_number
        self.model.left = self.allowance.remaining(self._card)
        self.hardware.stop_cards()
        if not self.model.left:
            self.model.problem = CopyLimitReached("no pages left").advice_zh
            return
        self.model.step = "capture"
        self._active()
        self.hardware.start_scanning(self.on_preview, self.on_page, self.on_problem)

    def on_preview(self, preview: Any) -> None:
        self.live.show(preview.rgb, preview.quad)

    def on_problem(self, error: TerminalError | None) -> None:
        self.model.problem = error.advice_zh if error is not None else ""

    def on_page(self, result: ScanResult) -> None:
        if self.model.step not in ("capture", "preview") or len(self.model.pages) >= MAX_COPY_PAGES:
            return
        self.model.pages = [*self.model.pages, PageToCopy.from_page(result.page)]
        self.model.thumbnails = [*self.model.thumbnails, result.thumbnail]
        self.model.step = "preview"
        self._active()
        if len(self.model.pages) >= MAX_COPY_PAGES:
            self.hardware.stop_scanning()

    def _capture(self) -> None:
        scanner = self.hardware.scanner
        if scanner is not None:
            scanner.capture()
        self._active()

    def _retake(self) -> None:
        self.model.pages, self.model.thumbnails, self.model.step = [], [], "capture"
        if self.hardware.scanner is None:
            self.hardware.start_scanning(self.on_preview, self.on_page, self.on_problem)
        self._active()

    def _print(self) -> None:
        pages: list[PageToCopy] = list(self.model.pages)
        try:
            self.allowance.check(self._card, copy_sheets(pages))
        except CopyLimitReached as refused:
            self.model.problem = refused.advice_zh
            return
        card, dpi = self._card, self.settings.devices.camera.page_dpi

        def done(result: A4Result | None) -> None:
            if result is not None and result.printed:
                self.allowance.charge(card, result.pages)  # as the printer counted them
                self.model.left = self.allowance.remaining(card)
                self.model.pages, self.model.thumbnails = [], []  # printed: the copy is dropped
                for picture in self.pictures:
                    picture.show(None)
                if self.model.left <= 0:
                    self.hardware.stop_scanning()
                    self.model.step, self.model.problem = "done", CopyLimitReached("no pages left").advice_zh
                else:
                    self._retake()

        self.printing.print_pdf(lambda: copy_document(pages, dpi), done)
        self._active()


class CertificateModel(ViewModel):
    """打印证明: waiting for the card, asking the platform, printing; the PDF itself is never kept here."""

    step = StringProperty("card")
    problem = StringProperty("")

    def refresh(self, session: Session) -> None:
        """(The request is this screen's own.)"""

    def reset(self) -> None:
        self.step, self.problem = "card", ""


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF the platform sent (its page objects), for the page count on screen and the job."""
    return max(1, len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)))


class CertificateScreen(BuiltOnce):
    """打印证明 (参保证明): the card holder's certificate from the platform, printed at once. Built once."""

    WORDS: ClassVar[dict[str, str]] = {"card": "请把本人身份证放在读卡区，证明只打印给持卡本人",
                                       "asking": "正在向政务服务平台查询，请稍候…", "printing": "正在打印证明…",
                                       "done": "打印证明"}

    def __init__(self, session: Session, settings: Config, style: Style, navigate: Navigate, hardware: Hardware,
                 printing: A4Printing, **kwargs: Any) -> None:
        self.model = CertificateModel()
        super().__init__(session, settings, style, navigate, **kwargs)
        self.hardware, self.printing = hardware, printing
        self._idle = Clock.create_trigger(lambda _dt: self.session.cancel(), settings.timeouts.idle_seconds)
        t = self.theme
        self.body.add_widget(self.header("打印证明", self.session.cancel))
        self.instruction = Text(t, "", size="title", bold=True)
        self.item = Text(t, "可打印：城乡居民基本医疗保险参保证明（个人参保证明打印）", colour="muted")
        self.status = Text(t, "", bold=True)
        self.finish = BigButton(t, "完成", self.session.cancel, primary=True)
        for part in (self.instruction, self.item, self.status, Widget(), self.finish):  # (the empty one takes the rest)
            self.body.add_widget(part)
        self.model.fbind("step", self._show)
        self.model.fbind("problem", self._show)
        printing.model.fbind("message", self._show)
        self._show()

    def _show(self, *_: object) -> None:
        self.instruction.text = self.WORDS.get(self.model.step, "")
        self.status.text = self.model.problem or (self.printing.model.message if self.model.step != "card" else "")

    def restyle(self, theme: Theme) -> None:
        restyle_tree(self.body, theme)

    def redraw(self) -> None:
        self.model.reset()
        self.printing.forget()
        self._idle.cancel()
        self._idle()
        self.hardware.watch_cards(self.on_card)

    def reset(self) -> None:
        self._idle.cancel()
        self.hardware.stop_cards()
        self.model.reset()

    def on_card(self, event: ReaderEvent) -> None:
        if event.kind != "card-read" or event.identity is None or self.model.step != "card":
            return
        self.hardware.stop_cards()
        self.model.step, self.model.problem = "asking", ""
        holder, config = event.identity, self.settings
        item_id = CERTIFICATE_ITEMS.get(config.terminal.region, "")
        self.hardware.run(lambda: fetch_certificate(config, item_id, holder), self.fetched)

    def fetched(self, answer: bytes | TerminalError) -> None:
        if self.model.step != "asking":
            return  # the person left meanwhile: the certificate is dropped unprinted
        if isinstance(answer, TerminalError):
            self.model.step, self.model.problem = "done", answer.advice_zh
            return
        from terminal.a4pdf import PdfDocument

        pages = pdf_pages(answer)
        self.model.step = "printing"
        self.printing.print_pdf(lambda: PdfDocument(answer, pages, "certificate"),
                                lambda _result: setattr(self.model, "step", "done"))


def install_a4(manager: ScreenManager, session: Session, settings: Config, style: Style, navigate: Navigate,
               hardware: Hardware, state_file_dir: Any = None) -> A4Printing | None:
    """Add 打印一次性告知单 to the guide, 打印进度单 to the progress answer, the 收件回执 (and 补齐补正通知书)
    in A4 to the receipt screen, 复印 to home and the copy screen; nothing when no A4 printer is configured."""
    if not hardware.devices.has_a4printer:
        return None
    printing = A4Printing(settings, hardware.devices)
    theme = style.theme
    guide = manager.get_screen("guide")
    assert isinstance(guide, GuideScreen)

    def print_notice() -> None:
        item: Item | None = guide.model.item
        if item is not None:
            printing.print_document(one_time_notice(item, settings, datetime.now()))

    guide.body.add_widget(A4Bar(theme, printing, "打印一次性告知单", print_notice))
    def forms_of(item: Item | None) -> list[tuple[str, bytes]]:
        """The item's 填写范本/申请表 PDFs that the signed catalog bundle holds."""
        names = [form_file(m) for m in (item.guide.materials if item is not None and item.guide is not None else ())]
        found = []
        for name in filter(None, names):
            try:
                found.append((name, load_form(settings.storage.data_dir, settings.terminal.region, name,
                                              settings.platform.catalog_keys)))
            except CatalogError as refused:
                log.warning("event=form_unavailable problem=%s", refused.message)
        return found

    def print_forms() -> None:
        from terminal.a4pdf import PdfDocument

        forms = forms_of(guide.model.item)
        printing.print_pdf(lambda: [PdfDocument(pdf, pdf_pages(pdf), "sample_form") for _name, pdf in forms])

    forms_bar = A4Bar(theme, printing, "打印填写范本", print_forms)
    guide.model.fbind("item", lambda *_: show_if(forms_bar, guide.body, bool(forms_of(guide.model.item)), index=1))
    progress = manager.get_screen("progress")
    if isinstance(progress, ProgressScreen):
        def print_progress() -> None:
            now = datetime.now()
            for found in progress.model.results or ():
                updated = datetime.fromisoformat(found.updated_at) if found.updated_at else now
                item_name = found.item_name or "（见收件回执）"
                printing.print_document(progress_slip(settings, found.case_no, item_name, found.status_zh, updated, now))

        def print_notices() -> None:  # 受理通知书 / 退件告知书 on A4, for citizens who prefer a full page
            notices = progress.notices()
            if notices:
                printing.print_document(*notices)
        progress.left.add_widget(A4Bar(theme, printing, "打印进度单", print_progress))
        notices_bar = A4Bar(theme, printing, "A4打印通知书", print_notices)
        progress.model.fbind("results", lambda *_: show_if(notices_bar, progress.left, bool(progress.notices())))
    receipt = manager.get_screen("receipt")
    if isinstance(receipt, ReceiptScreen):
        def print_receipt() -> None:
            case = session.case
            if case is not None:
                slips = [submission_receipt(case, settings)] + ([correction_notice(case, settings)] if case.missing else [])
                printing.print_document(*slips)
        receipt.on_screen.add_widget(A4Bar(theme, printing, "打印A4回执", print_receipt), index=1)
        printed_bar = A4Bar(theme, printing, "另打印A4回执", print_receipt)
        receipt.printed.insert(len(receipt.printed) - 1, printed_bar)
        receipt.views.append(printed_bar)
    a4 = settings.devices.a4printer
    allowance = CopyAllowance(a4.copy_pages_per_card_per_day, a4.copy_pages_per_terminal_per_day,
                              settings.storage.data_dir / "copy-pages.json")
    manager.add_widget(CopyScreen(session, settings, style, navigate, hardware, printing, allowance, name=COPY_SCREEN))
    home = manager.get_screen("home")
    assert isinstance(home, HomeScreen)
    manager.add_widget(CertificateScreen(session, settings, style, navigate, hardware, printing,
                                         name=CERTIFICATE_SCREEN))
    for title, subtitle, screen in (("复印", "身份证、材料复印", COPY_SCREEN), ("打印证明", "参保证明等", CERTIFICATE_SCREEN)):
        button = BigButton(theme, title, partial(navigate, screen), subtitle=subtitle, size="title", size_hint_y=1)
        home.grid.children[0].add_widget(button, index=1)
    return printing
