"""Browser check of the analysis pages (R2.5): every chart is drawn, with no script errors.

Headless Chromium against a real server thread, as in tests/e2e; skipped when no Chromium
is installed.
"""

import shutil
import threading
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from tests.conftest import TenantClient, in_tenant
from tests.province.analysis.conftest import build_world

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine"),
]
PAGES = ["composition", "products", "satisfaction", "value", "pricing"]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def session_cookie(committed):
    # Data and session exist before the browser starts: Playwright's loop forbids ORM calls.
    committed({"bj"})
    with in_tenant("bj"):
        world = build_world()
    client = TenantClient("bj").login_as(world.org.admin.user)
    return client.cookies["sessionid"].value


@pytest.fixture
def server(committed):
    httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    httpd.set_app(StaticFilesHandler(WSGIHandler()))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_r2_5_every_chart_is_drawn_without_script_errors(session_cookie, server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context()
        context.add_cookies(
            [{"name": "sessionid", "value": session_cookie, "domain": "bj.localhost", "path": "/"}]
        )
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for slug in PAGES:
            page.goto(
                f"http://bj.localhost:{server}/analysis/{slug}/?period_from=2025-01&period_to=2025-03"
            )
            charts = page.locator("div.chart")
            assert charts.count() >= 3, slug
            for index in range(charts.count()):
                assert charts.nth(index).locator("canvas").count() == 1, (slug, index)
        browser.close()
    assert errors == []
