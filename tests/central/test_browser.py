"""The console in a real browser (Debian's chromium, headless, 1366x768) driven by Selenium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from gov_central.catalogs import new_key
from gov_central.server import CentralStore
from gov_central.service import create_service
from sync.auth import make_token
from sync.downlink import fetch_catalog, installed_version
from sync.httpserver import ServerThread
from terminal.catalog import SHIPPED_DIR
from tests.central.browser import HEIGHT, WIDTH, chromium, log_in, populate
from tests.sync.conftest import make_client
from tests.sync.helpers import SECRET


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def console(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """A populated console that publishes catalogs to <folder>/catalogs with <folder>/catalog.key."""
    new_key(folder / "catalog.key")
    store = CentralStore(folder / "central.sqlite")
    server = ServerThread(create_service(store, SECRET, catalog_dir=folder / "catalogs",
                                         catalog_key=folder / "catalog.key"), "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{server.port}"
    yield url, populate(store, url)
    server.stop()
    store.close()


@pytest.fixture
def browser() -> Iterator[object]:
    driver = chromium()
    yield driver
    driver.quit()


def _wait_text(driver: object, element_id: str, text: str) -> None:
    """Until the element shows `text`; while the page is being replaced, Chromium may answer for a node
    of the old document ("does not belong to the document"): asked again, as for a stale element."""
    WebDriverWait(driver, 10, ignored_exceptions=(WebDriverException,)).until(
        expected_conditions.text_to_be_present_in_element((By.ID, element_id), text))


def test_operator_acknowledges_an_alarm_in_a_fleet_table_that_fits_the_laptop(browser, console) -> None:
    url, _ = console
    log_in(browser, url, "测试运维")
    browser.get(f"{url}/console/fleet")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    row = browser.find_element(By.ID, "t-JY003")
    assert "打印机缺纸或故障" in row.text
    row.find_element(By.CLASS_NAME, "ack").click()
    _wait_text(browser, "t-JY003", "测试运维 已确认")
    # Sorting by disk (a click on the header) puts the fullest terminal first.
    header = next(th for th in browser.find_elements(By.CSS_SELECTOR, "#fleet th") if th.text.startswith("磁盘"))
    header.click()
    first = browser.find_element(By.CSS_SELECTOR, "#fleet tbody tr").get_attribute("id")
    assert first == "t-JY024"


def test_reviewer_sets_a_case_to_accepted_and_the_terminal_query_shows_it(browser, console) -> None:
    url, cases = console
    log_in(browser, url, "测试审核")
    browser.get(f"{url}/console/cases")
    browser.find_element(By.NAME, "case_no").send_keys(cases[1])
    search = browser.find_element(By.ID, "search")
    search.click()
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(search))  # the answer page, not the form
    WebDriverWait(browser, 10).until(expected_conditions.element_to_be_clickable((By.LINK_TEXT, cases[1]))).click()
    Select(browser.find_element(By.ID, "state")).select_by_visible_text("受理")
    browser.find_element(By.ID, "set-state").click()
    _wait_text(browser, "progress", "部门已受理，正在办理")
    answer = requests.get(f"{url}/v1/progress/{cases[1]}", timeout=10,
                          headers={"Authorization": "Bearer " + make_token(SECRET, "JY002")}).json()
    assert (answer["status"], answer["status_zh"]) == ("accepted", "部门已受理，正在办理")


def test_reviewer_closes_a_bad_rating_with_a_note(browser, console) -> None:
    url, cases = console
    log_in(browser, url, "测试审核")
    browser.get(f"{url}/console/ratings")
    row = next(tr for tr in browser.find_elements(By.CSS_SELECTOR, "#bad tbody tr") if cases[4] in tr.text)
    row.find_element(By.NAME, "note").send_keys("已调整窗口排班")
    row.find_element(By.NAME, "close").click()
    row.find_element(By.TAG_NAME, "button").click()
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(row))
    row = next(tr for tr in browser.find_elements(By.CSS_SELECTOR, "#bad tbody tr") if cases[4] in tr.text)
    assert row.find_element(By.NAME, "note").get_attribute("value") == "已调整窗口排班"
    assert row.find_elements(By.TAG_NAME, "td")[-1].text.startswith("20")


def test_admin_publishes_a_catalog_that_a_terminal_then_installs(browser, console, folder: Path) -> None:
    url, _ = console
    log_in(browser, url, "测试管理员")
    browser.get(f"{url}/console/catalogs")
    public = browser.find_element(By.ID, "public-key").text
    browser.find_element(By.ID, "catalog-file").send_keys(str(SHIPPED_DIR / "jiyuan.json"))
    browser.find_element(By.ID, "publish").click()
    _wait_text(browser, "done", "已发布 jiyuan 第 1 版")
    terminal = folder / "terminal"
    assert fetch_catalog(make_client(url), "jiyuan", (public,), terminal)
    assert installed_version(terminal, "jiyuan") == 1


def test_screenshots_of_every_page_fit_the_laptop(tmp_path: Path) -> None:
    from tests.central.browser import screenshots

    shots = screenshots(tmp_path)
    assert [p.name for p, _ in shots][:2] == ["01-login.png", "02-fleet.png"] and len(shots) == 10
    for shot, width in shots:
        head = shot.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")) == (WIDTH, HEIGHT)
        assert width <= WIDTH, f"{shot.name} is {width} px wide"
