"""Drive the real kiosk offscreen through honest receipts, case states and 补交材料, against the real
central service (terminals' endpoints and the staff console), and report what happened as JSON.

Used by tests/test_ui_supplement.py. Usage: python -m tests.ui_supplement_probe OUT_DIR
Two applications go in with materials missing. Staff ask for correction of the first through the
console; its owner hands in a material from the progress answer and another from 补交材料 on the
home screen (by ID card); staff accept it and the progress query prints the 受理通知书. The second
is refused (退件) and the progress query prints the 退件告知书.
"""

from __future__ import annotations

import faulthandler
import time
from pathlib import Path
from typing import Any

import requests

from gov_central.operators import Operators
from gov_central.server import CentralStore
from gov_central.service import create_service
from sync.auth import make_token
from sync.httpserver import ServerThread
from terminal import config as config_module
from terminal.session import State
from tests.central.conftest import login
from tests.kivy_probe import report_main
from tests.ui_journey_probe import texts
from ui.demo import (
    SECRET,
    Driver,
    SyncThread,
    agree,
    ask_progress,
    choose_item_by_search,
    demo_config,
    fill_item_fields,
    start_kiosk,
)

STAFF, PASSWORD = "测试审核", "测试密码-0123456789"


def paper_text(app: Any) -> str:
    return "\n".join(line.text for line in app.hardware.printer.simulator.printer.paper.lines)


