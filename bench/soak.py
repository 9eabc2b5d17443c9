"""Soak: many applications in ONE kiosk process, offscreen, with device faults mixed in by a seed.

    .venv/bin/python bench/soak.py [--runs 500] [--seed 1] [--fast]

A 24-hour kiosk runs for months without a restart, so what one application leaves behind
(memory, Python objects, open files, threads, slower screen changes, disk writes) is what kills it.
Each application goes through the real screens with touches (ui.demo): search, ID card, form,
two scanned materials, signature, submit, receipt, rating. A seeded choice mixes in the faults a
kiosk meets -- printer out of paper or mute mid-job, the card lifted mid-read, the camera unplugged
and back, nobody touching the form until the idle wipe, a rating with reasons -- and now and then
a progress query or a complaint. Every application ends back at the home screen: when a step
does not happen in time, the row says FAILED and what was awaited, the session is cancelled and
the next person starts at home (a soak finds defects other than leaks too).

The reference central server and the sync service run in a child process (on a kiosk they are
other processes too), so only the kiosk's own memory and disk writes are counted.

Per application it prints: resident memory (MB), live Python objects (after gc.collect(),
frozen ones included), open files, threads, the worst screen change (touch to the first frame of
the new screen, ms), bytes written to disk (/proc/self/io write_bytes) and the encrypted size of
the case. At the end: growth per application over the second half (least squares), peak and
home memory, and PASS/FAIL against the targets of issue 12.

The kiosk process runs with the allocator and renderer settings of its systemd unit
(MALLOC_*, LP_* in systemd/gov-terminal-kiosk.service; the soak starts itself again with them):
what is measured is what a kiosk in the field runs. `--as-is` measures without them.

`--fast` lets Kivy draw frames as fast as it can instead of at 60 per second and the simulated
camera play at 30 instead of 15 frames per second (each page still lies still 1.5 s for
auto-capture): the same screens and touches, in about half the time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_ARGS", "1")

UNIT = REPO / "systemd" / "gov-terminal-kiosk.service"
MEMORY_SETTINGS = ("MALLOC_", "LP_")  # glibc's allocator and Mesa's llvmpipe: read only when the process starts
# Where the kiosk writes besides its data folder: no Kivy log file, Mesa's shader cache in the
# runtime folder (%t, a tmpfs): the soak counts the disk writes a kiosk in the field makes.
WRITE_SETTINGS = ("KIVY_NO_FILELOG", "XDG_CACHE_HOME")
RUNTIME = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())  # %t of the unit
FAST_CAMERA = "sim?hold=45&fps=30"  # 1.5 s per synthetic page: auto-capture needs 0.8 s of stillness
# One fault (or none) per application, drawn by the seed; "none" twice as likely as each fault.
FAULTS = ("none", "none", "paper_out", "printer_mute", "card_removed", "camera_unplugged", "idle_in_form",
          "bad_rating")
EXTRA_PROGRESS, EXTRA_COMPLAINT = 0.3, 0.2  # chance of a progress query / complaint after an application


# ---- what the process holds ----------------------------------------------------------------

def resident_mb() -> float:
    return _status("VmRSS") / 1024


def threads() -> int:
    return _status("Threads")


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def written_bytes() -> int:
    """Bytes this process caused to be written to the block device (SD-card wear)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise KeyError("write_bytes")


def live_objects() -> int:
    """Objects the collector tracks once collections free nothing more (one pass left some 15,000 of
    a screen's dead Kivy objects counted), frozen ones (gc.freeze) included."""
    for _ in range(5):
        if not gc.collect():
            break
    return len(gc.get_objects()) + gc.get_freeze_count()


@dataclass
class Row:
    n: int
    scenario: str  # the fault, and "FAILED: what" when a step did not happen (the person was sent home)
    rss_mb: float
    objects: int
    files: int
    threads: int
    worst_change_ms: float
    written_kb: float
    case_kb: float  # the encrypted case in the outbox (manifest + attachments); 0 without a case
    seconds: float

    def line(self) -> str:
        return (f"{self.n:5d} {self.scenario.split(':')[0]:<24} {self.rss_mb:8.1f} {self.objects:9d} {self.files:5d} "
                f"{self.threads:4d} {self.worst_change_ms:8.1f} {self.written_kb:9.1f} {self.case_kb:8.1f} "
                f"{self.seconds:6.1f}")


