"""Audio navigation (语音导航) for blind and low-vision people, as accessible ATMs offer it.

With headphones plugged in, or after a key press on the rating keypad or the 4-key tactile pad,
keys move a spoken focus through every element of the screen shown: its title, the words that
matter, every button and every row of a list (rows out of sight included); select activates the
focused element, back goes back, repeat reads the whole screen again. A ring around the focused
element shows low-vision people where they are.

It works on the widget tree, not on a list kept per screen, so screens added later are read and
navigated too: `elements` walks the screen in layout order; labels are words, buttons are choices,
`ItemRecycleView`s give one element per row of their data. A screen may add what its widgets do
not say (`spoken_extra`: words, `audio_extras`: choices only a person who cannot see needs, such
as confirming by key instead of signing). The same walk gives `screen_script`, what elderly mode
and 再听一遍 say: title, instruction, content, choices.

Over a loudspeaker (no headphones) words that look personal (masked names, phone and ID numbers)
are left out: a bystander can hear them. The case number is read, digit by digit.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from kivy.graphics import Color, Line
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget
from PIL import Image, ImageDraw

from terminal.config import AccessibilitySettings
from terminal.spoken import speakable
from ui.hardware import on_ui_thread
from ui.screens import Header
from ui.speech import Speaker
from ui.widgets import BigButton, ItemRecycleView

log = logging.getLogger(__name__)

NAV_KEYS = ("up", "down", "select", "back", "repeat", "louder", "quieter")
KEY_NAMES = {"up": "上一项", "down": "下一项", "select": "确定", "back": "返回", "repeat": "再听一遍",
             "louder": "大声", "quieter": "小声"}
PERSONAL = re.compile(r"\*|1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|\d{17}[\dXx]")  # masked words, mobile and ID numbers
MAX_CHOICES_READ = 12  # a screen script names this many choices; the rest are reached by keys
JACK_POLL_SECONDS = 2.0

Choice = tuple[str, Callable[[], None], Widget]  # an extra choice: words, action, what the ring goes around


@dataclass
class Element:
    """One stop of the focus: words to say, what select does (None: words only), where the ring goes."""

    words: str
    action: Callable[[], None] | None
    widget: Widget
    row: int = -1  # the row of an ItemRecycleView's data, -1 for a widget of its own
    private: bool = False

    @property
    def key(self) -> tuple[int, int, str]:
        return id(self.widget), self.row, self.words


def _shown(widget: Widget) -> bool:
    """In the window and visible (not by size: a screen is read before its first layout)."""
    return widget.get_root_window() is not None and widget.opacity > 0 and not widget.disabled


def button_words(button: Widget) -> str:
    if isinstance(button, BigButton):
        return speakable("，".join(part for part in (button.title, button.subtitle) if part))
    return speakable(str(getattr(button, "text", "")))


def _collect(widget: Widget, out: list[Element]) -> None:
    if isinstance(widget, ItemRecycleView):
        rows = widget.data
        out.extend(Element(f"{speakable(row['text'])}，第{index + 1}项，共{len(rows)}项", row["action"], widget, index)
                   for index, row in enumerate(rows))
        return
    if isinstance(widget, ButtonBehavior):
        words = button_words(widget)
        if words and _shown(widget):
            out.append(Element(f"{words}，按钮", partial(widget.trigger_action, 0), widget, private=bool(PERSONAL.search(words))))
        return
    if isinstance(widget, Label) and _shown(widget):
        words = speakable(widget.text)
        if words:
            out.append(Element(words, None, widget, private=bool(PERSONAL.search(widget.text))))
    for child in reversed(widget.children):  # children are kept last-added first
        _collect(child, out)


def elements(screen: Widget) -> list[Element]:
    """Everything on `screen` a person can hear or choose, in layout order, and its extra choices."""
    out: list[Element] = []
    _collect(screen, out)
    extras: Callable[[], list[Choice]] | None = getattr(screen, "audio_extras", None)
    for words, action, near in extras() if extras else []:
        out.append(Element(f"{speakable(words)}，按钮", action, near))
    return out


def screen_script(screen: Widget, private_ok: bool) -> str:
    """What the screen says when it opens (elderly mode, audio navigation, 再听一遍): its title, its
    instruction, the words on it, what it adds (`spoken_extra`), then the choices."""
    found = [e for e in elements(screen) if private_ok or not e.private]
    heading = next((e.words for e in found if isinstance(e.widget.parent, Header) and e.action is None), "")
    words = [e.words for e in found if e.action is None and e.words != heading]
    choices = [e.words.removesuffix("，按钮") for e in found if e.action is not None and e.row < 0]
    keys = [c for c in choices if len(c) <= 1]  # letters and digits of an on-screen keyboard
    choices = [c for c in choices if len(c) > 1]
    rows = sum(1 for e in found if e.row == 0)
    extra: Callable[[], str] | None = getattr(screen, "spoken_extra", None)
    prompt = getattr(screen, "prompt", "")  # a Step's instruction (other screens may use the name for a widget)
    parts = [heading, prompt if isinstance(prompt, str) else "", *words, extra() if extra else ""]
    if rows:
        parts.append("屏幕上有可以选择的列表")
    if keys:
        parts.append("屏幕上有按键键盘")
    if choices:
        parts.append("可以选择：" + "、".join(choices[:MAX_CHOICES_READ]))
    return "。".join(p for p in parts if p)


class FocusRing(Widget):
    """A thick outline around the focused element (low-vision people follow it); takes no touches."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(size_hint=(None, None), **kwargs)
        with self.canvas:
            self.colour = Color(1.0, 0.75, 0.0, 1)
            self.line = Line(width=4)

    def around(self, x: float, y: float, width: float, height: float) -> None:
        pad = 6
        self.pos, self.size = (x - pad, y - pad), (width + 2 * pad, height + 2 * pad)
        self.line.rectangle = (*self.pos, *self.size)

    def on_touch_down(self, touch: object) -> bool:
        return False


