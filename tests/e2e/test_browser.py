"""Browser test: Playwright drives headless Chromium against a real server thread.

Signs in on bj.localhost and sees the province home page in Chinese (the default
language, whatever the browser's own locale). Skipped only when no Chromium is installed;
CI installs Debian's chromium first (.ci/run).
"""

import shutil
import threading
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from tests.conftest import in_tenant
from tests.factories import PASSWORD, make_staff, make_unit

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine"),
]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(committed):
    httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    httpd.set_app(StaticFilesHandler(WSGIHandler()))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def beijing_user(committed):
    # Created before the browser starts: Playwright's event loop forbids ORM calls after.
    committed({"bj"})
    with in_tenant("bj"):
        team = make_unit("北京分公司", kind="province")
        make_staff(team, ["account_manager"], username="wangwu", name="王五", password=PASSWORD)


def test_sign_in_on_bj_shows_the_home_page_in_chinese(beijing_user, server, browser):

    page = browser.new_page(locale="en-US")  # the browser asks for English; Chinese is default
    page.goto(f"http://bj.localhost:{server}/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("#id_username", "wangwu")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"http://bj.localhost:{server}/")
    heading = page.locator("h1").inner_text()
    assert "北京" in heading and "大客户" in heading
    assert "王五" in page.locator("#welcome").inner_text()
    assert page.get_by_role("button", name="退出").is_visible()
