"""Drive the real app offscreen: start it, tap widgets, save PNGs (docs screenshots, UI tests).

No display is needed: SDL falls back to its offscreen driver on Mesa EGL. Kivy has one window per
process, so call `start()` once per process (tests run this in a subprocess).

    python -m ui.render --out docs/screenshots
    python -m ui.render --config high-contrast.toml --out DIR   ([display] high_contrast = true)
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from terminal import config as config_module
from terminal.config import Config
from terminal.session import Session
from ui.window import prepare

if TYPE_CHECKING:  # Kivy widgets load only after prepare() has set the window up
    from kivy.uix.behaviors import ButtonBehavior

    from ui.app import TerminalApp


def start(config: Config, session: Session | None = None) -> TerminalApp:
    """Build the app in this process's (offscreen) window and draw the first frames."""
    prepare(config, windowed=True)
    from kivy.base import EventLoop

    from terminal.assembly.kiosk import make_session
    from ui.app import TerminalApp

    EventLoop.ensure_window()
    from kivy.core.window import Window

    app = TerminalApp(config, session or make_session(config))
    Window.add_widget(app.build())
    pump()
    return app


def pump(frames: int = 3) -> None:
    """Let Kivy lay out and draw (the clock runs, bindings fire)."""
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def buttons(app: TerminalApp) -> Iterator[ButtonBehavior]:
    from kivy.uix.behaviors import ButtonBehavior

    for widget in app.root_widget.walk():
        if isinstance(widget, ButtonBehavior):
            yield widget


def find_button(app: TerminalApp, text: str) -> ButtonBehavior:
    """The first visible button whose text starts with `text` (a subtitle may follow)."""
    for button in buttons(app):
        if button.text.startswith(text) and button.get_root_window() is not None:
            return button
    raise LookupError(f"no button {text!r} on screen {app.manager.current}")


def tap(app: TerminalApp, text: str) -> None:
    """Touch a button as a finger would: down and up at its centre, through Kivy's input path."""
    from ui.finger import tap_at

    pump()  # lay out first: a screen redrawn a moment ago has its buttons at (0, 0) until then
    button = find_button(app, text)
    tap_at(*button.to_window(*button.center))
    settle()


def settle(seconds: float = 0.25) -> None:
    """Frames for a quarter second of real time: a scroll view hands a tap on to its buttons only after
    its scroll timeout (it waits to tell a tap from a swipe)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pump(1)
        time.sleep(0.01)


def save(app: TerminalApp, path: Path) -> Path:
    pump()
    path.parent.mkdir(parents=True, exist_ok=True)
    app.root_widget.export_to_png(str(path))
    from PIL import Image

    with Image.open(path) as shot:  # 256 colours: a third of the size, text still crisp
        compact = shot.convert("RGB").quantize(256)
    compact.save(path, optimize=True)
    return path


def render_docs(config: Config, out: Path) -> list[Path]:
    """Home, browse, search and guide, normal and elderly: the screenshots in docs/screenshots."""
    app = start(config)
    session = app.session
    shots = [save(app, out / "home.png")]
    tap(app, "办事指南")
    shots.append(save(app, out / "browse.png"))
    tap(app, "搜索")
    for letter in "hkdj":
        tap(app, letter)
    shots.append(save(app, out / "search.png"))
    results = session.search_results
    session.choose_item(next((i for i in results if i.guide is not None), results[0]))
    shots.append(save(app, out / "guide.png"))
    session.cancel()
    tap(app, "长辈模式")
    shots.append(save(app, out / "home-elderly.png"))
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description="render screens offscreen to PNG")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--config", help="TOML configuration (default: built-in)")
    args = parser.parse_args()
    config = config_module.load(args.config)
    # A throwaway data folder: rendering must not touch the kiosk's outbox or case numbers.
    storage = dataclasses.replace(config.storage, data_dir=Path(tempfile.mkdtemp(prefix="render-")))
    for path in render_docs(dataclasses.replace(config, storage=storage), args.out):
        print(path)


if __name__ == "__main__":
    main()