def key_confirmation_png(width: int = 600, height: int = 200) -> bytes:
    """What the case keeps in place of a signature when a person confirmed by key (audio
    navigation): it says so, and looks like no signature at all."""
    picture = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((4, 4, width - 5, height - 5), outline=0, width=2)
    draw.text((24, height // 2 - 20), "CONFIRMED BY KEY (AUDIO NAVIGATION)", fill=0)
    draw.text((24, height // 2 + 4), f"{datetime.now():%Y-%m-%d %H:%M}", fill=0)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def headphones_plugged(source: str) -> bool | None:
    """Are headphones in? None when this system cannot tell (then only a key turns navigation on).

    `alsa`: the sound card's 'Headphone Jack' control (HDMI and the Pi's own jack have none; USB
    headsets and HDA codecs do); a path: a file holding 1/0 or on/off (a GPIO switch, the tests)."""
    if source == "off":
        return None
    if source != "alsa":
        try:
            return Path(source).read_text(encoding="ascii").strip().lower() in ("1", "on", "yes")
        except (OSError, UnicodeDecodeError):
            return None
    try:
        out = subprocess.run(["amixer", "-c", "0", "cget", "iface=CARD,name=Headphone Jack"], capture_output=True,
                             text=True, timeout=3)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r":\s*values=(on|off)", out.stdout)
    return found.group(1) == "on" if out.returncode == 0 and found else None


class AudioNav:
    """The spoken focus over the screen `current()` shows; `layer` holds the focus ring on top."""

    def __init__(self, speaker: Speaker, settings: AccessibilitySettings, current: Callable[[], Widget],
                 layer: Widget) -> None:
        self.speaker, self.settings, self.current, self.layer = speaker, settings, current, layer
        self.on = False
        self.headphones = False
        self.focus: Element | None = None
        self.ring = FocusRing()
        self._stop_polling = threading.Event()

    # ---- turning it on and off -------------------------------------------------------------

    def key_help(self) -> str:
        keys = "，".join(f"按{number}{KEY_NAMES[name]}" for number, name in
                        enumerate(self.settings.keypad_keys, start=1) if name in KEY_NAMES)
        return f"语音导航已打开。{keys}。"

    def start(self) -> None:
        if self.on:
            return
        self.on, self.focus = True, None
        if self.ring.parent is None:
            self.layer.add_widget(self.ring)
        self.ring.opacity = 0
        self.speaker.say(self.key_help() + screen_script(self.current(), self.private_ok))
        log.info("event=audio_navigation_on headphones=%s", self.headphones)

    def stop(self) -> None:
        """The session ended (or headphones came out): the next person starts without it."""
        if not self.on:
            return
        self.on, self.focus = False, None
        if self.ring.parent is not None:
            self.ring.parent.remove_widget(self.ring)
        log.info("event=audio_navigation_off")

    @property
    def private_ok(self) -> bool:
        """Personal words may be said only into headphones."""
        return self.headphones

    def watch_jack(self) -> None:
        """Poll the headphone jack in the background; plugging in turns audio navigation on."""
        if headphones_plugged(self.settings.headphone_jack) is None:
            log.info("event=headphone_detection_unavailable source=%s", self.settings.headphone_jack)
            return

        def poll() -> None:
            while not self._stop_polling.wait(JACK_POLL_SECONDS):
                plugged = headphones_plugged(self.settings.headphone_jack)
                if plugged is not None and plugged != self.headphones:
                    on_ui_thread(lambda p=plugged: self.plugged(p))

        threading.Thread(target=poll, name="headphone-jack", daemon=True).start()

    def plugged(self, plugged: bool) -> None:
        self.headphones = plugged
        if plugged:
            self.start()
        else:
            self.stop()

    def close(self) -> None:
        self._stop_polling.set()

    # ---- keys --------------------------------------------------------------------------------

    def keypad(self, number: int, rating_screen: bool) -> bool:
        """A rating-keypad key: True when audio navigation took it (off on the rating screen, the
        keys rate as printed; elsewhere the first press turns navigation on)."""
        if not self.on:
            if rating_screen:
                return False
            self.start()
            return True
        names = self.settings.keypad_keys
        if 1 <= number <= len(names):
            self.press(names[number - 1])
        return True

    def tactile(self, key_name: str) -> bool:
        """A key of the 4-key pad (a USB keyboard): True when it is one of the pad's keys."""
        try:
            index = self.settings.tactile_keys.index(key_name)
        except ValueError:
            return False
        if not self.on:
            self.start()
        else:
            self.press(("up", "down", "select", "back")[index])
        return True

    def press(self, name: str) -> None:
        if name in ("up", "down"):
            self.move(-1 if name == "up" else 1)
        elif name == "select":
            self.select()
        elif name == "back":
            self.back()
        elif name == "repeat":
            self.speaker.say(screen_script(self.current(), self.private_ok))
        elif name in ("louder", "quieter"):
            self.speaker.louder(1 if name == "louder" else -1)
            self.speaker.say("音量已调大" if name == "louder" else "音量已调小")

    def screen_changed(self) -> None:
        """A new screen: the focus starts again above its first element, and the screen is read."""
        self.focus = None
        self.ring.opacity = 0
        if self.on:
            self.speaker.say(screen_script(self.current(), self.private_ok))

    def _elements(self) -> list[Element]:
        return [e for e in elements(self.current()) if self.private_ok or not e.private or e.action]

    def move(self, step: int) -> None:
        found = self._elements()
        if not found:
            self.speaker.say("这一页没有可以选择的内容")
            return
        keys = [e.key for e in found]
        at = keys.index(self.focus.key) if self.focus is not None and self.focus.key in keys else -1
        target = at + step if at >= 0 else (0 if step > 0 else len(found) - 1)
        if not 0 <= target < len(found):
            self.speaker.say("已经是最后一项" if step > 0 else "已经是第一项")
            return
        self.focus = found[target]
        self._show_ring(self.focus)
        words = self.focus.words
        self.speaker.say(words if self.private_ok or not self.focus.private else "按钮")

    def select(self) -> None:
        focus = self.focus
        if focus is None or focus.action is None:
            self.speaker.say(focus.words if focus else "请先按下一项选择内容")
            return
        screen = self.current()
        focus.action()
        if self.current() is screen and self.focus is focus:  # the same screen: say what happened
            self.speaker.say(f"已选择，{focus.words.removesuffix('，按钮')}")

    def back(self) -> None:
        for widget in self.current().walk(restrict=True):
            if isinstance(widget, Header) and widget.back.parent is widget and widget.on_back is not None:
                widget.go_back()
                return
        self.speaker.say("这一步不能返回")

    # ---- the ring ------------------------------------------------------------------------------

    def _show_ring(self, element: Element) -> None:
        widget = element.widget
        if isinstance(widget, ItemRecycleView) and element.row >= 0:
            self._scroll_to_row(widget, element.row)
            box = widget.box
            row_height = box.default_size[1] + box.spacing
            top = box.height - element.row * row_height
            x, y = box.to_window(box.x, box.y + top - box.default_size[1])
            self.ring.around(x, y, box.width, box.default_size[1])
        else:
            scroller = widget.parent
            while scroller is not None and scroller is not widget.get_root_window() and \
                    not isinstance(scroller, ScrollView):
                scroller = scroller.parent
            if isinstance(scroller, ScrollView):
                scroller.scroll_to(widget, animate=False)
            x, y = widget.to_window(widget.x, widget.y)
            self.ring.around(x, y, widget.width, widget.height)
        self.ring.opacity = 1

    @staticmethod
    def _scroll_to_row(view: ItemRecycleView, row: int) -> None:
        box = view.box
        spare = box.height - view.height
        if spare <= 0:
            return
        row_height = box.default_size[1] + box.spacing
        from_top = max(0.0, row * row_height - (view.height - box.default_size[1]) / 2)
        view.scroll_y = max(0.0, min(1.0, 1 - from_top / spare))
