"""Kiosk UI figures, offscreen with simulated devices: start to home, screen changes, preview rate, memory.

    .venv/bin/python bench/ui.py [--preview-seconds 5]
    .venv/bin/python bench/ui.py --leak 8      (only: what stays alive per application)

Prints: seconds from process start to the first drawn home screen; for every screen the journey
opens, the time to build it (the screen change) and to draw the next frame; the materials screen's
preview frame rate while page detection runs, with the detection time per frame; the resident
memory of the running kiosk after a whole application. With --leak N: N applications through
ui.demo, and after each (a full collection first) the live Python objects and the resident
memory; at the end the growth per application over the second half and the types that grew.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402 (the clock starts before the imports: they are part of start-up)
import collections  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_ARGS", "1")


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preview-seconds", type=float, default=5.0)
    parser.add_argument("--leak", type=int, default=0, metavar="N", help="measure growth over N applications")
    parser.add_argument("--as-is", action="store_true",
                        help="without the memory settings of systemd/gov-terminal-kiosk.service (MALLOC_*, LP_*)")
    args = parser.parse_args()
    if not args.as_is:
        from bench.soak import as_the_unit_starts_it

        as_the_unit_starts_it()  # measured as the kiosk runs in the field

    from terminal import config as config_module
    from ui.demo import Driver, apply, demo_config, start_kiosk
    from ui.render import pump

    work = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    config = demo_config(config_module.load(None), work)
    app = start_kiosk(config)
    print(f"start to home screen: {time.perf_counter() - STARTED:.2f} s (imports, window, catalog, first frame)")
    home_mb = resident_mb()
    if args.leak:
        leak(app, args.leak)
        return

    from kivy.core.window import Window

    pending: dict[str, tuple[str, float]] = {}
    on_screen: dict[str, list[float]] = {}
    original_show = app.show

    def timed_show(name: str) -> None:
        started = time.perf_counter()
        original_show(name)
        pending["change"] = (app.manager.current, started)

    def flipped(*_: object) -> None:
        """The first frame on the glass after a screen change: the change is complete."""
        if "change" in pending:
            name, started = pending.pop("change")
            on_screen.setdefault(name, []).append((time.perf_counter() - started) * 1000)

    collections_ms: list[float] = []  # full (generation 2) collections: they pause the UI thread

    def collector(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                pending["gc"] = ("", time.perf_counter())
            elif "gc" in pending:
                collections_ms.append((time.perf_counter() - pending.pop("gc")[1]) * 1000)

    gc.callbacks.append(collector)
    app.show = timed_show  # type: ignore[method-assign]  # the bench wraps show to time it
    for page in app.manager.screens:  # browse <-> search: the screens' own navigate callback
        page.navigate = timed_show
    Window.bind(on_flip=flipped)
    driver = Driver(app)
    for _ in range(2):  # the second pass shows the steady state (fonts and textures cached)
        apply(driver, "hkdj")
        app.session.cancel()

    print("screen changes, touch to the new screen's first frame (build + draw), worst of two passes:")
    built: dict[str, float] = {}
    for name, seconds in app.screen_changes:
        built[name] = max(built.get(name, 0.0), seconds * 1000)
    for name, times in sorted(on_screen.items(), key=lambda kv: -max(kv[1])):
        ms = max(times)
        flag = "" if ms < 100 else "   <-- over 100 ms"
        every = " ".join(f"{t:.0f}" for t in times)
        print(f"  {name:<10} {ms:6.1f} ms   (of which building the widgets {built.get(name, 0.0):5.1f} ms; "
              f"each time: {every}){flag}")
    gc.callbacks.remove(collector)
    print(f"full garbage collections during the two passes: {len(collections_ms)}, "
          f"worst {max(collections_ms, default=0.0):.0f} ms")

    # The materials screen again, with nothing scanned: preview frames per second while detecting.
    session = app.session
    session.cancel()
    from terminal.session import State
    from ui.demo import agree, fill_item_fields

    for letter in ("我要办事",):
        driver.tap(letter)
    driver.tap("搜索")
    for letter in "hkbbf":
        driver.tap(letter)
    driver.tap("户口簿补发")
    driver.tap("开始办理")
    agree(driver, shots=False)
    driver.wait("the reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    app.hardware.reader.simulator.place("resident")
    driver.wait("the form", driver.state_is(State.FORM))
    driver.type_digits("13800138000")
    fill_item_fields(driver)
    driver.tap("下一步")
    driver.wait("the preview", lambda: driver.screen().frames_drawn > 2)
    scanner = app.hardware.scanner
    assert scanner is not None
    scanner.auto = False  # measure the preview itself, not captures
    screen = driver.screen()
    analyse: list[float] = []
    original_preview = screen.on_preview

    def counting(preview: object) -> None:
        analyse.append(preview.analyse_ms)  # type: ignore[attr-defined]  # a ui.hardware.Preview
        original_preview(preview)

    screen.on_preview = counting
    scanner.on_preview = counting
    before, started = screen.frames_drawn, time.perf_counter()
    frames: list[float] = []
    while time.perf_counter() - started < args.preview_seconds:
        t = time.perf_counter()
        pump(1)
        frames.append((time.perf_counter() - t) * 1000)
    elapsed = time.perf_counter() - started
    fps = (screen.frames_drawn - before) / elapsed
    camera_fps = float(config.devices.camera.address.options.get("fps", "15"))
    print(f"materials preview: {fps:.1f} frames/s drawn (camera delivers {camera_fps:.0f}/s), detection "
          f"{statistics.median(analyse):.1f} ms median / {max(analyse):.1f} ms worst per frame, UI frame "
          f"{statistics.median(frames):.1f} ms median / {max(frames):.1f} ms worst")
    print(f"resident memory of the running kiosk: {home_mb:.0f} MB at the first home screen, "
          f"{resident_mb():.0f} MB after two applications and the preview run")
    session.cancel()
    pump()
    app.hardware.close()


def leak(app: object, runs: int) -> None:
    """What one application leaves behind, once the kiosk is back at home and collected."""
    from ui.demo import Driver, apply
    from ui.render import pump

    driver = Driver(app)
    counts: dict[int, tuple[int, float, collections.Counter[str]]] = {}
    half = max(1, runs // 2)
    for run in range(1, runs + 1):
        started = time.perf_counter()
        apply(driver, "hkdj")
        app.session.cancel()  # type: ignore[attr-defined]  # the kiosk app has a session
        pump(5)
        gc.collect()
        objects = gc.get_objects()
        counts[run] = (len(objects), resident_mb(), collections.Counter(type(o).__name__ for o in objects)
                       if run in (half, runs) else collections.Counter())
        del objects
        print(f"application {run:3}: {counts[run][0]:8} objects  {counts[run][1]:7.1f} MB  "
              f"({time.perf_counter() - started:.1f} s)", flush=True)
    if runs > half:
        span = runs - half
        print(f"growth per application over {half}..{runs}: {(counts[runs][0] - counts[half][0]) / span:.0f} objects, "
              f"{(counts[runs][1] - counts[half][1]) / span:.2f} MB")
        print("types that grew:", (counts[runs][2] - counts[half][2]).most_common(10))
    app.hardware.close()  # type: ignore[attr-defined]  # the kiosk app has hardware


if __name__ == "__main__":
    main()
