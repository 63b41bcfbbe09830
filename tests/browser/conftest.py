"""Browser tests: headless Debian Chromium driven by Playwright against a live server.

Every page a journey visits is checked with axe-core; any violation fails the test.
Screenshots of each checked page go to test-artifacts/ (kept by CI as evidence). A page
that breaks the Content-Security-Policy (a blocked script, style or image: Chromium reports it
on the console), gets a Permissions-Policy Chromium does not understand, or throws a JavaScript
error fails the test that opened it.

Every wait is on a condition, never on the clock: Playwright's `expect` and actions retry until
`TIMEOUT_MS` (30 s by default, `PORTAL_BROWSER_TIMEOUT_MS` to change it), which holds on a busy
two-core machine where a page can take seconds. No `wait_for_timeout`, `time.sleep` or short
timeouts in these tests (`tests/test_browser_waits.py` fails on them). Open every browser context
with `new_context()` so it gets the same timeouts; `sign_in()` returns only once the sign-in has
been answered, so the next `goto` cannot cut it short.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import need_service

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# One generous limit for every action, navigation and `expect`: a condition that holds returns at
# once, so a long limit costs nothing on a quiet machine and saves the test on a busy one.
TIMEOUT_MS = int(os.environ.get("PORTAL_BROWSER_TIMEOUT_MS", "30000"))
expect.set_options(timeout=TIMEOUT_MS)


def new_context(browser, live_server, **options):
    """A browser context on the live server with the suite's timeouts (English unless told)."""
    options.setdefault("locale", "en-GB")
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        need_service("Chromium", f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server):
    context = new_context(browser, live_server, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: JavaScript error: {error}"))
    yield page
    context.close()
    assert problems == [], "The browser reported:\n" + "\n".join(problems)


class AxeChecker:
    def __init__(self, test_name: str):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.count = 0

    def __call__(self, page, label: str = "") -> None:
        """Fail on any axe-core violation on the current page; save a screenshot."""
        self.count += 1
        # A click on a link returns once the next page starts loading: check the loaded page.
        page.wait_for_load_state("load")
        ARTIFACTS.mkdir(exist_ok=True)
        name = f"{self.test_name}-{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.png"
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        results = self.axe.run(page)
        assert results.violations_count == 0, (
            f"axe-core found violations on {page.url} ({label}):\n{results.generate_report()}"
        )


@pytest.fixture
def axe(request):
    return AxeChecker(request.node.name)


def sign_in(page, email: str, password: str) -> None:
    """Signs in with a password; returns once the server answered (the next page, or the
    second-factor step for staff), so a `goto` right after cannot interrupt the sign-in."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
