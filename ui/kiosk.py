"""The kiosk as citizens meet it: every step of the journey, the devices, spoken prompts, no way out.

`KioskApp` extends the home/browse/search/guide app with a screen per journey state. Changing
screens tells the old one to `leave` (stop its device, blank or drop its words: nothing personal
stays in a hidden screen) and the new one to `enter`. The screens get what they use from here:
the session, the configuration, the style, the devices, the progress lookup and `show`.
On top of that it keeps the citizen inside: Esc, Alt+F4 and window-close requests do nothing,
and when nobody is there the home screen gives way to an attract screen and then to a blank one.

Import only after `ui.window.prepare()`.
"""

from __future__ import annotations

import logging
import signal
import time
from collections import deque
from collections.abc import Callable

from kivy.core.window import Window
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from sync.client import ClientSettings, PlatformClient
from sync.downlink import Progress, progress
from sync.outbox import Outbox
from terminal.assembly.kiosk import make_session
from terminal.case_index import CaseIndex, IndexedSink
from terminal.config import Config
from terminal.errors import TerminalError
from terminal.session import Session, SessionEvent, State
from ui.app import TerminalApp
from ui.consent import ConsentScreen
from ui.form import FormScreen
from ui.hardware import Hardware
from ui.journey import IdentifyScreen, MaterialsScreen, ReceiptScreen, ReviewScreen, SubmitScreen
from ui.services import ComplaintScreen, HelpScreen, ProgressScreen, RatingScreen
from ui.speech import Speaker
from ui.steps import Step
from ui.technician.mode import TechnicianMode
from ui.theme import Theme
from ui.widgets import fill

log = logging.getLogger(__name__)

STEP_SCREENS: dict[State, type[Step]] = {
    State.CONSENT: ConsentScreen, State.IDENTIFY: IdentifyScreen, State.FORM: FormScreen, State.MATERIALS: MaterialsScreen,
    State.REVIEW: ReviewScreen, State.SUBMIT: SubmitScreen, State.RECEIPT: ReceiptScreen,
    State.RATING: RatingScreen, State.PROGRESS: ProgressScreen, State.COMPLAINT: ComplaintScreen,
    State.HELP: HelpScreen,
}
PROMPTS = {"home": "欢迎使用自助服务终端，请点屏幕上的大按钮", "browse": "请选择要办理的事项",
           "search": "请用拼音字母查找事项", "guide": "这是办事指南，看完后点开始办理"}


class PlatformProgress:
    """The progress screen's lookup: the outbox first, then the platform (a fresh client per
    question: a kiosk asks rarely, and a connection kept open would go stale between people)."""

    def __init__(self, config: Config, outbox: Outbox, index: CaseIndex) -> None:
        self.config, self.outbox, self.index = config, outbox, index

    def _client(self) -> PlatformClient | None:
        if not self.config.platform.url:
            return None
        try:
            return PlatformClient(ClientSettings.from_config(self.config))
        except TerminalError:
            return None

    def _ask(self, case_numbers: list[str]) -> list[Progress]:
        client = self._client()
        try:
            return [progress(case_no, self.outbox, client) for case_no in case_numbers]
        finally:
            if client is not None:
                client.close()

    def by_case_no(self, case_no: str) -> list[Progress]:
        return self._ask([case_no])

    def by_id_number(self, id_number: str) -> list[Progress]:
        return self._ask(list(self.index.cases_of(id_number)))


