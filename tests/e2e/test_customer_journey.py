"""Browser test of the main customer journey (R2.1.2): search a customer, open it, change
its account manager, see the change in its history."""

import pytest
from playwright.sync_api import expect

from tests.conftest import in_tenant
from tests.e2e.test_browser import CHROMIUM, browser, server  # noqa: F401  (fixtures)
from tests.factories import PASSWORD, make_customer, make_org

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine"),
]


@pytest.fixture
def journey_data(committed):
    committed({"bj"})
    with in_tenant("bj"):
        org = make_org()
        admin = org.admin.user
        admin.username = "zhaoliu"
        admin.set_password(PASSWORD)
        admin.save()
        customer = make_customer(org.manager_a, name="北京星河数据科技有限公司")
        make_customer(org.manager_b, name="天津某公司")
        return {
            "customer": customer,
            "from": org.manager_a.name,
            "to": org.manager_b.name,
            "to_id": org.manager_b.pk,
        }


def test_search_open_change_manager_see_history(journey_data, server, browser):  # noqa: F811
    base = f"http://bj.localhost:{server}"
    page = browser.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "zhaoliu")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/customers/")
    page.fill("input[name=q]", "星河")
    expect(page.locator("#customer-table tbody tr")).to_have_count(1)  # htmx swapped the rows
    page.click(f"text={journey_data['customer'].number}")
    page.wait_for_url(f"{base}/customers/{journey_data['customer'].pk}/")
    assert journey_data["from"] in page.locator("#account-manager").inner_text()

    page.click("#edit-customer")
    page.select_option("#id_account_manager", str(journey_data["to_id"]))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/customers/{journey_data['customer'].pk}/")
    assert journey_data["to"] in page.locator("#account-manager").inner_text()

    page.click("#history-tab")
    history = page.locator("#tab-history").inner_text()
    assert journey_data["from"] in history and journey_data["to"] in history