def place_card(d: Driver) -> None:
    app = d.app
    d.wait("the reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
    app.hardware.reader.simulator.place("resident")


def apply_with_missing(d: Driver, shots: bool) -> dict[str, Any]:
    """One application with nothing scanned: the ID card is read, everything else is missing."""
    app, session = d.app, d.app.session
    choose_item_by_search(d, "hkdj")
    d.tap("开始办理")
    agree(d, shots=False)
    place_card(d)
    d.wait("the card to be read", d.state_is(State.FORM), 20)
    d.type_digits("13800138000")
    fill_item_fields(d)
    d.tap("下一步")
    d.wait("the materials screen", d.state_is(State.MATERIALS))
    d.wait("the scanner", lambda: app.hardware.scanner is not None)
    app.hardware.scanner.auto = False  # this person brought nothing to scan
    guide = [m.name for m in session.item.guide.materials if m.from_card]
    to_scan = [s.spec.name for s in session.materials]
    d.tap("下一步")
    d.wait("the review screen", d.state_is(State.REVIEW))
    d.sign()
    d.tap("确认提交")
    d.wait("the case number", d.state_is(State.SUBMIT), 10)
    case = session.case
    if shots:
        d.shot("submit-missing")
    submit_words = texts(app)
    d.tap("打印回执")
    receipt = d.screen()
    d.wait("the printer", lambda: receipt.result is not None, 30)
    printed = paper_text(app)
    d.tap("评价本次服务")  # a service that ended goes on to the rating, where it may be declined
    d.tap("不评价，结束")
    return {"case_no": case.case_no, "card_materials": guide, "to_scan": to_scan, "missing": list(case.missing),
            "case_materials": [(m.name, m.from_card, len(m.pages)) for m in case.materials],
            "submit_words": submit_words, "paper": printed}


def staff_decide(url: str, case_no: str, state: str, reason: str = "") -> int:
    session, csrf = login(url, STAFF, PASSWORD)
    answer = session.post(f"{url}/console/cases/{case_no}/state", data={"csrf": csrf, "state": state, "reason": reason},
                          timeout=10)
    return answer.status_code


def scan_one_and_submit(d: Driver, name: str) -> dict[str, Any]:
    """On the supplement's scan view: the camera captures one page, 提交 writes the record."""
    app, session = d.app, d.app.session
    d.wait("the scanner", lambda: app.hardware.scanner is not None)
    d.wait("a page scanned", lambda: any(s.done for s in session.supplement_materials), 90)
    app.hardware.scanner.auto = False
    d.shot(f"{name}-scan")
    d.tap("提交补交材料")
    d.wait("the supplement written", lambda: session.supplement is not None, 30)
    d.shot(f"{name}-done")
    done = session.supplement
    d.tap("完成")
    return {"supplement_no": done.supplement_no, "case_no": done.case_no,
            "materials": [m.name for m in done.materials]}


def wait_at_central(d: Driver, store: CentralStore, record_id: str) -> None:
    d.wait(f"{record_id} at the central server", lambda: record_id in store.completed(), 60)


def scenario(d: Driver, store: CentralStore, url: str) -> dict[str, Any]:
    app, report = d.app, {}
    first = apply_with_missing(d, shots=True)
    second = apply_with_missing(d, shots=False)
    report["first"], report["second"] = first, second
    for case in (first, second):
        wait_at_central(d, store, case["case_no"])
    report["done_first"] = staff_decide(url, first["case_no"], "done")  # refused: never accepted
    report["correction"] = staff_decide(url, first["case_no"], "correction", "变更姓名的理由证明材料不清晰")
    # From the progress answer: 补交材料 goes straight to scanning what is missing.
    screen = ask_progress(d, first["case_no"])
    d.shot("progress-correction")
    report["progress_correction"] = texts(app)
    d.tap("补交材料")
    d.wait("the supplement screen", d.state_is(State.SUPPLEMENT))
    report["from_progress"] = scan_one_and_submit(d, "supplement")
    wait_at_central(d, store, report["from_progress"]["supplement_no"])
    # From home, by ID card: the case still lacks materials, so it is found again.
    d.at_home()
    d.tap("补交材料")
    d.shot("supplement-find")
    d.type_digits("12")
    d.tap("查找")
    report["bad_number_words"] = [t for t in texts(app) if "办件编号是回执上" in t]
    d.tap("清空")
    place_card(d)
    d.wait("the case found by card", lambda: app.session.supplement_target is not None, 30)
    report["by_card_case"] = app.session.supplement_target.case_no
    report["from_home"] = scan_one_and_submit(d, "supplement-home")
    wait_at_central(d, store, report["from_home"]["supplement_no"])
    headers = {"Authorization": "Bearer " + make_token(SECRET, app.settings.terminal.id)}
    report["missing_after"] = {case["case_no"]: requests.get(f"{url}/v1/progress/{case['case_no']}", headers=headers,
                                                             timeout=10).json()["missing"] for case in (first, second)}
    # 受理: the progress query prints the 受理通知书 with the promised date.
    report["accepted"] = staff_decide(url, first["case_no"], "accepted")
    screen = ask_progress(d, first["case_no"])
    d.wait("the notice printed", lambda: "已打印" in screen.model.printed, 30)
    d.shot("progress-accepted")
    report["progress_accepted"] = texts(app)
    report["acceptance_paper"] = paper_text(app)[-1500:]
    report["hand_in_after_acceptance"] = any(b.text == "补交材料" for b in d.visible_buttons())
    d.tap("完成")
    # 退件: the 退件告知书 with the reasons.
    report["returned"] = staff_decide(url, second["case_no"], "returned", "不属于本中心受理范围")
    screen = ask_progress(d, second["case_no"])
    d.wait("the notice printed", lambda: "已打印" in screen.model.printed, 30)
    d.shot("progress-returned")
    report["rejection_paper"] = paper_text(app)[-1500:]
    d.tap("完成")
    session, _csrf = login(url, STAFF, PASSWORD)
    report["console_case"] = session.get(f"{url}/console/cases/{first['case_no']}", timeout=10).text
    report["screens"] = list(d.screens)
    report["targets_mm"] = dict(d.smallest_target_mm)
    return report


def main(out: Path) -> dict[str, Any]:
    faulthandler.dump_traceback_later(300, exit=True)
    folder = out / "central"
    folder.mkdir(parents=True, exist_ok=True)
    secret_file = folder / "platform.secret"
    secret_file.write_bytes(SECRET)
    secret_file.chmod(0o600)
    store = CentralStore(folder / "central.sqlite")
    Operators(store.db).add(STAFF, "业务审核", PASSWORD)
    server = ServerThread(create_service(store, SECRET), "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{server.port}"
    config = demo_config(config_module.load(None), out, url, secret_file)
    app = start_kiosk(config)
    sync = SyncThread(config, app.outbox)
    shots = out / "shots"
    shots.mkdir(exist_ok=True)
    started = time.monotonic()
    try:
        report = scenario(Driver(app, shots), store, url)
    finally:
        app.hardware.close()
        sync.stop()
        server.stop()
        store.close()
    return {**report, "seconds": round(time.monotonic() - started, 1)}


if __name__ == "__main__":
    report_main(main)
