"""Run the real app offscreen in its own process and report what it drew and did, as JSON.

Used by tests/test_ui_home.py (Kivy has one window per process, so UI checks run here, not in
the pytest process). Usage: python -m tests.ui_home_probe OUT_DIR
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

from terminal import config as config_module
from terminal.session import State


def ink_difference(a: Path, b: Path) -> float:
    """Share of pixels that differ clearly between two same-sized PNGs."""
    from PIL import Image, ImageChops

    diff = ImageChops.difference(Image.open(a).convert("L"), Image.open(b).convert("L"))
    return diff.point(lambda v: 255 if v > 40 else 0).histogram()[255] / (diff.width * diff.height)


def glyph_textures_differ(font_name: str) -> bool:
    """Do two different characters draw differently in this font? (Missing glyphs are identical boxes.)"""
    from kivy.core.text import Label as CoreLabel

    def pixels(char: str) -> bytes:
        label = CoreLabel(text=char, font_name=font_name, font_size=64)
        label.refresh()
        return bytes(label.texture.pixels)

    return pixels("办") != pixels("南")


def main(out: Path) -> None:
    started = time.monotonic()
    base = config_module.load(None)
    config = dataclasses.replace(base, storage=dataclasses.replace(base.storage, data_dir=out / "data"))
    from terminal.assembly.kiosk import make_session
    from ui import render

    clock = [1000.0]  # the idle clock, moved by hand below
    app = render.start(config, make_session(config, clock=lambda: clock[0]))
    report: dict[str, object] = {"start_seconds": round(time.monotonic() - started, 2)}
    session = app.session
    render.save(app, out / "home.png")

    # The same home button drawn with Kivy's Roboto (no Chinese glyphs) instead of the CJK font.
    import kivy
    roboto = str(Path(kivy.__file__).parent / "data" / "fonts" / "Roboto-Regular.ttf")
    button = render.find_button(app, "办事指南")
    render.pump()
    button.export_to_png(str(out / "button-cjk.png"))
    cjk_font = button.font_name
    button.font_name = roboto
    render.pump()
    button.export_to_png(str(out / "button-roboto.png"))
    button.font_name = cjk_font
    render.pump()
    report["button_difference"] = ink_difference(out / "button-cjk.png", out / "button-roboto.png")
    report["cjk_glyphs_distinct"] = glyph_textures_differ(cjk_font)
    report["roboto_glyphs_distinct"] = glyph_textures_differ(roboto)

    t = time.monotonic()
    render.tap(app, "办事指南")
    report["tap_seconds"] = round(time.monotonic() - t, 3)
    report["after_guide_tap"] = [app.manager.current, session.state.value, session.journey and session.journey.value]
    render.tap(app, "搜索")
    report["search_screen"] = app.manager.current
    typed_counts = []
    for letter in "hkdj":
        render.tap(app, letter)
        typed_counts.append(len(session.search_results))
    report["typed"] = session.search_text
    report["result_counts"] = typed_counts
    report["results_on_screen"] = [b.text.split("\n")[0] for b in render.buttons(app) if "户口" in b.text]
    render.save(app, out / "search.png")
    with_guide = next(i for i in session.search_results if i.guide is not None)
    render.tap(app, with_guide.title)
    report["after_result_tap"] = [app.manager.current, session.state.value, session.item.title if session.item else ""]
    texts = [w.text for w in app.root_widget.walk() if hasattr(w, "text")]
    report["guide_sample"] = with_guide.guide.sample
    report["guide_badge"] = "样例" in texts
    report["guide_materials"] = [len(with_guide.guide.materials),
                                 sum(1 for t in texts if any(m.name in t for m in with_guide.guide.materials))]

    # Idle: the countdown covers the screen, a touch continues, then no touch wipes and goes home.
    timeouts = config.timeouts
    clock[0] += timeouts.idle_seconds
    app._tick(0)
    render.pump()
    report["idle_overlay"] = [app.overlay is not None, app.countdown.text if app.overlay else ""]
    render.save(app, out / "idle.png")
    render.tap(app, "继续办理")
    report["after_continue"] = [app.overlay is None, session.state.value]
    clock[0] += timeouts.idle_seconds + timeouts.idle_warning_seconds
    app._tick(0)
    app._tick(0)
    render.pump()
    report["after_idle"] = [app.manager.current, session.state.value, session.has_personal_data(), app.overlay is None]

    # Elderly mode from the home screen: 1.5x text, larger targets.
    normal_size = render.find_button(app, "办事指南").font_size
    render.tap(app, "长辈模式")
    report["elderly"] = [session.elderly, render.find_button(app, "办事指南").font_size / normal_size]
    session.set_elderly(False)
    render.tap(app, "办事指南")
    render.tap(app, "回到首页")
    report["after_home"] = [app.manager.current, session.state == State.HOME, session.has_personal_data()]
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
