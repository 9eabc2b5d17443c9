"""补交材料: hand in what a submitted case still lacks, without applying again.

The person gives the case number (number pad) or puts the ID card on the reader; the platform's
progress (else the outbox) says what is still missing; each missing material is scanned with
the same camera pipeline as the materials step; 提交 writes one supplement record to the outbox
off the UI thread (a retry keeps its number, so the platform gets it once). The screen is the
materials screen with two more views -- find and done -- built once like every step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from drivers.idcard.driver import ReaderEvent
from sync.downlink import Progress
from terminal.casenumber import parse_case_number
from terminal.errors import TerminalError
from terminal.session import FormInvalid, PendingSupplement, Session, State
from ui.hardware import ScanResult
from ui.inputs import ButtonRow, NumberPad, typed
from ui.journey import MaterialsScreen
from ui.screens import blank, show_if
from ui.services import ProgressLookup, typed_case_no
from ui.steps import Action
from ui.theme import Theme
from ui.viewmodels import MaterialsModel
from ui.widgets import BigButton, Text, column, fill


class Gapped(BoxLayout):
    """Two columns side by side, as far apart as the theme says."""

    def restyle(self, theme: Theme) -> None:
        self.spacing = theme.gap * 3


class CaseNumberField(Text):
    """The case number as typed, large, in a framed box that follows the theme."""

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "", size="title", bold=True)
        self.box = fill(self, theme.palette.surface, radius=theme.mm(1.5), border=theme.palette.primary)
        self.restyle(theme)

    def restyle(self, theme: Theme) -> None:
        super().restyle(theme)
        self.padding = (theme.mm(2), theme.mm(1))
        self.box[0].rgba, self.box[1].rgba = theme.palette.surface, theme.palette.primary


class SupplementModel(MaterialsModel):
    """补交材料: the digits typed and why a lookup found nothing to hand in (find view), the case and its
    missing materials with the pages scanned (scan view, MaterialsModel), the record once written."""

    digits = StringProperty("")
    error = StringProperty("")
    looking = BooleanProperty(False)
    writing = BooleanProperty(False)
    target = ObjectProperty(None, allownone=True)  # terminal.session.SupplementTarget
    done = ObjectProperty(None, allownone=True)    # terminal.cases.Supplement, written

    def refresh(self, session: Session) -> None:
        self.target, self.done = session.supplement_target, session.supplement
        self.elderly = session.elderly
        self.materials = list(session.supplement_materials)
        if self.current not in {s.spec.id for s in self.materials}:
            undone = [s.spec.id for s in self.materials if not s.done]
            self.current = undone[0] if undone else (self.materials[0].spec.id if self.materials else "")

    def reset(self) -> None:
        super().reset()
        self.digits, self.error, self.looking, self.writing, self.target, self.done = "", "", False, False, None, None


def nothing_to_hand_in(results: list[Progress]) -> str:
    """Why a lookup offers no supplement, in words (the case is unknown, decided, or complete)."""
    if not results:
        return "没有查到需要补交材料的办件。请核对办件编号，或到服务窗口咨询。"
    decided = next((r.decision for r in results if r.decision is not None), None)
    if decided is not None and decided.state.final:
        return f"该办件{decided.state.label}，不需要再补交材料。"
    if decided is not None:
        return f"该办件{decided.state.label}，不需要补交材料；进度可在“进度查询”查看。"
    return "该办件材料齐全，不需要补交材料；进度可在“进度查询”查看。"


class SupplementScreen(MaterialsScreen):
    """Find the case (number or card) → scan what is missing → 提交 → done. Built once: the three
    views are kept and `SupplementModel` says which shows."""

    prompt = "请输入办件编号，或把身份证放在读卡区"
    heading, model_type = "补交材料", SupplementModel
    model: SupplementModel
    CAMERA_ADVICE = "\n可以稍后再来补交，或把纸质材料带到服务窗口。"

    def __init__(self, *args: Any, progress: ProgressLookup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.progress = progress
        t, session = self.theme, self.session
        # find: the case number on the pad, or the card
        self.find_split = Gapped()
        self.find_left = column(t)
        self.number = CaseNumberField(t)
        self.find_error = Text(t, "", colour="badge", bold=True)
        self.find_hint = Text(t, "办件编号在收件回执或补齐补正通知书上。也可以把身份证放在读卡区，查找您在本终端提交的申请。",
                              colour="muted")
        for part in (Text(t, "办件编号", colour="muted"), self.number, self.find_hint, Widget(),
                     ButtonRow(t, [BigButton(t, "回到首页", session.cancel),
                                   BigButton(t, "查找", self.query, primary=True)])):
            self.find_left.add_widget(part)
        self.find_split.add_widget(self.find_left)
        self.find_split.add_widget(NumberPad(t, self.key, size_hint_x=0.42))
        # scan: the materials screen's views; its 下一步 becomes 提交
        submit = self.buttons.children[0]
        assert isinstance(submit, BigButton)
        submit.action = self.submit
        submit.show("提交补交材料")
        self.about = Text(t, "", bold=True)
        # done
        self.done_number = Text(t, "", size="button", halign="center")
        self.done_words = Text(t, "", halign="center")
        self.done_view = [Widget(size_hint_y=0.3), Text(t, "补交材料已提交", size="title", bold=True, halign="center"),
                          self.done_number, self.done_words, Widget(),
                          BigButton(t, "完成", session.finish, primary=True)]
        self.views += [self.find_split, self.find_error, self.about, *self.done_view]
        for name in ("digits", "error", "looking", "target", "done", "writing"):
            self.model.fbind(name, self._compose)
        self.model.fbind("target", self._follow_target)
        self.model.fbind("done", self._follow_target)
        self.restyle(t)

    # ---- views ----------------------------------------------------------------------------

    def _compose(self, *_: object) -> None:
        model = self.model
        self.bar.show(self.heading, self.back_action())
        if model.done is not None:
            self.done_number.text = f"补交编号 {model.done.supplement_no}"
            self.done_words.text = (f"已补交到办件 {model.done.case_no}，共{len(model.done.materials)}项材料。\n"
                                    "平台收到后由部门审核，可凭办件编号在“进度查询”查看。")
            self.compose(self.bar, *self.done_view)
        elif model.target is None:
            digits = model.digits
            self.number.text = typed_case_no(self.settings.terminal.id, digits) + "_" * max(0, 10 - len(digits))
            self.find_error.text = "正在查找，请稍候…" if model.looking else model.error
            show_if(self.find_error, self.find_left, bool(self.find_error.text), index=len(self.find_left.children) - 2)
            self.compose(self.bar, self.find_split)
        else:
            super()._compose()
            target = model.target
            self.about.text = (f"办件 {target.case_no} · {target.item_name}：还缺{len(target.missing)}项材料"
                               + ("，正在保存…" if model.writing else ""))

    def compose(self, *widgets: Widget) -> None:
        """The scan view says under the title bar which case and how much is missing."""
        if self.split in widgets:
            widgets = (widgets[0], self.about, *widgets[1:])
        super().compose(*widgets)

    def back_action(self) -> Callable[[], None] | None:
        """Once written, the supplement cannot be taken back: only 完成 or 回到首页."""
        return None if self.model.done is not None else super().back_action()

    def without_camera(self) -> list[Action]:
        return []  # nothing to hand in without a scan: come back later or bring the papers to a window

    def _follow_target(self, *_: object) -> None:
        """The camera runs only while there is something to scan."""
        if self.model.target is not None and self.model.done is None:
            if self.hardware.scanner is None:
                self.hardware.start_scanning(self.on_preview, self.on_page, self.on_problem)
        else:
            self.hardware.stop_scanning()

    def enter(self) -> None:
        self.last_preview, self.frames_drawn = None, 0
        self.model.camera_problem = None
        self.hardware.watch_cards(self.on_card)
        self.redraw()  # a case chosen on the progress screen: straight to scanning
        self._follow_target()

    def leave(self) -> None:
        self.hardware.stop_cards()
        super().leave()

    def reset(self) -> None:
        super().reset()
        for label in (self.number, self.done_number, self.done_words, self.about, self.find_error):
            blank(label)

    # ---- finding the case -----------------------------------------------------------------

    def key(self, key: str) -> None:
        self.model.digits, self.model.error = typed(self.model.digits, key, 12), ""
        self.session.touch()

    def query(self) -> None:
        case_no = typed_case_no(self.settings.terminal.id, self.model.digits)
        if parse_case_number(case_no) is None:
            self.model.error = "办件编号是回执上“办件编号”一行，输入日期6位和序号4位，共10位数字。"
            return
        lookup = self.progress
        self.lookup(lambda: lookup.by_case_no(case_no))

    def on_card(self, event: ReaderEvent) -> None:
        if event.kind != "card-read" or event.identity is None or self.model.looking \
                or self.session.state != State.SUPPLEMENT or self.model.target is not None:
            return
        id_number, lookup = event.identity.id_number, self.progress
        self.lookup(lambda: lookup.by_id_number(id_number))

    def lookup(self, job: Any) -> None:
        self.model.looking, self.model.error = True, ""
        self.hardware.run(job, self.found)

    def found(self, results: list[Progress] | TerminalError) -> None:
        if self.session.state != State.SUPPLEMENT:
            return
        self.model.looking = False
        if isinstance(results, TerminalError):
            self.model.error = results.advice_zh
            return
        open_case = next((r for r in results if r.open_for_supplement), None)
        if open_case is None:
            self.model.error = nothing_to_hand_in(results)
            return
        self.session.choose_supplement_case(open_case.case_no, open_case.item_id, open_case.item_name,
                                            open_case.missing)

    # ---- scanning (the materials screen's, on the supplement's pages) ------------------------

    def on_page(self, result: ScanResult) -> None:
        if self.session.state != State.SUPPLEMENT or self.model.target is None:
            return
        material = self.model.current
        self.model.add_thumbnail(material, result.thumbnail)
        statuses = self.session.supplement_materials
        undone = [s.spec.id for s in statuses if not s.done and s.spec.id != material]
        if not any(s.pages for s in statuses if s.spec.id == material) and undone:
            self.model.current = undone[0]
        self.session.add_supplement_page(material, result.page)

    def delete(self, material_id: str, index: int) -> None:
        self.model.remove_thumbnail(material_id, index)
        self.model.current = material_id
        self.session.remove_supplement_page(material_id, index)

    def retake(self) -> None:
        pages = next((s.pages for s in self.session.supplement_materials if s.spec.id == self.model.current), 0)
        if pages:
            self.delete(self.model.current, pages - 1)
        scanner = self.hardware.scanner
        if scanner is not None:
            scanner.tracker.reset()

    # ---- submitting -------------------------------------------------------------------------

    def submit(self) -> None:
        if self.model.writing:
            return
        try:
            pending = self.session.prepare_supplement()
        except FormInvalid as invalid:
            self.hint.text = next(iter(invalid.errors.values()))
            return
        self.model.writing = True
        self.hardware.run(pending.write, lambda result: self.written(pending, result))

    def written(self, pending: PendingSupplement, result: object) -> None:
        self.model.writing = False
        error = result if isinstance(result, TerminalError) else None
        if self.session.complete_supplement(pending, error) is None and error is not None:
            self.hint.text = error.advice_zh  # the pages stay; 提交 again keeps the same number
