"""Debian's headless Chromium driven through Selenium and Debian's chromedriver (never a browser
download), with the few moves the UI test makes in the Dagster UI: open a page, click a button by
its label, launch from a dialog and follow the "Launched run" toast, wait for a run's status."""

from __future__ import annotations

import contextlib
import shutil
import time
from pathlib import Path
from typing import Callable, Iterator

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1600,1000",
)
RUN_FINISHED = ("Success", "Failure", "Canceled")


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[WebDriver]:
    """A fresh headless Chromium with its own profile folder."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    assert not missing, f"{missing} missing: apt-get install chromium chromium-driver (.ci/run does)"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class DagsterUI:
    """The Dagster webserver at `base_url`, seen through `driver`; screenshots go to `shots`."""

    def __init__(self, driver: WebDriver, base_url: str, shots: Path, timeout: float = 30.0):
        self.driver, self.base_url, self.shots, self.timeout = driver, base_url, shots, timeout

    def open(self, path: str, ready_text: str) -> None:
        """Open `path` and wait until `ready_text` is shown."""
        self.driver.get(self.base_url + path)
        self.wait_for_text(ready_text)

    def skip_community_dialog(self, timeout: float) -> None:
        """Dagster asks a first visitor on localhost, a second after the page, to join its
        community; a newcomer clicks Skip, and it does not come back (the instance records it)."""
        skip = "//div[@role='dialog'][.//*[normalize-space()='Join the Dagster community']]//button[normalize-space()='Skip']"
        with contextlib.suppress(TimeoutException):
            self._wait(lambda d: _first_displayed(d.find_elements(By.XPATH, skip)), timeout).click()
            self.until(lambda d: not self.elements(skip), "the community dialog closing")

    def element(self, xpath: str, timeout: float | None = None) -> WebElement:
        return self.until(lambda d: _first_displayed(d.find_elements(By.XPATH, xpath)), f"an element at {xpath}", timeout)

    def elements(self, xpath: str) -> list[WebElement]:
        return [e for e in self.driver.find_elements(By.XPATH, xpath) if e.is_displayed()]

    def button(self, label: str, within: str = "") -> WebElement:
        return self.element(f"{within}//*[self::button or self::a][normalize-space()='{label}']")

    def click(self, label: str, within: str = "") -> None:
        self.button(label, within).click()

    def wait_for_text(self, text: str, timeout: float | None = None) -> WebElement:
        return self.element(f"//*[normalize-space(text())='{text}' or normalize-space()='{text}']", timeout)

    def follow_launched_run(self) -> str:
        """After a launch: open the run from the "Launched run" toast; returns the run page URL."""
        newest = "//li[@data-sonner-toast][@data-front='true'][contains(., 'Launched run')]"
        self.element(f"{newest}//a[normalize-space()='View']").click()
        self.until(lambda d: "/runs/" in d.current_url, "the run page")
        return self.driver.current_url

    def wait_for_run(self, timeout: float) -> str:
        """On a run page: the status it ends with, as its header shows it."""
        xpath = " or ".join(f"normalize-space()='{status}'" for status in RUN_FINISHED)
        return self.element(f"//*[{xpath}]", timeout).text.strip()

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        assert self.driver.save_screenshot(str(path)), f"no screenshot at {path}"
        return path

    def until(self, found: Callable[[WebDriver], object], what: str, timeout: float | None = None):
        """`found(driver)` once truthy; a screenshot and a clear failure when it never is."""
        try:
            return self._wait(found, timeout or self.timeout)
        except TimeoutException:
            self.screenshot(f"failure-{time.strftime('%H%M%S')}")
            raise AssertionError(f"no {what} within {timeout or self.timeout:.0f}s at {self.driver.current_url}") from None

    def _wait(self, found: Callable[[WebDriver], object], timeout: float):
        # React re-renders replace elements between finding and reading them: look again.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.5, ignored_exceptions=(StaleElementReferenceException,)).until(found)


def _first_displayed(elements: list[WebElement]) -> WebElement | bool:
    return next((e for e in elements if e.is_displayed()), False)
