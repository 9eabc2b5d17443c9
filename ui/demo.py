"""A whole citizen session with simulated devices, offscreen, with nobody at the screen.

`terminal demo` and the UI tests drive the real kiosk through here: touches go through Kivy's
input path to the real screens, the ID card is placed on the simulated reader, the simulated
camera plays synthetic documents, the simulated printer prints, and the case travels through the
outbox to a reference central server on a free 127.0.0.1 port. Kivy has one window per process:
build one kiosk per process with `start_kiosk`.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal.config import Config, with_simulated_devices
from terminal.devices import parse_address
from terminal.session import State

if TYPE_CHECKING:  # the central server (FastAPI, ~20 MB) is imported only by start_central, never by the kiosk
    from drivers.printer.simulator import PrinterSimulator
    from gov_central.server import CentralStore
    from sync.httpserver import ServerThread
    from ui.kiosk import KioskApp

SECRET = b"demo-shared-secret-not-for-production"
CAMERA_SIM = "sim?hold=30"  # each synthetic page lies still for 2 s at 15 fps: long enough for auto-capture
CARD_SIM = "sim?card=none"  # no card until the demo places one
STEP_SECONDS = 60.0


class DemoFailed(Exception):
    """Something the demo waited for did not happen (the message says what)."""


@dataclass
class Central:
    store: CentralStore
    server: ServerThread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def stop(self) -> None:
        self.server.stop()
        self.store.close()


def start_central(folder: Path, catalog_dir: Path | None = None) -> tuple[Central, Path]:
    """The reference central server in this process (serving the signed catalogs and forms of
    `catalog_dir`), and the shared-secret file for the terminal."""
    from gov_central.server import CentralStore, create_app
    from sync.httpserver import ServerThread

    folder.mkdir(parents=True, exist_ok=True)
    secret_file = folder / "platform.secret"
    secret_file.write_bytes(SECRET)
    secret_file.chmod(0o600)
    store = CentralStore(folder / "central.sqlite")
    return Central(store, ServerThread(create_app(store, SECRET, catalog_dir), "127.0.0.1", 0).start()), secret_file


def demo_config(base: Config, folder: Path, platform_url: str = "", secret_file: Path | None = None,
                **faults: str) -> Config:
    """Simulated devices (with `faults` per device, e.g. printer="paper_end"), a private data folder."""
    config = with_simulated_devices(base)
    devices = config.devices
    addresses = {"idcard": CARD_SIM, "camera": CAMERA_SIM}
    for device, fault in faults.items():
        joiner = "&" if "?" in addresses.get(device, "sim") else "?"
        addresses[device] = addresses.get(device, "sim") + (f"{joiner}fault={fault}" if fault else "")
    replaced = {name: dataclasses.replace(getattr(devices, name), address=parse_address(raw, name))
                for name, raw in addresses.items()}
    platform = dataclasses.replace(config.platform, url=platform_url, credentials=secret_file,
                                   push_interval_seconds=1, timeout_seconds=3.0)
    return dataclasses.replace(
        config, devices=dataclasses.replace(devices, **replaced), platform=platform,
        storage=dataclasses.replace(config.storage, data_dir=folder / "terminal", min_free_mb=10),
        display=dataclasses.replace(config.display, fullscreen=False))


class SyncThread:
    """`terminal sync serve` in a thread: pushes the kiosk's outbox to the platform every second."""

    def __init__(self, config: Config, outbox: Any) -> None:
        from sync.service import SyncService

        self.stopping = threading.Event()
        self.thread = threading.Thread(target=SyncService(config, outbox, stop=self.stopping).run, name="sync",
                                       daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)


def simulated_printer(app: KioskApp) -> PrinterSimulator:
    """The simulator behind the kiosk's printer (the demo runs on `sim` devices and drives its faults)."""
    simulator: PrinterSimulator | None = getattr(app.hardware.printer, "simulator", None)
    if simulator is None:
        raise RuntimeError("the demo needs the simulated printer (printer address sim)")
    return simulator


