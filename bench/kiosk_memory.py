"""What the kiosk process holds at its home screen, stage by stage, offscreen with simulated devices.

    .venv/bin/python bench/kiosk_memory.py [--python]

The start path of `terminal run` (ui.window.prepare, the window, ui.kiosk, make_kiosk, build,
first frames), without the demo's central server. Prints the resident memory after each stage
and what it added, the heavy libraries loaded by then, and at the home screen the largest
mappings (a shared library's resident pages count as much as the Python heap); with `--python`,
the Python allocations by package (tracemalloc from the first import on: its own bookkeeping
inflates the resident figures, so they are measured without it by default).
"""

from __future__ import annotations

import sys
import tracemalloc

if "--python" in sys.argv:
    tracemalloc.start()

import collections
import gc
import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_ARGS", "1")

HEAVY = ("numpy", "cv2", "pypinyin", "smartcard", "escpos", "PIL", "qrcode", "requests", "cryptography", "kivy",
         "serial", "usb", "yaml", "jsonschema", "sqlite3")


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def mappings_mb() -> collections.Counter[str]:
    """Resident MB per mapped file ([anon] and [heap] for the rest)."""
    resident: collections.Counter[str] = collections.Counter()
    name = "[anon]"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and not fields[0].endswith(":"):
            name = fields[5].rsplit("/", 1)[-1] if len(fields) > 5 else "[anon]"
        elif fields and fields[0] == "Rss:":
            resident[name] += int(fields[1]) / 1024
    return resident


def python_mb_by_package() -> list[tuple[str, float]]:
    """Live Python allocations grouped by top-level package (site-packages name or repo folder)."""
    sizes: collections.Counter[str] = collections.Counter()
    for stat in tracemalloc.take_snapshot().statistics("filename"):
        path = stat.traceback[0].filename
        if "site-packages/" in path:
            key = path.split("site-packages/", 1)[1].split("/", 1)[0]
        elif path.startswith(str(REPO)):
            key = path[len(str(REPO)) + 1:].split("/", 1)[0] + "/"
        else:
            key = "(python)"
        sizes[key] += stat.size / 2**20
    return sizes.most_common(12)


def main() -> None:
    from bench.soak import as_the_unit_starts_it

    as_the_unit_starts_it()  # the allocator and renderer settings of systemd/gov-terminal-kiosk.service
    last = [resident_mb()]

    def stage(name: str) -> None:
        now = resident_mb()
        heavy = sorted(m for m in HEAVY if m in sys.modules)
        print(f"  {name:<34} {now:7.1f} MB  {now - last[0]:+7.1f}   {' '.join(heavy)}", flush=True)
        last[0] = now

    print(f"{'stage':<36} {'resident':>10} {'added':>7}   heavy libraries loaded")
    stage("python")
    from terminal import config as config_module
    from terminal.config import with_simulated_devices

    config = with_simulated_devices(config_module.load(None))
    import dataclasses

    work = Path(tempfile.mkdtemp(prefix="kiosk-memory-"))
    config = dataclasses.replace(config, storage=dataclasses.replace(config.storage, data_dir=work, min_free_mb=10),
                                 display=dataclasses.replace(config.display, fullscreen=False))
    stage("terminal.config")
    from ui.window import prepare

    prepare(config, windowed=True)
    stage("ui.window.prepare (Kivy, font)")
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    stage("window (SDL, GL)")
    from ui.kiosk import make_kiosk

    stage("import ui.kiosk (screens, drivers)")
    app = make_kiosk(config)
    stage("make_kiosk (catalog, outbox)")
    from kivy.core.window import Window

    Window.add_widget(app.build())
    stage("build (screens)")
    from ui.render import pump

    pump()
    gc.collect()
    stage("first frames: home screen")
    print("\nlargest resident mappings at home (MB):")
    for name, mb in mappings_mb().most_common(12):
        print(f"  {mb:7.1f}  {name}")
    if tracemalloc.is_tracing():
        print("\nPython allocations at home by package (tracemalloc, MB):")
        for name, mb in python_mb_by_package():
            print(f"  {mb:7.1f}  {name}")
    app.hardware.close()


if __name__ == "__main__":
    main()
