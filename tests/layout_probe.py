"""Run the demo's whole journey at one panel size with the layout checker on every screenshot, in
normal, high-contrast and elderly mode, and report the findings as JSON (one Kivy window per process).

Used by tests/test_layout.py. Usage: python -m tests.layout_probe OUT_DIR 1080x1920
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from terminal import config as config_module
from terminal.devices import parse_address
from terminal.fonts import find_cjk_font
from terminal.panel import pixels_per_inch
from ui.demo import Driver, panel_config, run_demo


def checking(findings: list[str], screens: list[str]) -> Callable[[Driver], Callable[[str, Path | None], None]]:
    """What each screenshot is shown to: the checker in the theme in force, and for a screen in
    normal mode also in high contrast (the same screen restyled in place, then back)."""

    def for_driver(driver: Driver) -> Callable[[str, Path | None], None]:
        from kivy.core.window import Window  # (the kiosk has made the window by now)

        from ui.layoutcheck import Checker
        from ui.render import pump, save
        from ui.theme import HIGH_CONTRAST, glyph_ratio

        app = driver.app
        terms = tuple(item.title for item in app.session.catalog.items if len(item.title) <= 12)  # (as ui.linebreak)
        display = app.settings.display
        dpi = pixels_per_inch(display, display.width, display.height)
        glyph = glyph_ratio(str(find_cjk_font(display.font)))

        def check(name: str, png: Path | None) -> None:
            themes = [("", app.theme)]
            if not driver.elderly:
                themes.append(("-high-contrast", dataclasses.replace(app.theme, palette=HIGH_CONTRAST)))
            normal = app.theme
            for suffix, theme in themes:
                if theme is not normal:
                    app.style.theme = theme
                    pump()
                    png = save(app, png.with_name(f"{name}{suffix}.png")) if png is not None else None
                screens.append(f"{name}{suffix}")
                checker = Checker(theme, dpi, glyph, terms)
                findings.extend(str(f) for f in checker.check(f"{name}{suffix}", app.root_widget, png))
            if app.theme is not normal:
                app.style.theme = normal
                pump()
            assert Window.size == (app.settings.display.width, app.settings.display.height)

        return check

    return for_driver


def main(out: Path, display: str) -> None:
    faulthandler.dump_traceback_later(600, exit=True)
    config = panel_config(config_module.load(None), display)
    a4 = dataclasses.replace(config.devices.a4printer, address=parse_address("sim", "a4printer"))
    config = dataclasses.replace(config, devices=dataclasses.replace(config.devices, a4printer=a4))  # (its screens too)
    findings: list[str] = []
    screens: list[str] = []
    summary = run_demo(config, out / "shots", out / "work", on_shot=checking(findings, screens))
    print(json.dumps({"ok": summary["ok"], "findings": findings, "screens": screens}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    try:
        main(Path(sys.argv[1]), sys.argv[2])
    except BaseException:  # Kivy swallows stderr without a console log: say what broke on stdout
        print(traceback.format_exc(), flush=True)
        raise
