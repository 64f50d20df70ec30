"""The dashboard in headless Chromium: sign in, see the chart, open a task, replay a dead letter.

Screenshots are saved under .artifacts/ at the top of the checkout.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.cluster import Client

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")

if not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"):
    pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)",
                allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ready  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1100", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def rows(browser, table: str) -> list[str]:
    """The rows' text, read in one go (the page re-renders tables while we look)."""
    texts = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' tbody tr')].map(row => row.innerText)", table)
    return [" ".join(text.split()) for text in texts]


def click(browser, selector: str) -> None:
    browser.execute_script("document.querySelector(arguments[0]).click()", selector)


def wait_until(browser, condition, timeout: float = 20):
    return WebDriverWait(browser, timeout, poll_frequency=0.2).until(condition)


def test_dashboard(cluster, browser, receiver):
    hooky = Client(cluster.api_url)
    hooky.call("PUT", "/queues/partners", json={"maxInFlight": 3, "maxPerSecond": 50})
    for i in range(4):
        hooky.call("PUT", f"/tasks/report-{i}", json={"url": f"{receiver.url}/ui-ok?i={i}", "queue": "partners"})
    hooky.call("PUT", "/tasks/flaky-partner", json={"url": f"{receiver.url}/fail/1/ui-dead",
                                                    "retry": {"maxAttempts": 1}})
    hooky.wait_task("flaky-partner", lambda t: t["status"] == "error")
    for i in range(4):
        hooky.wait_task(f"report-{i}", lambda t: t["status"] == "success")

    host = cluster.api_url.removeprefix("http://")
    user, key = hooky.session.auth
    browser.get(f"http://{user}:{key}@{host}/ui")  # basic auth, as a person typing it at the prompt would
    wait_until(browser, lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    SCREENSHOTS.mkdir(exist_ok=True)

    assert browser.find_element(By.ID, "who").text == f"signed in as {user}"
    queue_rows = rows(browser, "#queues")
    assert any(row.startswith("partners 0 3 50 no 4 0") for row in queue_rows), queue_rows
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart rect.success")
    assert bars and browser.find_elements(By.CSS_SELECTOR, "#chart rect.error")
    assert browser.find_element(By.ID, "chart-total").text.startswith("5 calls")
    browser.save_screenshot(str(SCREENSHOTS / "dashboard-overview.png"))

    browser.find_element(By.ID, "search").send_keys("report-2")
    wait_until(browser, lambda b: [r.split()[0] for r in rows(b, "#tasks")] == ["report-2"])
    click(browser, "#tasks tbody tr")
    wait_until(browser, ready.visibility_of_element_located((By.ID, "task-detail")))
    [attempt] = wait_until(browser, lambda b: rows(b, "#attempts"))
    assert " success 200 " in f" {attempt} " and "received POST /ui-ok" in attempt
    browser.save_screenshot(str(SCREENSHOTS / "dashboard-task.png"))

    dead = rows(browser, "#dead")
    assert len(dead) == 1 and dead[0].startswith("flaky-partner default 500")
    click(browser, "#dead button")
    hooky.wait_task("flaky-partner", lambda t: t["status"] == "success")
    browser.find_element(By.ID, "search").clear()
    browser.execute_script("refresh()")
    wait_until(browser, lambda b: rows(b, "#dead") == [])
    assert browser.find_element(By.ID, "problem").text == ""
    browser.save_screenshot(str(SCREENSHOTS / "dashboard-replayed.png"))
