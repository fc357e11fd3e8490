"""Headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium, for the
console's browser tests: a person's browser in their language and time zone, with screenshots
of every page saved under .local/screenshots (not committed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"


class Browser:
    """One person's browser on the console at `base`."""

    def __init__(self, base: str, *, language: str, timezone: str, name: str,
                 width: int = 1280, height: int = 1600) -> None:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--disable-gpu", f"--window-size={width},{height}", f"--lang={language}"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": timezone})
        self.base, self.name, self.shots = base, name, 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        self.driver.quit()

    def open(self, path: str) -> None:
        self.driver.get(path if path.startswith("http") else self.base + path)

    def find(self, css: str) -> Any:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[Any]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return self.find(css).text

    def fill(self, fields: dict[str, str]) -> None:
        """Type into inputs found by CSS selector (cleared first)."""
        for css, value in fields.items():
            element = self.find(css)
            element.clear()
            element.send_keys(value)

    def click(self, css: str, *, navigates: bool = True) -> None:
        """Click; a button that posts a form is waited for until the next page replaced
        this one (PRG: every form answers with a new page)."""
        if not navigates:
            self.find(css).click()
            return
        self.navigate(lambda: self.find(css).click())

    def submit(self, css: str) -> None:
        self.navigate(lambda: self.find(css).submit())

    def navigate(self, act: Callable[[], None]) -> None:
        page = self.find("html")
        act()

        def replaced(_: Any) -> bool:
            try:
                page.is_enabled()
            except WebDriverException:  # stale, or the inspector no longer knows the node
                return True
            return False

        WebDriverWait(self.driver, 60).until(replaced)

    def shot(self, page: str, *, width: int = 1280) -> Path:
        """A full-page screenshot at a width (390: a phone), numbered in the walk's order."""
        self.shots += 1
        path = SCREENSHOTS / f"{self.name}-{self.shots:02d}-{page}.png"
        self.driver.set_window_size(width, 900)  # measure the page, not the last window
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, max(height + 120, 600))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(1280, 900)
        return path

    def sign_in(self, user: str) -> None:
        """The development sign-in page: pick the demo user, submit."""
        self.open("/signin")
        self.click(f'[data-testid="user-{user}"]', navigates=False)
        self.click('[data-testid="signin"]')

    def sign_out(self) -> None:
        self.click("form.who button")

    def reload_until(self, read: Callable[[], Any], expected: Any, timeout_s: float = 120) -> Any:
        """Reload the page until read() answers expected; its last answer when time is up."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                answer = read()
            except WebDriverException:
                answer = None
            if answer == expected or time.monotonic() > deadline:
                return answer
            time.sleep(1)
            self.driver.refresh()
