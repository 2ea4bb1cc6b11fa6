"""Browser journeys: Debian's chromium driven by Playwright over the demo site's real WSGI server.

Test classes use the layer `ARCHIVE_DEMO_FUNCTIONAL_TESTING` (the demo province served over
HTTP) and the fixture `officer` (usefixtures), which puts on the test instance:

- `self.site_url`: the site's URL on the layer's server,
- `self.open_as(user_id)`: a fresh browser context logged in as that demo officer, returning
  its Playwright `Page` (Vietnamese UI, Vietnam time),
- `self.screenshot(page, name)`: a full-page PNG into docs/screenshots/<name>.png.

Chromium is Debian's (/usr/bin/chromium, `make system-deps`); Playwright's own browser download
is never used. If the browser cannot start, the tests fail: they never skip.
"""
import os
import sys

import pytest

# The demo profile gives its officers this password (read by archive.demo.demo_password).
DEMO_PASSWORD = "demo-officer-password-1"
os.environ.setdefault("ARCHIVE_DEMO_PASSWORD", DEMO_PASSWORD)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from site_process import compile_translations  # noqa: E402

# The layers load translations from .mo files: compile them before any site is set up.
compile_translations()

CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.path.join(ROOT, "docs", "screenshots")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--lang=vi-VN"]  # the browser's own widgets (date fields) in Vietnamese too


@pytest.fixture(scope="session")
def chromium():
    """One chromium for the session, with a fresh profile; fails (never skips) if it cannot start."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)", pytrace=False)
    manager = sync_playwright().start()
    try:
        # launch() gives the browser a fresh user-data-dir of its own, removed on close.
        browser = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # the browser's own message says why (missing library, bad flag...)
        manager.stop()
        pytest.fail(f"chromium could not start: {exc}", pytrace=False)
    yield browser
    browser.close()
    manager.stop()


def site_url(layer):
    return f"http://{layer['host']}:{layer['port']}/plone"


def login(page, url, user_id, password=DEMO_PASSWORD):
    """Log in through Plone's own login form, as a person does."""
    page.goto(url + "/login")
    page.fill("#__ac_name", user_id)
    page.fill("#__ac_password", password)
    page.click("#login-form button[type=submit], #login-form input[type=submit]")
    page.wait_for_load_state("load")


@pytest.fixture
def officer(request, chromium):
    """Puts site_url, open_as and screenshot on the unittest instance (see the module docstring)."""
    instance = request.instance
    url = site_url(instance.layer)
    contexts = []

    def open_as(user_id, language="vi"):
        context = chromium.new_context(
            locale="vi-VN" if language == "vi" else "en-US", timezone_id="Asia/Ho_Chi_Minh",
            viewport={"width": 1366, "height": 900}, extra_http_headers={"Accept-Language": language})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30000)
        if user_id:
            login(page, url, user_id)
        return page

    def screenshot(page, name):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)

    instance.site_url = url
    instance.open_as = open_as
    instance.screenshot = screenshot
    yield
    for context in contexts:
        context.close()