HEADER = (f"{'app':>5} {'scenario':<24} {'rss MB':>8} {'objects':>9} {'files':>5} {'thr':>4} {'worst ms':>8} "
          f"{'disk KB':>9} {'case KB':>8} {'s':>6}")


def unit_memory_settings(unit: Path = UNIT) -> dict[str, str]:
    """The allocator, renderer and write-location variables the kiosk's systemd unit starts
    `terminal run` with (its runtime folder %t is a tmpfs here too)."""
    settings: dict[str, str] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if line.startswith("Environment="):
            for word in shlex.split(line.removeprefix("Environment=")):
                name, _, value = word.partition("=")
                if name.startswith(MEMORY_SETTINGS) or name in WRITE_SETTINGS:
                    settings[name] = value.replace("%t", str(RUNTIME / f"soak-{os.getuid()}"))
    return settings


def as_the_unit_starts_it() -> None:
    """Run this process again with the unit's memory settings unless it has them (glibc and Mesa
    read them at start-up only): the soak measures the kiosk as systemd runs it."""
    settings = unit_memory_settings()
    if "XDG_CACHE_HOME" in settings:  # systemd makes the runtime folder; Mesa makes one level only
        Path(settings["XDG_CACHE_HOME"]).mkdir(parents=True, exist_ok=True)
    if any(os.environ.get(name) != value for name, value in settings.items()):
        os.execve(sys.executable, sys.orig_argv, {**os.environ, **settings})


# ---- the platform next door ----------------------------------------------------------------

def serve_platform(work: Path) -> None:
    """Child process: the reference central server and the kiosk's sync service, until stdin closes."""
    from sync.outbox import Outbox
    from sync.service import SyncService
    from terminal import config as config_module
    from ui.demo import demo_config, start_central

    central, secret_file = start_central(work / "central")
    config = demo_config(config_module.load(None), work, central.url, secret_file)
    stop = threading.Event()
    sync = threading.Thread(target=SyncService(config, Outbox.from_config(config), stop=stop).run, daemon=True)
    sync.start()
    print(central.url, flush=True)
    sys.stdin.read()
    stop.set()
    sync.join(10)
    central.stop()


class Platform:
    def __init__(self, work: Path) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--platform", "--work", str(work)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise RuntimeError("the platform process did not start")
        self.secret_file = work / "central" / "platform.secret"

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(20)


# ---- the kiosk and its person --------------------------------------------------------------

class Kiosk:
    """The kiosk in this process, a person at it, a clock that can jump, and the screen-change stopwatch."""

    def __init__(self, work: Path, platform: Platform | None, fast: bool) -> None:
        import dataclasses

        from terminal import config as config_module
        from terminal.devices import parse_address
        from ui.demo import Driver, demo_config, start_kiosk

        config = demo_config(config_module.load(None), work, platform.url if platform else "",
                             platform.secret_file if platform else None)
        if fast:
            devices = config.devices
            camera = dataclasses.replace(devices.camera, address=parse_address(FAST_CAMERA, "camera"))
            config = dataclasses.replace(config, devices=dataclasses.replace(devices, camera=camera))
        self.skew = 0.0  # added to the kiosk's idle clock: the idle wipe without waiting 110 s
        self.app = start_kiosk(config, clock=lambda: time.monotonic() + self.skew)
        if fast:
            from kivy.clock import Clock

            Clock._max_fps = 0  # draw the next frame at once instead of waiting for 1/60 s
        self.app.hardware.printer.connect()  # its simulator exists from now on: faults can be switched
        self.driver = Driver(self.app)
        self.changes: list[float] = []
        self._watch_screen_changes()

    def _watch_screen_changes(self) -> None:
        """Touch (show) to the first frame drawn after it, like bench/ui.py."""
        from kivy.core.window import Window

        app, pending = self.app, []
        original = app.show

        def timed_show(name: str) -> None:
            started = time.perf_counter()
            original(name)
            pending[:] = [started]

        def flipped(*_: object) -> None:
            if pending:
                self.changes.append((time.perf_counter() - pending.pop()) * 1000)

        app.show = timed_show
        Window.bind(on_flip=flipped)

    def worst_change(self) -> float:
        worst = max(self.changes, default=0.0)
        self.changes.clear()
        return worst

    def at_rest(self) -> None:
        """Home, and the kiosk's own collection at rest (ui.app: collect, then trim) has run: what a
        kiosk holds while it waits for the next person, measured the same way after every one."""
        self.driver.at_home()
        app = self.app
        self.driver.wait("the collection and trim at rest",
                         lambda: not app.collect_at_rest.is_triggered and not app.trim_at_rest.is_triggered, 10)

    def close(self) -> None:
        self.app.hardware.close()


