"""Drive the real kiosk offscreen through what issue 14 items 3, 6 and 7 add, and report it as JSON:
every item of both catalogs opened from browse, an item without a guide here (slip and call-back),
search by everyday names and by pinyin candidates, 有诉即办 with its category first, and 帮办代办
out of office hours. Screenshots of each new screen go to OUT/shots.

Used by tests/test_ui_reach.py. Usage: python -m tests.ui_reach_probe OUT_DIR
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from terminal import config as config_module
from terminal.catalog import load_catalog
from terminal.session import State
from tests.kivy_probe import probe_main
from ui.demo import Driver, SyncThread, demo_config, query_progress, start_central, start_kiosk
from ui.render import pump

WAYS_FORWARD = ("开始办理", "打印办理指引单", "请工作人员联系我")
PHONE = "13800138000"


def texts(app: Any) -> list[str]:
    return [w.text for w in app.root_widget.walk() if isinstance(getattr(w, "text", None), str)]


def shows(app: Any, words: str) -> bool:
    return any(words in text for text in texts(app))


def paper_text(app: Any) -> str:
    return "\n".join(line.text for line in app.hardware.printer.simulator.printer.paper.lines)


def every_item(d: Driver, region: str) -> dict[str, Any]:
    """办事指南 → each department → each item row (its own action, as a tap calls it) → the item's page
    drawn: which ways forward are on the screen, inside the window, and the phone to call; 返回."""
    from kivy.core.window import Window

    app = d.app
    app.session.catalog = load_catalog(region, app.settings.storage.data_dir)
    d.at_home()
    d.tap("办事指南")
    browse, guide = d.screen(), app.manager.get_screen("guide")
    opened, dead_ends, rows_with_legal_class = 0, [], 0

    def on_screen(button: Any) -> bool:
        x, y = button.to_window(*button.center)
        return button.get_root_window() is not None and 0 <= x <= Window.width and 0 <= y <= Window.height

    for group in list(browse.model.groups):
        browse.pick(group)
        pump(1)
        for row in list(browse.items.data):
            if any(legal in row["text"] for legal in ("其他职权", "行政确认", "行政给付", "行政许可")):
                rows_with_legal_class += 1
            row["action"]()
            pump(1)
            item = app.session.item
            buttons = [guide.begin, *guide.elsewhere.children]
            forward = [b.text for b in buttons if on_screen(b) and b.text.startswith(WAYS_FORWARD)]
            phone = (item.guide.consult_phone if item.guide else "") or app.settings.terminal.consult_phone
            has_phone = any(phone in label.text for label in (*guide.side_pool, *guide.main_pool))
            if app.session.state != State.GUIDE or not forward or not has_phone:
                dead_ends.append(item.id if item else "?")
            opened += 1
            app.session.back()  # what 返回 calls (the next row's page draws the next frame)
    d.tap("回到首页")
    return {"opened": opened, "items": len(app.session.catalog), "dead_ends": dead_ends,
            "rows_with_legal_class": rows_with_legal_class}


def no_guide_item(d: Driver, central: Any) -> dict[str, Any]:
    """残疾证 typed as cjz → a 残疾人证 item (no guide here) → its page, its slip, a call-back request."""
    app = d.app
    d.at_home()
    d.tap("我要办事")
    d.shot("browse-rows")
    d.tap("搜索")
    for letter in "cjz":
        d.tap(letter)
    d.shot("search-everyday-name")
    found = [item.title for item in app.session.search_results[:6]]
    d.tap(found[0])  # (every 残疾人证 item is a 残疾证 to people; the first is tapped)
    d.shot("guide-no-guide")
    page = "\n".join(texts(app))
    d.tap("打印办理指引单")
    screen = d.screen()
    d.wait("the directions slip", lambda: screen.model.slip is not None, 30)
    d.shot("guide-no-guide-printed")
    printed = paper_text(app)
    d.tap("请工作人员联系我")
    d.shot("callback")
    d.tap("提交预约")  # nothing chosen, nothing typed: words, not a stored request
    refused = [t for t in texts(app) if "请选择" in t or "请输入联系电话" in t]
    d.tap("上午")
    d.type_digits(PHONE)
    d.shot("callback-filled")
    d.tap("提交预约")
    d.wait("the request stored", lambda: app.session.callback is not None, 10)
    request = app.session.callback
    d.shot("callback-done")
    d.tap("打印预约回电单")
    d.wait("the call-back slip", lambda: d.screen().model.slip is not None, 30)
    slip = paper_text(app)
    d.tap("完成")
    d.wait("the request at the central server", lambda: request.request_no in central.store.completed(), 60)
    row = central.store.db.one("SELECT kind, manifest FROM records WHERE record_id = ?", (request.request_no,))
    body = json.loads(bytes(row["manifest"]))["callback"]
    return {"found": found, "page": page, "printed": printed, "refused": refused, "slip": slip,
            "central_kind": row["kind"], "central_item": body["item_id"], "central_reason": body["reason"],
            "central_phone": body["phone"] == PHONE, "preferred": body["preferred"],
            "after": app.session.state.value, "left_personal": app.session.has_personal_data()}


def candidates_search(d: Driver) -> dict[str, Any]:
    """Full pinyin with candidates: can → 残, ji → 疾; and dibao finds 低保's item first."""
    app = d.app
    d.at_home()
    d.tap("我要办事")
    d.tap("搜索")
    for letters, char in (("can", "残"), ("ji", "疾")):
        for letter in letters:
            d.tap(letter)
        if char == "疾":
            d.shot("search-candidates")  # 残 chosen, ji typed: its characters offered
        d.tap(char)
    typed = app.session.search_text
    chinese = [item.title for item in app.session.search_results[:3]]
    d.tap("清空")
    for letter in "dibao":
        d.tap(letter)
    dibao = app.session.search_results[0].title if app.session.search_results else ""
    d.tap("回到首页")
    return {"typed": typed, "chinese": chinese, "dibao": dibao}


