"""Debian's chromium driven by Selenium (headless, 1366x768), and a console with fabricated data to look at.

`python -m tests.central.browser docs/screenshots/console` writes a screenshot of every console page.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from gov_central.catalogs import Catalogs, new_key
from gov_central.credentials import Registry
from gov_central.operators import Operators
from gov_central.server import CentralStore
from gov_central.service import create_service
from sync.auth import make_token
from sync.httpserver import ServerThread
from sync.manifest import Outgoing, from_case, from_complaint, from_rating, from_supplement
from terminal.cases import Complaint, Material, Rating, RatingRecord, Supplement
from terminal.catalog import SHIPPED_DIR
from tests.a4printer.documents import sample_form
from tests.sync.helpers import SECRET, make_case

PASSWORD = "测试密码-0123456789"
WIDTH, HEIGHT = 1366, 768


def chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={WIDTH},{HEIGHT}", "--lang=zh-CN", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options,
                              service=ChromeService(shutil.which("chromedriver") or "/usr/bin/chromedriver"))
    # The page itself is 1366x768 (a laptop's screen), not the window with its frame.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    return driver


def log_in(driver: webdriver.Chrome, url: str, name: str) -> None:
    driver.get(f"{url}/console/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login").click()
    WebDriverWait(driver, 10).until(expected_conditions.presence_of_element_located((By.ID, "logout")))


def deliver(url: str, out: Outgoing, terminal_id: str = "T0001") -> None:
    """Deliver a record as the push client does: manifest, every attachment in one chunk, complete."""
    auth = {"Authorization": "Bearer " + make_token(SECRET, terminal_id)}
    base = f"{url}/v1/records/{out.record_id}"
    requests.put(base, data=out.manifest, timeout=10,
                 headers={**auth, "Idempotency-Key": out.record_id, "Content-Type": "application/json"}
                 ).raise_for_status()
    for item in out.attachments:
        requests.put(f"{base}/attachments/{item.name}", data=item.data, timeout=10,
                     headers={**auth, "Content-Type": "application/octet-stream",
                              "Content-Range": f"bytes 0-{len(item.data) - 1}/{len(item.data)}"}).raise_for_status()
    requests.post(f"{base}/complete", headers=auth, timeout=10).raise_for_status()


def heartbeat(url: str, terminal_id: str, *, printer: str = "ok", backlog: int = 0, oldest_days: float = 0.0,
              alarms: tuple[str, ...] = ()) -> None:
    body = {"terminal_id": terminal_id, "sent_at": datetime.now(UTC).isoformat(), "version": "1.4.2",
            "uptime_s": 86400, "load_1m": 0.3, "disk_free_mb": 12000 - 37 * int(terminal_id[-2:]),
            "devices": {"idcard": "ok", "camera": "ok", "printer": printer, "keypad": "ok"},
            "outbox": {"counts": {"queued": backlog}, "oldest_queued_age_s": oldest_days * 86400 or backlog * 1800.0 or None,
                       "alarms": list(alarms)}}
    requests.post(f"{url}/v1/heartbeat", json=body, timeout=10,
                  headers={"Authorization": "Bearer " + make_token(SECRET, terminal_id)}).raise_for_status()


def populate(store: CentralStore, url: str, terminals: int = 24) -> list[str]:
    """Operators, a fleet with a few alarms, cases, ratings and complaints; returns the case numbers."""
    people = Operators(store.db)
    for name, role in (("测试管理员", "管理员"), ("测试审核", "业务审核"), ("测试运维", "运维")):
        people.add(name, role, PASSWORD)
    for n in range(1, terminals + 1):
        terminal_id = f"JY{n:03d}"
        heartbeat(url, terminal_id, printer="fault" if n == 3 else "ok", backlog=6 if n == 7 else n % 3,
                  oldest_days=25.0 if n == 7 else 0.0, alarms=("warning",) if n == 7 else ())
    store.db.execute("UPDATE heartbeats SET received_at = ? WHERE terminal_id = 'JY011'",
                     ((datetime.now(UTC) - timedelta(minutes=40)).isoformat(timespec="seconds"),))
    cases = []
    for n in range(1, 9):
        case = make_case(n, pages=1, page_bytes=5_000, terminal_id=f"JY{n:03d}")
        if n == 1:  # the case page shows a 补交材料 and what is still missing after it
            case = dataclasses.replace(case, missing=("居民户口簿", "近期一寸免冠照片"), promised_days=5)
        deliver(url, from_case(case), case.terminal_id)
        cases.append(case.case_no)
    first = make_case(1, terminal_id="JY001")
    deliver(url, from_supplement(Supplement("JY001-20270102-00009", first.case_no, "JY001", "JY-001", "户口登记",
                                            (Material("m1", "居民户口簿", first.materials[0].pages),),
                                            datetime(2027, 1, 2, 21, 30))), "JY001")
    for n, level in enumerate((Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.VERY_SATISFIED, Rating.DISSATISFIED,
                               Rating.VERY_DISSATISFIED, Rating.BASICALLY_SATISFIED)):
        deliver(url, from_rating(RatingRecord(
            cases[n], f"JY{n + 1:03d}", level, reasons=("等候时间长", "材料要求不清") if level.is_bad else (),
            rated_at=datetime(2027, 1, 2, 10, n), item_id="JY-001", item_name="户口登记")), f"JY{n + 1:03d}")
    for n, (category, text) in enumerate((("服务态度", "打印机没纸了，找不到工作人员"), ("办事效率", "建议增加社保事项"))):
        deliver(url, from_complaint(Complaint(f"JY00{n + 1}-C-0000{n}", f"JY00{n + 1}", category, text,
                                            phone="13800138000")), f"JY00{n + 1}")
    store.db.execute("UPDATE records SET created_at = ? WHERE kind = 'complaint' AND record_id LIKE 'JY001%'",
                     ((datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="seconds"),))
    return cases


def screenshots(folder: Path) -> list[tuple[Path, int]]:
    """Every console page, as each role sees it, at 1366x768; with each page's full width in pixels."""
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="console-shots-"))
    store = CentralStore(work / "central.sqlite")
    new_key(work / "catalog.key")
    server = ServerThread(create_service(store, SECRET, catalog_dir=work / "catalogs", catalog_key=work / "catalog.key"),
                          "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{server.port}"
    driver = chromium()
    written = []
    try:
        cases = populate(store, url)
        driver.delete_all_cookies()
        log_in(driver, url, "测试审核")
        driver.get(f"{url}/console/cases/{cases[2]}?full=1")  # an audited view, for the audit page
        catalogs = Catalogs(store.db, work / "catalogs", work / "catalog.key")
        catalogs.publish((SHIPPED_DIR / "jiyuan.json").read_bytes(), "测试管理员")
        catalogs.publish_form("jiyuan", "变更姓名申请表.pdf", sample_form(True).data)
        registry = Registry(store.db)
        for terminal_id in ("JY021", "JY022", "JY023"):
            registry.enrol(terminal_id, registry.make_code(terminal_id, "测试运维"))
        registry.revoke("JY023", "测试运维")
        for terminal_id in ("JY001", "JY002"):
            requests.get(f"{url}/v1/catalog/jiyuan", timeout=10,
                         headers={"Authorization": "Bearer " + make_token(SECRET, terminal_id)}).raise_for_status()
        driver.get(f"{url}/console/login")
        pages = [("01-login", None, "/console/login")]
        pages += [("02-fleet", "测试运维", "/console/fleet"), ("03-terminals", "测试运维", "/console/terminals"),
                  ("04-cases", "测试审核", "/console/cases"), ("05-case", "测试审核", f"/console/cases/{cases[0]}"),
                  ("06-ratings", "测试审核", "/console/ratings"), ("07-complaints", "测试审核", "/console/complaints"),
                  ("08-catalogs", "测试管理员", "/console/catalogs"), ("09-audit", "测试管理员", "/console/audit"),
                  ("10-operators", "测试管理员", "/console/operators")]
        current = None
        for name, who, path in pages:
            if who and who != current:
                driver.delete_all_cookies()
                log_in(driver, url, who)
                current = who
            driver.get(url + path)
            target = folder / f"{name}.png"
            driver.save_screenshot(str(target))
            written.append((target, int(driver.execute_script("return document.documentElement.scrollWidth"))))
    finally:
        driver.quit()
        server.stop()
        store.close()
        shutil.rmtree(work, ignore_errors=True)
    return written


if __name__ == "__main__":
    for path, width in screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/console")):
        print(path, f"page width {width} px")