# ---- the person's scenarios ----------------------------------------------------------------

def shows(app: Any, words: str) -> bool:
    return any(isinstance(text := getattr(w, "text", None), str) and words in text for w in app.root_widget.walk())


def to_identify(k: Kiosk) -> None:
    """Search for 户口登记 and start it: the card reader waits."""
    from ui.demo import agree, choose_item_by_search

    d, app = k.driver, k.app
    choose_item_by_search(d, "hkdj")
    d.tap("开始办理")
    agree(d, shots=False)  # the consent notice comes first
    d.wait("the ID-card reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)


def read_card(k: Kiosk, lifted: bool) -> None:
    """The card on the reader (first lifted mid-read when `lifted`, then a retry), on to the form."""
    d, app = k.driver, k.app
    if lifted:
        app.hardware.reader.simulator.faults.add("removed_mid_read")
        app.hardware.reader.simulator.place("resident")
        d.wait("the failed read in words", lambda: shows(app, "没有读出身份证"), 20)
        d.tap("再试一次")
        d.wait("a fresh reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    app.hardware.reader.simulator.place("resident")
    d.wait("the card to be read", d.state_is(_state("FORM")), 20)


def scan(k: Kiosk, unplug: bool) -> None:
    """The form filled, two materials scanned (the camera unplugged and back first when `unplug`)."""
    from drivers.camera import simulator as camera_simulator
    from ui.demo import fill_item_fields

    d, app, session = k.driver, k.app, k.app.session
    d.type_digits("13800138000")
    fill_item_fields(d)  # 变更姓名 asks the new name and the reason
    d.tap("下一步")
    d.wait("the materials screen", d.state_is(_state("MATERIALS")))
    if unplug:
        camera = app.settings.devices.camera.address.raw
        d.wait("a preview", lambda: d.screen().frames_drawn > 1)
        camera_simulator.unplug(camera, 600)
        try:
            d.wait("the camera fault in words", lambda: shows(app, "拍摄仪暂时不能使用"), 20)
        finally:
            camera_simulator.unplug(camera, 0)  # plugged in again: the scanner finds it by itself
        d.wait("the camera back", lambda: not shows(app, "拍摄仪暂时不能使用"), 30)
    d.wait("two materials scanned", lambda: sum(s.done for s in session.materials) >= 2, 90)
    d.tap("下一步")


def submit_and_print(k: Kiosk) -> str:
    """Sign, submit, print the receipt (or show it when the printer fails); the case number."""
    d, app = k.driver, k.app
    d.wait("the review screen", d.state_is(_state("REVIEW")))
    d.sign()
    d.tap("确认提交")
    d.wait("the case number", d.state_is(_state("SUBMIT")), 10)
    case_no = app.session.case.case_no
    d.tap("打印回执")
    receipt = d.screen()
    d.wait("the printer", lambda: receipt.result is not None, 30)
    if not receipt.result.printed:
        d.wait("the receipt on the screen", lambda: receipt.picture is not None, 30)
    return case_no


def application_with(k: Kiosk, lifted: bool = False, unplug: bool = False) -> str:
    to_identify(k)
    read_card(k, lifted)
    scan(k, unplug)
    return submit_and_print(k)


def with_printer_fault(k: Kiosk, fault: str) -> str:
    """The demo's application with the printer failing (paper out, or silent part way through a job)."""
    from ui.demo import apply

    printer = k.app.hardware.printer.simulator
    printer.set_faults(fault)
    try:
        return apply(k.driver, "hkdj")
    finally:
        printer.set_faults()


def idle_in_form(k: Kiosk) -> str:
    """Card read, half the phone number typed, then nobody: the countdown, then the wipe to home."""
    d, app = k.driver, k.app
    to_identify(k)
    read_card(k, lifted=False)
    d.type_digits("13800")
    k.skew += app.session.idle_limit + 1
    d.wait("the idle countdown", lambda: shows(app, "还要继续吗"), 10)
    k.skew += app.settings.timeouts.idle_warning_seconds + 1
    d.wait("the idle wipe", d.state_is(_state("HOME")), 10)
    return ""


def rate(k: Kiosk, reasons: bool) -> None:
    """From the receipt: 满意, or 不满意 with a reason (the screen asks for one)."""
    from ui.demo import rate as demo_rate

    d = k.driver
    if not reasons:
        demo_rate(d, "满意")
        return
    d.tap("评价本次服务" if d.screen().result.printed else "不要回执，继续")
    d.tap("不满意")
    d.tap("等候时间太长")
    d.tap("提交评价")
    d.tap("完成")


def complain(k: Kiosk) -> None:
    from ui.demo import complain as demo_complain

    demo_complain(k.driver, (("deng", "等"),))


def _state(name: str) -> Any:
    from terminal.session import State

    return State[name]


def one_application(k: Kiosk, fault: str, rng: random.Random | None, cases: list[str]) -> str:
    """One citizen from home to home with `fault`; extras by `rng` (none without). The case number ('' if none)."""
    from ui.demo import apply, query_progress

    k.driver.at_home()
    if fault == "idle_in_form":
        case_no = idle_in_form(k)
    else:
        if fault in ("paper_out", "printer_mute"):
            case_no = with_printer_fault(k, "paper_end" if fault == "paper_out" else "mute_mid_job")
        elif fault in ("card_removed", "camera_unplugged"):
            case_no = application_with(k, lifted=fault == "card_removed", unplug=fault == "camera_unplugged")
        else:
            case_no = apply(k.driver, "hkdj")
        rate(k, reasons=fault == "bad_rating")
    if rng is not None and cases and rng.random() < EXTRA_PROGRESS:
        query_progress(k.driver, rng.choice(cases[-20:]))
    if rng is not None and rng.random() < EXTRA_COMPLAINT:
        complain(k)
    k.driver.at_home()
    return case_no


def plan(runs: int, seed: int, faults: bool) -> Iterator[tuple[int, str]]:
    rng = random.Random(seed)
    for n in range(1, runs + 1):
        yield n, rng.choice(FAULTS) if faults else "none"


def run(runs: int, seed: int, fast: bool, work: Path, faults: bool = True,
        on_row: Callable[[Row], None] = lambda row: None) -> tuple[list[Row], float]:
    """`runs` applications; the rows, and the resident memory at the home screen before the first."""
    from ui.demo import DemoFailed

    platform = Platform(work) if faults else None  # plain applications make no progress queries
    kiosk: Kiosk | None = None
    rows: list[Row] = []
    try:
        kiosk = Kiosk(work, platform, fast)
        live_objects()
        home_mb = resident_mb()
        extras = random.Random(seed + 1) if faults else None
        cases: list[str] = []
        kiosk.worst_change()
        for n, fault in plan(runs, seed, faults):
            started, written = time.monotonic(), written_bytes()
            try:
                case_no = one_application(kiosk, fault, extras, cases)
            except DemoFailed as failure:  # counted as a failure; the next person starts at home
                case_no, fault = "", f"{fault} FAILED: {failure}"
                kiosk.app.session.cancel()
                kiosk.driver.at_home()
            kiosk.at_rest()
            record = kiosk.app.outbox.record(case_no) if case_no else None
            if case_no:
                cases.append(case_no)
            worst = kiosk.worst_change()
            row = Row(n, fault, 0.0, live_objects(), open_files(), threads(), round(worst, 1),
                      round((written_bytes() - written) / 1024, 1),
                      round((record.manifest_size + record.attachment_bytes) / 1024, 1) if record else 0.0,
                      round(time.monotonic() - started, 1))
            row.rss_mb = round(resident_mb(), 1)
            rows.append(row)
            on_row(row)
    finally:
        if kiosk is not None:
            kiosk.close()
        if platform is not None:
            platform.stop()
    return rows, home_mb


# ---- the verdict ---------------------------------------------------------------------------

def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares growth of ys per step of xs."""
    if len(xs) < 2:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


def verdict(rows: list[Row], home_mb: float, peak_mb: float) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target of issue 12."""
    half = rows[len(rows) // 2:]
    xs = [float(r.n) for r in half]
    mb = slope(xs, [r.rss_mb for r in half])
    objects = slope(xs, [float(r.objects) for r in half])
    # The issue compares application 500 with application 10. One application's worst change is one
    # sample of a machine shared with other work, so the verdict compares the medians of the
    # per-application worst over the first and the last 20 applications; both are printed.
    early = [r.worst_change_ms for r in rows[:20]]
    late = [r.worst_change_ms for r in rows[-20:]]
    early_ms, late_ms = statistics.median(early or [0.0]), statistics.median(late or [0.0])
    single = f"; single rows #10 {rows[9].worst_change_ms:.1f}, #{rows[-1].n} {rows[-1].worst_change_ms:.1f} ms" \
        if len(rows) >= 10 else ""
    files = slope(xs, [float(r.files) for r in half])
    threads_ = slope(xs, [float(r.threads) for r in half])
    over = [r for r in rows[1:] if r.written_kb > 2 * r.case_kb + 64]
    worst_over = max(over, key=lambda r: r.written_kb - 2 * r.case_kb, default=None)
    failed = [r.n for r in rows if "FAILED" in r.scenario]
    return [
        ("every application went through its scenario", f"{len(failed)} failed {failed[:10]}", not failed),
        ("memory growth <= 0.1 MB per application (2nd half)", f"{mb:+.3f} MB", mb <= 0.1),
        ("object growth <= 50 per application (2nd half)", f"{objects:+.1f}", objects <= 50),
        ("home screen <= 250 MB", f"{home_mb:.1f} MB", home_mb <= 250),
        ("peak <= 350 MB", f"{peak_mb:.1f} MB", peak_mb <= 350),
        ("open files and threads do not grow (2nd half)", f"{files:+.3f} files, {threads_:+.3f} threads",
         files <= 0.01 and threads_ <= 0.01),
        ("worst screen change, median of the per-application worst, last 20 vs first 20 applications, <= +10 %",
         (f"{late_ms:.1f} vs {early_ms:.1f} ms" if len(rows) >= 40 else "needs 40 applications") + single,
         len(rows) >= 40 and late_ms <= 1.1 * early_ms),
        ("disk writes <= 2 x encrypted case + 64 KB, every application after the first",
         f"{len(over)} over" + (f" (e.g. #{worst_over.n}: {worst_over.written_kb:.0f} KB, "
                                f"case {worst_over.case_kb:.0f} KB)" if worst_over else ""), not over),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fast", action="store_true", help="frames as fast as drawn, camera at 30 fps")
    parser.add_argument("--no-faults", action="store_true",
                        help="the same plain application every time: no faults, no extras, no platform")
    parser.add_argument("--json", type=Path, help="also write the rows and the verdict here")
    parser.add_argument("--as-is", action="store_true",
                        help="without the memory settings of systemd/gov-terminal-kiosk.service (MALLOC_*, LP_*)")
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--platform", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.platform:
        serve_platform(args.work)
        return 0
    if not args.as_is:
        as_the_unit_starts_it()
    work = args.work or Path(tempfile.mkdtemp(prefix="soak-"))
    settings = " ".join(f"{name}={os.environ[name]}" for name in sorted(unit_memory_settings()) if name in os.environ)
    print(f"soak: {args.runs} applications, seed {args.seed}{', fast' if args.fast else ''}, data in {work}; "
          f"{settings or 'no memory settings'}")
    print(HEADER, flush=True)
    peak = [0.0]

    where: list[tuple[str, float]] = []

    def printed(row: Row) -> None:
        peak[0] = max(peak[0], row.rss_mb, _status("VmHWM") / 1024)
        print(row.line(), flush=True)
        if row.n == args.runs:  # where the memory is, at rest after the last application
            from bench.kiosk_memory import mappings_mb

            where[:] = mappings_mb().most_common(8)

    started = time.monotonic()
    rows, home_mb = run(args.runs, args.seed, args.fast, work, not args.no_faults, printed)
    results = verdict(rows, home_mb, peak[0])
    print(f"\n{len(rows)} applications in {time.monotonic() - started:.0f} s; home screen {home_mb:.1f} MB before "
          f"the first, {rows[-1].rss_mb:.1f} MB after the last; peak {peak[0]:.1f} MB (VmHWM)")
    for target, measured, met in results:
        print(f"  {'PASS' if met else 'FAIL'}  {target}: {measured}")
    print("  resident after the last application by mapping (MB; libLLVM and swrast_dri are Mesa's software GL, "
          "whose textures and compiled shaders are in [heap] and [anon] too): "
          + ", ".join(f"{name} {mb:.0f}" for name, mb in where))
    for row in rows:
        if "FAILED" in row.scenario:
            print(f"  application {row.n}: {row.scenario}")
    if args.json:
        args.json.write_text(json.dumps({"rows": [asdict(r) for r in rows], "home_mb": home_mb, "peak_mb": peak[0],
                                         "verdict": results}, ensure_ascii=False, indent=1))
    return 0 if all(met for _, _, met in results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # Kivy swallows stderr without a console log: say what broke on stdout
        import traceback

        print(traceback.format_exc(), flush=True)
        sys.exit(2)