def complaint(d: Driver, central: Any) -> dict[str, Any]:
    """有诉即办: the category first with none chosen; the reply time and what the number is; the
    platform's reference on 进度查询 once the platform has it."""
    app = d.app
    d.at_home()
    d.tap("我要投诉")
    d.shot("complaint-category")
    categories = [b.text for b in d.visible_buttons() if b.text.split("\n")[0] in app.settings.complaints.categories]
    ticked = [text for text in categories if text.startswith("✓")]
    d.tap("等候时间")
    d.tap("等候时间太长")
    d.shot("complaint-chosen")
    d.tap("提交")
    d.wait("the complaint filed", lambda: d.screen().model.filed is not None, 10)
    number = d.screen().model.filed.complaint_no
    filed_category = d.screen().model.filed.category
    d.shot("complaint-done")
    done_words = "\n".join(texts(app))
    d.tap("完成")
    d.wait("the complaint at the central server", lambda: number in central.store.completed(), 60)
    status = query_progress(d, number)
    return {"categories": categories, "ticked": ticked, "filed_category": filed_category,
            "done_words": done_words, "progress": status}


def help_at_night(d: Driver) -> dict[str, Any]:
    """帮办代办 out of office hours: whether anyone is there, the 清单, a call-back, a truthful slip."""
    app = d.app
    d.at_home()
    d.tap("帮办代办")
    d.shot("help")
    words = "\n".join(texts(app))
    d.tap("打印求助单")
    d.wait("the help slip", lambda: d.screen().model.slip is not None, 30)
    slip = paper_text(app).split("帮办代办求助单")[-1]
    d.tap("请工作人员联系我")
    d.tap("任何时间")
    d.type_digits(PHONE)
    d.tap("提交预约")
    d.wait("the request stored", lambda: app.session.callback is not None, 10)
    reason = app.session.callback.reason
    item = app.session.callback.item_id
    d.tap("完成")
    return {"words": words, "slip": slip, "reason": reason, "item": item}


def elderly_screens(d: Driver) -> dict[str, Any]:
    """The new screens in 长辈模式 (larger text, fewer words): every way forward still within reach."""
    app = d.app
    d.elderly = True
    d.at_home()
    d.shot("home")
    reach: dict[str, list[str]] = {}
    d.tap("我要办事")
    d.tap("搜索")
    for letter in "cjz":
        d.tap(letter)
    d.tap(app.session.search_results[0].title)
    d.shot("guide-no-guide")
    reach["guide"] = [b.text for b in d.visible_buttons()]
    d.tap("请工作人员联系我")
    d.shot("callback")
    reach["callback"] = [b.text for b in d.visible_buttons()]
    d.tap("回到首页")
    d.at_home()  # (回到首页 ends the session: elderly mode is chosen again, as a person would)
    d.tap("帮办代办")
    d.shot("help")
    reach["help"] = [b.text for b in d.visible_buttons()]
    d.tap("回到首页")
    d.at_home()
    d.tap("我要投诉")
    d.shot("complaint-category")
    reach["complaint"] = [b.text for b in d.visible_buttons()]
    d.tap("回到首页")
    d.elderly = False
    d.at_home()
    return {"reach": reach, "targets_mm": dict(d.smallest_target_mm)}


def closed_hours(now: datetime) -> tuple[str, ...]:
    """An office period that excludes `now`, so the probe runs 帮办代办 'at night' at any hour."""
    start = (now + timedelta(hours=2)).replace(minute=0)
    if start.hour < 2 or start.hour > 21:
        return ("10:00-11:00",) if not 10 <= now.hour < 11 else ("14:00-15:00",)
    return (f"{start:%H}:00-{start.hour + 1:02d}:00",)


def main(out: Path) -> None:
    faulthandler.dump_traceback_later(400, exit=True)
    central, secret_file = start_central(out / "central")
    config = demo_config(config_module.load(None), out, central.url, secret_file)
    config = dataclasses.replace(config, center=dataclasses.replace(config.center,
                                                                     office_hours=closed_hours(datetime.now())))
    app = start_kiosk(config)
    sync = SyncThread(config, app.outbox)
    report: dict[str, Any] = {}
    d = Driver(app, out / "shots")
    (out / "shots").mkdir(parents=True, exist_ok=True)
    try:
        for name, scenario in (("no_guide", lambda: no_guide_item(d, central)),
                               ("candidates", lambda: candidates_search(d)),
                               ("complaint", lambda: complaint(d, central)), ("help", lambda: help_at_night(d)),
                               ("elderly", lambda: elderly_screens(d)),
                               ("jiyuan", lambda: every_item(d, "jiyuan")), ("yanshi", lambda: every_item(d, "yanshi"))):
            started = time.monotonic()
            report[name] = scenario()
            report[name + "_seconds"] = round(time.monotonic() - started, 1)
    finally:
        app.hardware.close()
        sync.stop()
        central.stop()
    print(json.dumps(report, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    probe_main(main)