class ScreenSaver(FloatLayout):
    """Nobody there: a slowly wandering invitation (no burn-in), later a black screen."""

    def __init__(self, terminal_name: str, t: Theme, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.blank = False
        fill(self, (0, 0, 0, 1))
        self.label = Label(text=f"{terminal_name}\n[size={int(t.font_button)}]请触摸屏幕开始[/size]",
                           markup=True, font_name=t.font_name, font_size=t.font_title * 1.3, halign="center",
                           color=(1, 1, 1, 1), size_hint=(None, None), size=(t.mm(170), t.mm(40)))
        self.add_widget(self.label)
        self.step = 0

    def wander(self) -> None:
        self.step += 1
        free_x, free_y = max(0, self.width - self.label.width), max(0, self.height - self.label.height)
        phase = (self.step % 40) / 40
        self.label.pos = (self.x + free_x * abs(2 * phase - 1), self.y + free_y * ((self.step // 40) % 5) / 4)

    def go_blank(self) -> None:
        self.blank = True
        self.remove_widget(self.label)


class KioskApp(TerminalApp):
    def __init__(self, config: Config, session: Session, outbox: Outbox, case_index: CaseIndex, *,
                 hardware: Hardware | None = None,
                 speaker: Speaker | None = None, clock: Callable[[], float] = time.monotonic, **kwargs: object) -> None:
        super().__init__(config, session, **kwargs)
        self.outbox = outbox
        self.case_index = case_index
        self.hardware = hardware or Hardware(config)
        self.speaker = speaker or Speaker(config.display.speech)
        self.previous_state = State.HOME
        self._shown_state = State.HOME
        self.idle_clock = clock
        self.last_activity = clock()
        self.screen_saver: ScreenSaver | None = None
        # (screen, seconds to build it), the latest only: the benchmark reads these; a kiosk runs for months
        self.screen_changes: deque[tuple[str, float]] = deque(maxlen=200)

    def build(self) -> Widget:
        root = super().build()
        progress_lookup = PlatformProgress(self.settings, self.outbox, self.case_index)
        extra: dict[State, dict[str, object]] = {State.PROGRESS: {"progress": progress_lookup},
                                                 State.HELP: {"came_from": lambda: self.previous_state}}
        for state, kind in STEP_SCREENS.items():
            self.manager.add_widget(kind(self.session, self.settings, self.style, self.show, self.hardware,
                                         name=state.value, **extra.get(state, {})))
        Window.bind(on_request_close=self.refuse_close, on_keyboard=self.swallow_key, on_touch_down=self.activity)
        # SDL turns SIGTERM into the same quit request as a window close, which the kiosk refuses:
        # systemd's stop must still end it cleanly, so SIGTERM gets its own handler.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: self.stop())
        self.hardware.open_keypad()
        self.technician = TechnicianMode(  # the hidden corner hold (docs/technician.md)
            self.settings, self.theme.font_name, cancel_session=lambda: self.session.cancel(),
            pause_devices=self.hardware.pause, resume_devices=self.hardware.resume,
            devices=self.hardware.devices).install()
        return root

    def on_stop(self) -> None:
        Window.unbind(on_request_close=self.refuse_close, on_keyboard=self.swallow_key, on_touch_down=self.activity)
        self.hardware.close()
        self.speaker.stop()

    # ---- screens ------------------------------------------------------------------------

    def show(self, name: str) -> None:
        state = self.session.state
        if name == "step" or state in STEP_SCREENS:
            name = state.value
        started = time.perf_counter()
        current = self.manager.current_screen
        target = self.manager.get_screen(name)
        changed = current is not target
        if changed:
            if isinstance(current, Step):
                current.leave()
            self.previous_state, self._shown_state = self._shown_state, state
            if isinstance(target, Step):
                target.enter()
        super().show(name)
        if changed:
            self.screen_changes.append((name, time.perf_counter() - started))
            self.speak(target.prompt if isinstance(target, Step) else PROMPTS.get(name, ""))

    def speak(self, prompt: str) -> None:
        if self.session.elderly:
            self.speaker.say(prompt)

    def on_session_event(self, event: SessionEvent) -> None:
        self.last_activity = self.idle_clock()
        super().on_session_event(event)
        if event.kind == "elderly" and self.session.elderly:
            self.speak("长辈模式已打开，字更大，操作时间更长")
        elif event.kind == "idle_warning":
            self.speak("还要继续吗？请触摸屏幕")

    # ---- kiosk behaviour -----------------------------------------------------------------

    def refuse_close(self, *_args: object, **_kwargs: object) -> bool:
        """Alt+F4 or a window manager's close: the kiosk stays (systemd stops it, not a citizen)."""
        log.info("event=close_refused")
        return True

    def swallow_key(self, _window: object, key: int, *_args: object) -> bool:
        """Esc and every other key from a stray keyboard do nothing for the citizen."""
        return True

    def activity(self, _window: object, _touch: object) -> bool:
        """Any touch: the screen saver goes, and that touch does nothing else."""
        self.last_activity = self.idle_clock()
        if self.screen_saver is not None:
            self.root_widget.remove_widget(self.screen_saver)
            self.screen_saver = None
            self.session.touch()
            return True
        return False

    def _tick(self, dt: float) -> None:
        super()._tick(dt)
        timeouts = self.settings.timeouts
        idle = self.idle_clock() - self.last_activity
        at_rest = self.session.state == State.HOME and not self.session.has_personal_data()
        if not at_rest or idle < timeouts.attract_seconds:
            return
        if self.screen_saver is None:
            self.screen_saver = ScreenSaver(self.settings.terminal.name, self.theme)
            self.root_widget.add_widget(self.screen_saver)
        if idle >= timeouts.blank_seconds and not self.screen_saver.blank:
            self.screen_saver.go_blank()
        elif not self.screen_saver.blank:
            self.screen_saver.wander()


def make_kiosk(config: Config, clock: Callable[[], float] = time.monotonic) -> KioskApp:
    """The kiosk for this configuration: one outbox shared by the session and the progress screen,
    and the card index that lets a person find their cases by ID card after they left the outbox."""
    outbox = Outbox.from_config(config)
    index = CaseIndex(config.storage.data_dir, config.storage.retention_days)
    session = make_session(config, clock, outbox, sink=IndexedSink(outbox, index))
    return KioskApp(config, session, outbox, index, clock=clock)