def start_kiosk(config: Config, clock: Callable[[], float] = time.monotonic) -> KioskApp:
    """The kiosk in this process's offscreen window, first frames drawn."""
    from ui.window import prepare

    prepare(config, windowed=True)
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    from kivy.core.window import Window

    from ui.kiosk import make_kiosk
    from ui.render import pump

    app = make_kiosk(config, clock)
    Window.add_widget(app.build())
    pump()
    return app


@dataclass
class Driver:
    """A person at the screen, made of code: taps, waits, signs, and screenshots of each screen."""

    app: Any
    out: Path | None = None
    elderly: bool = False
    screens: list[str] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)
    shots: list[str] = field(default_factory=list)
    smallest_target_mm: dict[str, float] = field(default_factory=dict)  # per screen, of the buttons seen
    texts_seen: dict[str, list[str]] = field(default_factory=dict)  # per screenshot, every text on screen
    on_shot: Callable[[str, Path | None], None] | None = None  # told of each screenshot (the layout checker)

    @property
    def suffix(self) -> str:
        return "-elderly" if self.elderly else ""

    def at_home(self) -> None:
        """Back on the home screen (every session ends there): elderly mode as this person wants it."""
        self.wait("the home screen", self.state_is(State.HOME), 10)
        if self.app.session.elderly != self.elderly:
            self.tap("关闭长辈模式" if self.app.session.elderly else "长辈模式")

    def visible_buttons(self) -> list[Any]:
        """Buttons a finger can reach now: on the current screen (or an overlay), inside the window and
        inside the visible part of any scrolling list they sit in."""
        from kivy.core.window import Window
        from kivy.uix.scrollview import ScrollView

        from ui.render import buttons

        def inside(button: Any) -> bool:
            x, y = button.to_window(*button.center)
            if not (0 <= x <= Window.width and 0 <= y <= Window.height) or button.get_root_window() is None:
                return False
            parent = button.parent
            while parent is not None and parent is not Window and not isinstance(parent, ScrollView):
                parent = parent.parent  # (the window is its own parent)
            if not isinstance(parent, ScrollView):
                return True
            left, bottom = parent.to_window(parent.x, parent.y)
            return left <= x <= left + parent.width and bottom <= y <= bottom + parent.height

        return [b for b in buttons(self.app) if inside(b)]

    def tap(self, text: str) -> None:
        """Touch the visible button whose text starts with `text`, down and up through Kivy's input."""
        from ui.finger import tap_at
        from ui.render import pump

        pump()
        button = self.reachable(text)
        if button is None:
            raise DemoFailed(f"no visible button {text!r} on screen {self.app.manager.current}")
        tap_at(*button.to_window(*button.center))
        pump()
        self.note_screen()

    def visible(self, text: str) -> Any:
        return next((b for b in self.visible_buttons() if b.text.startswith(text)), None)

    def reachable(self, text: str, seconds: float = 20.0) -> Any:
        """The button in sight, paged to if a scrolling part hides it, or brought by the next frames (a
        screen laid out late on a loaded machine): looked for until it is there or `seconds` passed."""
        from ui.render import pump

        deadline = time.monotonic() + seconds
        while (found := self.visible(text) or self.page_to(text)) is None and time.monotonic() < deadline:
            pump(1)
            time.sleep(0.02)
        return found

    def page_to(self, text: str, pages: int = 20) -> Any:
        """A button out of sight in a scrolling part: 下一页, then 上一页, as a person would, until it shows."""
        for turn in ("下一页", "上一页"):
            for _ in range(pages):
                found = self.visible(text)
                if found is not None or self.visible(turn) is None:
                    break
                self.tap(turn)
            if found is not None:
                return found
        return None

    def tap_anywhere(self) -> None:
        """A touch in the middle of the screen (waking the screen saver)."""
        from kivy.core.window import Window

        from ui.finger import tap_at
        from ui.render import pump

        tap_at(Window.width / 2, Window.height / 2)
        pump()

    def note_screen(self) -> None:
        name = self.app.manager.current
        if not self.screens or self.screens[-1] != name:
            self.screens.append(name)
        theme = self.app.theme
        smallest = min((min(b.width, b.height) / theme.mm(1) for b in self.visible_buttons()), default=99.0)
        self.smallest_target_mm[name] = round(min(smallest, self.smallest_target_mm.get(name, 99.0)), 1)

    def wait(self, what: str, done: Callable[[], bool], timeout: float = STEP_SECONDS) -> None:
        """Run the UI loop until `done()` (device events arrive through Kivy's clock meanwhile)."""
        from ui.render import pump

        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise DemoFailed(f"timed out waiting for {what} (screen {self.app.manager.current})")
            pump(1)
            time.sleep(0.01)
        pump()
        self.note_screen()

    def state_is(self, state: State) -> Callable[[], bool]:
        return lambda: self.app.session.state == state

    def shot(self, name: str) -> None:
        self.texts_seen[f"{name}{self.suffix}"] = [
            w.text for w in self.app.root_widget.walk() if isinstance(getattr(w, "text", None), str)]
        png = None
        if self.out is not None:
            from ui.render import save

            png = save(self.app, self.out / f"{name}{self.suffix}.png")
            self.shots.append(f"{name}{self.suffix}.png")
        if self.on_shot is not None:
            self.on_shot(f"{name}{self.suffix}", png)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.steps[name + self.suffix] = round(time.monotonic() - started, 3)

    def screen(self) -> Any:
        return self.app.manager.current_screen

    def type_digits(self, digits: str) -> None:
        for digit in digits:
            self.tap(digit)

    def sign(self) -> None:
        """A short zig-zag on the signature pad, as a finger would draw it."""
        from ui.finger import Finger
        from ui.render import pump

        pad = self.screen().pad
        x0, y0 = pad.to_window(pad.x, pad.y)
        points = [(0.15 + 0.1 * i, 0.3 + 0.4 * (i % 2)) for i in range(8)]
        finger = Finger(x0 + points[0][0] * pad.width, y0 + points[0][1] * pad.height)
        finger.down()
        for fx, fy in points[1:]:
            finger.move_to(x0 + fx * pad.width, y0 + fy * pad.height)
        finger.up()
        pump()


