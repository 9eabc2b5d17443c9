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

from kivy.core.window import Keyboard, Window
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
from ui.a4 import install_a4
from ui.app import TerminalApp
from ui.audionav import AudioNav, screen_script
from ui.callback import CallbackScreen
from ui.consent import ConsentScreen
from ui.form import FormScreen
from ui.hardware import Hardware
from ui.journey import IdentifyScreen, MaterialsScreen, ReceiptScreen, ReviewScreen, SubmitScreen
from ui.screens import GuideScreen, Header, HomeScreen, show_if
from ui.services import ComplaintScreen, HelpScreen, ProgressScreen, RatingScreen
from ui.speech import Speaker
from ui.steps import Step
from ui.supplement import SupplementScreen
from ui.technician.mode import TechnicianMode
from ui.theme import MIN_TARGET_MM, Theme
from ui.widgets import BigButton, fill, snug_width

log = logging.getLogger(__name__)

STEP_SCREENS: dict[State, type[Step]] = {
    State.CONSENT: ConsentScreen, State.IDENTIFY: IdentifyScreen, State.FORM: FormScreen, State.MATERIALS: MaterialsScreen,
    State.REVIEW: ReviewScreen, State.SUBMIT: SubmitScreen, State.RECEIPT: ReceiptScreen,
    State.RATING: RatingScreen, State.PROGRESS: ProgressScreen, State.COMPLAINT: ComplaintScreen,
    State.HELP: HelpScreen, State.SUPPLEMENT: SupplementScreen, State.CALLBACK: CallbackScreen,
}
KEY_NAMES = {code: name for name, code in Keyboard.keycodes.items()}
VOLUME_STEPS = ((60, "小"), (100, "中"), (160, "大"))  # 音量 on the home screen in elderly mode, in turn


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
                                                 State.SUPPLEMENT: {"progress": progress_lookup},
                                                 State.HELP: {"came_from": lambda: self.previous_state}}
        for state, kind in STEP_SCREENS.items():
            self.manager.add_widget(kind(self.session, self.settings, self.style, self.show, self.hardware,
                                         name=state.value, **extra.get(state, {})))
        self.a4 = install_a4(self.manager, self.session, self.settings, self.style, self.show, self.hardware)
        guide = self.manager.get_screen("guide")
        if isinstance(guide, GuideScreen):  # an item without a guide here prints where and when to go
            guide.print_documents = self.hardware.print_documents
        Window.bind(on_request_close=self.refuse_close, on_keyboard=self.swallow_key, on_touch_down=self.activity)
        # SDL turns SIGTERM into the same quit request as a window close, which the kiosk refuses:
        # systemd's stop must still end it cleanly, so SIGTERM gets its own handler.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: self.stop())
        self.hardware.open_keypad()
        self.audionav = AudioNav(self.speaker, self.settings.accessibility, self._shown_screen, self.root_widget)
        self.hardware.on_key = self.keypad_key
        self.audionav.watch_jack()
        self._add_speech_buttons()
        self.technician = TechnicianMode(  # the hidden corner hold (docs/technician.md)
            self.settings, self.theme.font_name, cancel_session=lambda: self.session.cancel(),
            pause_devices=self.hardware.pause, resume_devices=self.hardware.resume,
            devices=self.hardware.devices).install()
        return root

    def on_stop(self) -> None:
        Window.unbind(on_request_close=self.refuse_close, on_keyboard=self.swallow_key, on_touch_down=self.activity)
        self.hardware.close()
        if self.a4 is not None:
            self.a4.close()
        self.audionav.close()
        self.speaker.close()

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
            self.read_screen()

    # ---- speech: elderly mode reads every screen, audio navigation reads what has the focus -------

    def _shown_screen(self) -> Widget:
        return self.overlay if self.overlay is not None else self.manager.current_screen

    def read_screen(self) -> None:
        """A new screen: audio navigation starts its focus again; elderly mode reads it aloud."""
        if self.audionav.on:
            self.audionav.screen_changed()
        elif self.session.elderly:
            self.speaker.say(screen_script(self._shown_screen(), private_ok=False))

    def speak(self, words: str) -> None:
        if self.session.elderly or self.audionav.on:
            self.speaker.say(words)

    def _add_speech_buttons(self) -> None:
        """再听一遍 in every screen's title bar (home: beside its first line) and 音量 on the home screen, shown in elderly mode
        (built once here, so screens added later get them too)."""
        self.listen_buttons: list[tuple[Header, BigButton]] = []
        for screen in self.manager.screens:
            bar = getattr(screen, "bar", None)  # a screen built once may hold its title bar out of the tree now
            found = [w for w in screen.walk(restrict=True) if isinstance(w, Header)]
            for header in {id(h): h for h in ([bar] if isinstance(bar, Header) else []) + found}.values():
                self.listen_buttons.append((header, BigButton(self.theme, "再听一遍", self.read_again,
                                                              size_hint_x=None)))
        home = self.manager.get_screen("home")
        self.volume_button = BigButton(self.theme, "", self.next_volume, size_hint_x=None, height=self.theme.target)
        self.volume_bar = home.top_bar if isinstance(home, HomeScreen) else None
        self.home_listen = BigButton(self.theme, "再听一遍", self.read_again, size_hint_x=None, size_hint_y=1)
        self.home_intro = home.intro_line if isinstance(home, HomeScreen) else None
        self._show_speech_buttons()

    def _show_speech_buttons(self) -> None:
        t, on = self.theme, self.session.elderly
        for header, button in self.listen_buttons:
            show_if(button, header, on, index=1)  # before 回到首页
            button.restyle(t)
            button.width = snug_width(t, button.text)
        if self.volume_bar is not None:
            show_if(self.volume_button, self.volume_bar, on, index=1)
            self.volume_button.restyle(t)
            self.volume_button.width = snug_width(t, "音量：中")
            self.volume_button.height = max(self.volume_bar.height, t.mm(MIN_TARGET_MM))
        if self.home_intro is not None:  # home has no title bar: 再听一遍 beside its first line
            show_if(self.home_listen, self.home_intro, on, index=0)
            self.home_listen.restyle(t)
            self.home_listen.width = snug_width(t, "再听一遍")
        level = next((name for volume, name in VOLUME_STEPS if volume >= self.speaker.volume), "大")
        self.volume_button.show(f"音量：{level}")

    def keypad_key(self, key: int) -> bool:
        """A rating-keypad key: audio navigation's, unless it rates (see `AudioNav.keypad`)."""
        taken = self.audionav.keypad(key, self.session.state == State.RATING)
        if taken:
            self.key_activity()
        return taken

    def key_activity(self) -> None:
        """A key counts as a touch: the idle time starts again (a blind person never touches)."""
        self.last_activity = self.idle_clock()
        self.session.touch()

    def read_again(self) -> None:
        """再听一遍: the screen as it is now (its words may have changed since it opened)."""
        self.session.touch()
        self.speaker.say(screen_script(self._shown_screen(), private_ok=self.audionav.private_ok))

    def next_volume(self) -> None:
        volumes = [volume for volume, _name in VOLUME_STEPS]
        later = [v for v in volumes if v > self.speaker.volume]
        self.speaker.volume = later[0] if later else volumes[0]
        self._show_speech_buttons()
        self.speaker.say("这是现在的音量")

    def on_session_event(self, event: SessionEvent) -> None:
        self.last_activity = self.idle_clock()
        if event.kind in ("cancelled", "finished", "timed_out") and not self.audionav.headphones:
            self.audionav.stop()  # the next person starts without it (headphones still in: it stays)
        super().on_session_event(event)
        if event.kind in ("elderly", "cancelled", "finished", "timed_out"):
            self._show_speech_buttons()
        if event.kind == "elderly" and self.session.elderly:
            self.speak("长辈模式已打开，字更大，操作时间更长。每一页都会读给您听，点再听一遍可以再听")
        elif event.kind == "idle_warning" and self.audionav.on:
            self.audionav.screen_changed()  # the question over the screen: its 继续办理 gets the focus
        elif event.kind == "idle_warning":
            self.speak("还要继续吗？请触摸屏幕")

    # ---- kiosk behaviour -----------------------------------------------------------------

    def refuse_close(self, *_args: object, **_kwargs: object) -> bool:
        """Alt+F4 or a window manager's close: the kiosk stays (systemd stops it, not a citizen)."""
        log.info("event=close_refused")
        return True

    def swallow_key(self, _window: object, key: int, *_args: object) -> bool:
        """Esc and every other key from a stray keyboard do nothing for the citizen; the 4-key
        tactile pad's keys (a USB keyboard device) move the audio navigation focus."""
        name = KEY_NAMES.get(key)
        if name and self.audionav.tactile(name):
            self.key_activity()
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
