"""Kivy set-up that must happen before the window exists: size, full screen, the CJK font.

Kivy creates its window when `kivy.core.window` is first imported, so `prepare()` runs before
any screen module is imported (ui.app imports them). Without a display, SDL falls back to its
offscreen driver on Mesa EGL, which is how docs screenshots and UI tests render.
"""

from __future__ import annotations

import os
import tempfile

from terminal.config import Config
from terminal.fonts import find_cjk_font

FONT_NAME = "cjk"  # the Kivy font name every widget uses


def prepare(config: Config, *, windowed: bool) -> str:
    """Configure Kivy for this terminal and register the CJK font; returns the font file used."""
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    font = find_cjk_font(config.display.font)  # FontMissing (a clear error) before any window opens
    from kivy.config import Config as KivyConfig

    display = config.display
    fullscreen = display.fullscreen and not windowed
    KivyConfig.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    KivyConfig.set("graphics", "width", str(display.width))
    KivyConfig.set("graphics", "height", str(display.height))
    KivyConfig.set("kivy", "exit_on_escape", "0")  # Esc must not drop a citizen to a desktop
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")
    KivyConfig.set("graphics", "multisamples", "0")
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(FONT_NAME, str(font))
    LabelBase.register(DEFAULT_FONT, str(font))  # anything that forgets font_name still shows Chinese
    from ui.labelmemory import release_label_surfaces

    release_label_surfaces()
    from ui.linebreak import install

    install()  # every label breaks its lines between words
    return str(font)