def choose_item_by_search(driver: Driver, letters: str) -> None:
    """我要办事 → 搜索 → type pinyin initials → the first result with a guide → 开始办理."""
    session = driver.app.session
    driver.at_home()
    driver.shot("home")
    driver.tap("我要办事")
    driver.shot("browse")
    driver.tap("搜索")
    for letter in letters:
        driver.tap(letter)
    driver.shot("search")
    item = next(i for i in session.search_results if i.guide is not None and len(i.guide.materials) >= 2)
    driver.tap(item.title)  # (turning the list's pages until it is in sight)
    driver.shot("guide")


def apply(driver: Driver, letters: str = "hkdj") -> str:
    """One application from the home screen to the receipt; returns the case number."""
    app, session = driver.app, driver.app.session
    with driver.step("search"):
        choose_item_by_search(driver, letters)
    with driver.step("consent"):
        driver.tap("开始办理")
        agree(driver)
    with driver.step("identify"):
        driver.wait("the ID-card reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator)
        driver.shot("identify")
        driver.tap("我没有带身份证")
        driver.shot("identify-no-card")
        driver.tap("我带了，继续读卡")
        driver.wait("the ID-card reader again", lambda: app.hardware.reader is not None
                    and app.hardware.reader.simulator is not None)
        app.hardware.reader.simulator.place("resident")
        driver.wait("the card to be read", driver.state_is(State.FORM), 20)
    with driver.step("form"):
        driver.type_digits("13800138000")
        fill_item_fields(driver)
        driver.shot("form")
        driver.tap("下一步")
    with driver.step("materials"):
        driver.wait("the materials screen", driver.state_is(State.MATERIALS))
        driver.wait("a camera preview", lambda: driver.screen().frames_drawn > 2)
        driver.wait("two materials scanned", lambda: sum(s.done for s in session.materials) >= 2, 90)
        driver.shot("materials")
        driver.tap("下一步")
    with driver.step("review"):
        driver.wait("the review screen", driver.state_is(State.REVIEW))
        driver.sign()
        driver.shot("review")
        driver.tap("确认提交")
        driver.wait("the case number", driver.state_is(State.SUBMIT), 10)
        case_no = session.case.case_no
        driver.shot("submit")
    with driver.step("receipt"):
        if session.state == State.SUBMIT:  # (the submit screen goes on by itself after a few seconds)
            driver.tap("打印回执")
        driver.shot("receipt-printing")
        receipt = driver.screen()
        driver.wait("the printer", lambda: receipt.result is not None, 30)
        if not receipt.result.printed:
            driver.wait("the receipt on the screen", lambda: receipt.picture is not None, 30)
        driver.shot("receipt")
    return case_no


def agree(driver: Driver, on_behalf: bool = False, shots: bool = True) -> None:
    """The consent notice: the separate tick for sensitive information, then 同意 for oneself or another."""
    driver.wait("the consent notice", driver.state_is(State.CONSENT), 10)
    if shots:
        driver.shot("consent")
    driver.tap("□")
    driver.tap("代他人办理" if on_behalf else "本人办理")


NEW_NAME = (("ce", "测"), ("xin", "新"), ("ming", "名"))  # 测新名, a fabricated name
ADDRESS = (("nan", "南"), ("yuan", "源"), ("shi", "市"), ("xin", "新"), ("jie", "街"))  # + 12号: fabricated


def write_letters(driver: Driver, syllables: tuple[tuple[str, str], ...], shot: str = "") -> None:
    """Pinyin on the letter keys, then the character from the candidates (a shot before the last pick)."""
    for letters, char in syllables:
        for letter in letters:
            driver.tap(letter)
        if shot:
            driver.shot(shot)
        driver.tap(char)


def fill_item_fields(driver: Driver) -> None:
    """The item's own fields of the two demo items: 变更姓名 (the new name in pinyin, a reason) or
    户口簿补发 (a reason); nothing for an item without fields."""
    item = driver.app.session.item
    keys = {f.key for f in item.guide.fields} if item is not None and item.guide is not None else set()
    if "new_name" in keys:
        driver.tap("拟变更的姓名")
        write_letters(driver, NEW_NAME[:-1])
        write_letters(driver, NEW_NAME[-1:], shot="form-writing")
        driver.tap("打好了")
    if "reason" in keys:
        field = next(f for f in item.guide.fields if f.key == "reason")
        driver.tap(field.label)
        driver.shot("form-choice")
        driver.tap(field.choices[0])


PRINCIPAL_ID = "419001195001010053"  # fabricated, valid check digit


def fill_as_agent(driver: Driver, letters: str = "hkbbf", principal_card: bool = True) -> None:
    """代他人办理 up to the materials: the agent's card, the principal's card (or their number and name
    typed), the result by post to a typed address."""
    app, session = driver.app, driver.app.session
    choose_item_by_search(driver, letters)
    driver.tap("开始办理")
    agree(driver, on_behalf=True, shots=False)
    driver.wait("the ID-card reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    driver.shot("identify-agent")
    app.hardware.reader.simulator.place("long_term")  # the agent's own card
    driver.wait("the agent's card read", lambda: session.agent is not None, 20)
    driver.shot("identify-principal")
    if principal_card:
        app.hardware.reader.simulator.place("resident")  # then the principal's
    else:
        driver.tap("我没有带身份证")
        driver.shot("identify-principal-no-card")
        driver.tap("输入委托人的身份证号码和姓名")
        driver.type_digits(PRINCIPAL_ID)
        driver.shot("identify-principal-number")
        driver.tap("号码输好了")
        write_letters(driver, NEW_NAME)
        driver.shot("identify-principal-name")
        driver.tap("打好了")
    driver.wait("the principal's card read", driver.state_is(State.FORM), 20)
    driver.type_digits("13800138000")
    fill_item_fields(driver)
    driver.tap("结果领取方式")
    driver.tap("邮寄")
    driver.tap("收件地址")
    write_letters(driver, ADDRESS)
    driver.tap("1")
    driver.tap("2")
    for letter in "hao":
        driver.tap(letter)
    driver.tap("号")
    driver.shot("form-address")
    driver.tap("打好了")
    driver.shot("form-agent")
    driver.tap("下一步")
    driver.wait("the materials screen", driver.state_is(State.MATERIALS))


def apply_as_agent(driver: Driver, letters: str = "hkbbf") -> str:
    """代他人办理 to the case number, the 委托书 scanned among the materials; returns the case number."""
    session = driver.app.session
    fill_as_agent(driver, letters)
    driver.wait("the required materials scanned", lambda: not session.missing, 120)
    driver.tap("下一步")
    driver.wait("the review screen", driver.state_is(State.REVIEW))
    driver.sign()
    driver.shot("review-agent")
    driver.tap("确认提交")
    driver.wait("the case number", driver.state_is(State.SUBMIT), 10)
    assert session.case is not None
    return session.case.case_no


def decline_consent(driver: Driver, letters: str = "hkdj") -> bool:
    """不同意 on the consent notice: nothing is read, the screen says where the window is; True when
    no reader was opened meanwhile."""
    choose_item_by_search(driver, letters)
    driver.tap("开始办理")
    driver.wait("the consent notice", driver.state_is(State.CONSENT), 10)
    driver.tap("本人办理")  # without the separate tick: refused, in words
    driver.shot("consent-untick")
    driver.tap("不同意")
    driver.shot("consent-declined")
    untouched = driver.app.hardware.reader is None
    driver.tap("到服务窗口办理")
    return untouched


def rate(driver: Driver, label: str) -> None:
    with driver.step("rating"):
        driver.tap("评价本次服务" if driver.screen().result.printed else "不要回执，继续")
        driver.shot("rating")
        driver.tap(label)
        driver.shot("rating-done")
        driver.tap("完成")


def ask_progress(driver: Driver, case_no: str) -> Any:
    """From home: 进度查询, the case number's digits, 查询; returns the screen with its answer."""
    driver.at_home()
    driver.tap("进度查询")
    driver.type_digits(case_no.replace("-", "")[len(driver.app.settings.terminal.id):])
    driver.tap("查询")
    screen = driver.screen()
    driver.wait("the progress answer", lambda: screen.results is not None, 30)
    return screen


def query_progress(driver: Driver, case_no: str) -> str:
    """进度查询 by typing the case number's digits; returns the status sentence shown."""
    with driver.step("progress"):
        screen = ask_progress(driver, case_no)
        driver.shot("progress")
        status = screen.results[0].status_zh if screen.results else ""
        driver.tap("完成")
    return status


def write(driver: Driver, syllables: tuple[tuple[str, str], ...]) -> None:
    """打字 on the complaint screen: pinyin on the letter keys, then the character from the candidates."""
    driver.tap("打字")
    for index, (letters, char) in enumerate(syllables):
        for letter in letters:
            driver.tap(letter)
        if index == len(syllables) - 1:
            driver.shot("complaint-typing")  # with the candidates on the screen
        driver.tap(char)
    driver.tap("打好了")


def complain(driver: Driver, syllables: tuple[tuple[str, str], ...] = (("deng", "等"), ("dai", "待"))) -> None:
    """我要投诉 from home: the category (none is chosen for the person), a phrase, typed words, 提交, 完成."""
    driver.at_home()
    driver.tap("我要投诉")
    driver.shot("complaint-category")
    driver.tap("等候时间")
    driver.tap("等候时间太长")
    write(driver, syllables)
    driver.shot("complaint")
    driver.tap("提交")
    driver.shot("complaint-done")
    driver.tap("完成")


def visit_other_screens(driver: Driver) -> None:
    """Complaint, help and the bad-rating reasons, for their screenshots."""
    with driver.step("complaint"):
        complain(driver)
    with driver.step("help"):
        driver.at_home()
        driver.tap("帮办代办")
        driver.shot("help")
        driver.tap("请工作人员联系我")
        driver.tap("上午")
        driver.type_digits("13800138000")
        driver.shot("callback")
        driver.tap("提交预约")
        driver.shot("callback-done")
        driver.tap("完成")
    with driver.step("rating-reasons"):
        driver.at_home()
        driver.tap("我要评价")
        driver.tap("不满意")
        driver.tap("等候时间太长")
        driver.shot("rating-reasons")
        driver.tap("回到首页")


def visit_rest(driver: Driver) -> None:
    """The screens no journey above passes: an item without a guide, the A4 printer's copy and certificate
    (when there is one), the idle countdown."""
    app, session = driver.app, driver.app.session
    driver.at_home()
    session.browse_guides()
    bare = next((item for item in session.catalog.items if item.guide is None), None)
    if bare is not None:
        session.choose_item(bare)
        driver.wait("the item without a guide", lambda: app.manager.current in ("guide", "step"), 10)
        driver.shot("no-guide")
    session.cancel()
    driver.at_home()
    if app.a4 is not None:  # with an A4 printer: the first step of its own journeys (nothing is printed)
        for button, shot in (("复印", "copy-card"), ("打印证明", "certificate-card")):
            driver.tap(button)
            driver.shot(shot)
            session.cancel()
            driver.at_home()
    app.open_overlay()
    driver.shot("idle")
    app.close_overlay()


PANELS = {"1280x800": 10.1, "1920x1080": 21.5, "1080x1920": 21.5}  # the panels screens are designed for: inches


def panel_config(base: Config, display: str) -> Config:
    """`display` ("1080x1920") as the window, with the diagonal of that panel (PANELS) unless one is configured."""
    width, height = (int(part) for part in display.lower().split("x"))
    diagonal = base.display.diagonal_inches or PANELS.get(f"{width}x{height}", 0.0)
    return dataclasses.replace(base, display=dataclasses.replace(
        base.display, width=width, height=height, diagonal_inches=diagonal, edid=False))


def run_demo(base: Config, out: Path, work: Path,
             on_shot: Callable[[Driver], Callable[[str, Path | None], None]] | None = None) -> dict[str, Any]:
    """The demo: a normal and an elderly session, the case at the central server; a JSON summary.
    `on_shot(driver)` makes what each screenshot is shown to (the layout checker)."""
    from terminal.receipt_layout import PAPER_DOTS

    central, secret_file = start_central(work / "central")
    config = demo_config(base, work, central.url, secret_file)
    app = start_kiosk(config)
    sync = SyncThread(config, app.outbox)
    summary: dict[str, Any] = {"ok": False}
    try:
        normal = Driver(app, out)
        normal.on_shot = on_shot(normal) if on_shot else None
        case_no = apply(normal, "hkdj")
        printer = simulated_printer(app)
        paper = printer.printer.canvas.picture(16)
        if paper is not None:
            paper.save(out / "demo-receipt-printed.png", optimize=True)
        from terminal.receipt_png import render_png
        from terminal.receipts import submission_receipt

        assert app.session.case is not None  # apply() waited for the case number
        render_png(submission_receipt(app.session.case, config), PAPER_DOTS[config.devices.printer.paper_width_mm],
                   margin_dots=16).save(out / "demo-receipt.png", optimize=True)
        printed = normal.screen().result.printed
        rate(normal, "满意")
        normal.wait("the case at the central server", lambda: case_no in central.store.completed(), 60)
        status = query_progress(normal, case_no)
        visit_other_screens(normal)
        decline_consent(normal)
        agent_case = apply_as_agent(normal)
        normal.tap("打印回执")
        normal.wait("the agent's receipt", lambda: normal.screen().result is not None, 30)
        normal.shot("receipt-agent")
        rate(normal, "满意")
        visit_rest(normal)

        elderly = Driver(app, out, elderly=True)
        elderly.on_shot = on_shot(elderly) if on_shot else None
        printer.set_faults("paper_end")  # the second person finds the paper used up
        elderly_case = apply(elderly, "lnryd")  # 老年人优待证申领: two materials to scan
        printer.set_faults()
        rate(elderly, "非常满意")
        query_progress(elderly, elderly_case)
        visit_other_screens(elderly)
        visit_rest(elderly)
        elderly.elderly = False
        elderly.at_home()
        summary = {
            "ok": printed and bool(status),
            "case_no": case_no, "elderly_case_no": elderly_case, "agent_case_no": agent_case,
            "printed": printed, "progress": status,
            "delivered": sorted(central.store.completed()),
            "screens": normal.screens, "elderly_screens": elderly.screens,
            "seconds_per_step": {**normal.steps, **elderly.steps},
            "screen_change_ms": {name: round(seconds * 1000, 1) for name, seconds in app.screen_changes},
            "screenshots": normal.shots + elderly.shots + ["demo-receipt.png", "demo-receipt-printed.png"],
            "spoken_prompts": len(app.speaker.spoken),
        }
    finally:
        app.hardware.close()
        sync.stop()
        central.stop()
    (out / "demo.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return summary
