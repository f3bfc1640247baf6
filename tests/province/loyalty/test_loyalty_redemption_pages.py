"""Redemption pages and API (R2.4.4, R2.4.8, R6.5.1, R6.5.2): the counter with refusal
reasons and its double-submit-safe form, the printable receipt, cancellation, history with
filters, export and row visibility, the catalogue and rule pages by role, the blacklist on
the customer page, and the API's create/replay/cancel/errors; sh never sees bj's rows."""

from decimal import Decimal

import pytest

from province.customers import services as customer_services
from province.loyalty import services
from province.loyalty.models import AutoRedemptionRule, Redemption, RewardItem
from tests.conftest import in_tenant
from tests.factories import make_customer, make_org
from tests.province.loyalty.loyalty_helpers import earn
from tests.province.loyalty.redemption_helpers import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(bj):
    org = make_org()
    org.mine = make_customer(org.manager_a, name="Mine Co")
    org.theirs = make_customer(org.manager_b, name="Theirs Co")
    earn(org.mine, 1000, expires_in_days=20, key="mine")
    earn(org.theirs, 1000, expires_in_days=20, key="theirs")
    org.item = make_item(name="Tea set", points_price=300, stock=10)
    return org


@pytest.fixture
def page(tenant_client):
    def make(staff):
        client = tenant_client("bj", staff.user)
        client.cookies["django_language"] = "en"
        return client

    return make


@pytest.fixture
def api(api_client):
    def make(staff):
        client = api_client("bj", staff.user)
        client.credentials(HTTP_ACCEPT_LANGUAGE="en")
        return client

    return make


# --- counter and receipt (R6.5.1) --------------------------------------------------------


def test_r6_5_1_counter_finds_customer_shows_points_and_refusal_reasons(org, page):
    make_item(name="Diamond lounge", points_price=100, eligible_levels=["diamond"])
    client = page(org.manager_a)
    found = client.get("/loyalty/counter/", {"q": "Mine"}).content.decode()
    assert "Mine Co" in found and "Theirs Co" not in found  # only visible customers
    html = client.get("/loyalty/counter/", {"customer": org.mine.pk}).content.decode()
    assert 'id="available">1000<' in html and 'id="expiring">1000<' in html
    assert "is not offered to Standard customers" in html
    assert 'id="redeem-form"' in html and 'name="idempotency_key"' in html
    # another manager's customer is not found; a reader may not use the counter
    assert client.get("/loyalty/counter/", {"customer": org.theirs.pk}).status_code == 404
    assert page(org.auditor).get("/loyalty/counter/").status_code == 403


def test_r6_5_1_counter_redeems_once_per_form_and_prints_a_receipt(org, page):
    client = page(org.manager_a)
    form = client.get("/loyalty/counter/", {"customer": org.mine.pk}).context["form"]
    key = form.initial["idempotency_key"]
    data = {"customer": org.mine.pk, "item": org.item.pk, "quantity": 2, "idempotency_key": key}
    first = client.post(f"/loyalty/counter/?customer={org.mine.pk}", data)
    second = client.post(f"/loyalty/counter/?customer={org.mine.pk}", data)  # double submit
    redemption = Redemption.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == f"/loyalty/redemptions/{redemption.pk}/receipt/"
    assert RewardItem.objects.get(pk=org.item.pk).stock == 8
    receipt = client.get(first.url).content.decode()
    assert redemption.number in receipt and 'id="receipt-points">600<' in receipt
    assert 'id="receipt-balance">400<' in receipt and "Customer signature" in receipt
    assert "@media print" in receipt and 'id="print-receipt"' in receipt
    assert str(org.manager_a.user) in receipt  # the staff member


def test_r6_5_1_a_refused_redemption_shows_the_reason_on_the_form(org, page):
    client = page(org.manager_a)
    data = {"customer": org.mine.pk, "item": org.item.pk, "quantity": 5, "idempotency_key": "x1"}
    response = client.post(f"/loyalty/counter/?customer={org.mine.pk}", data)
    assert response.status_code == 200
    assert "Only 1000 points are available; 1500 are needed." in response.content.decode()
    assert response.context["form"]["idempotency_key"].value() != "x1"  # a retry is new
    assert Redemption.objects.count() == 0


def test_r2_4_4_cancel_page_needs_the_right_and_a_reason(org, page):
    redemption = services.redeem(
        org.mine, org.item, 1, actor=org.manager_a.user, idempotency_key="c1"
    )
    url = f"/loyalty/redemptions/{redemption.pk}/"
    assert 'id="cancel-form"' not in page(org.manager_a).get(url).content.decode()
    assert page(org.manager_a).post(url + "cancel/", {"reason": "x"}).status_code == 403
    supervisor = page(org.supervisor_a)
    assert 'id="cancel-form"' in supervisor.get(url).content.decode()
    no_reason = supervisor.post(url + "cancel/", {"reason": ""})
    assert no_reason.status_code == 400
    assert "Say why the redemption is cancelled." in no_reason.content.decode()
    done = supervisor.post(url + "cancel/", {"reason": "Customer changed mind"})
    assert done.status_code == 302
    redemption.refresh_from_db()
    assert redemption.status == "cancelled"
    assert "Customer changed mind" in supervisor.get(url).content.decode()
    # supervisor_b does not exist; manager_b cannot even see it
    assert page(org.manager_b).get(url).status_code == 404


# --- history (R6.5.2) --------------------------------------------------------------------


def test_r6_5_2_history_is_scoped_filtered_and_exported(org, page):
    mine = services.redeem(org.mine, org.item, 1, actor=org.admin.user, idempotency_key="h1")
    theirs = services.redeem(org.theirs, org.item, 1, actor=org.admin.user, idempotency_key="h2")
    services.cancel_redemption(theirs, actor=org.admin.user, reason="x")
    html = page(org.manager_a).get("/loyalty/redemptions/").content.decode()
    assert mine.number in html and theirs.number not in html
    admin = page(org.admin)
    both = admin.get("/loyalty/redemptions/").content.decode()
    assert mine.number in both and theirs.number in both
    cancelled = admin.get("/loyalty/redemptions/", {"status": "cancelled"}).content.decode()
    assert theirs.number in cancelled and mine.number not in cancelled
    export = admin.get("/loyalty/redemptions/export/", {"customer": org.mine.pk})
    body = export.content.decode("utf-8-sig")
    assert export["Content-Type"].startswith("text/csv")
    assert mine.number in body and theirs.number not in body
    # the customer's points page lists the redemptions
    points = page(org.manager_a).get(f"/loyalty/customer/{org.mine.pk}/").content.decode()
    assert 'id="points-redemptions"' in points and mine.number in points


# --- catalogue and automatic rules (R2.4.4, R2.4.8) --------------------------------------


def test_r2_4_4_catalogue_pages_by_role(org, page):
    listing = page(org.manager_a).get("/loyalty/catalogue/")
    assert listing.status_code == 200 and "Tea set" in listing.content.decode()
    assert 'id="add-item"' not in listing.content.decode()
    assert page(org.manager_a).get("/loyalty/catalogue/new/").status_code == 403
    admin = page(org.admin)
    data = {
        "code": "BC10",
        "name": "Bill credit 10",
        "kind": "bill_credit",
        "scope": "provincial",
        "points_price": 1000,
        "unit_cost": "10",
        "bill_credit_amount": "0",
        "min_balance": 0,
        "valid_from": "2025-01-01",
        "is_active": "on",
    }
    refused = admin.post("/loyalty/catalogue/new/", data)
    assert refused.status_code == 200
    assert "A bill credit item needs the amount it credits." in refused.content.decode()
    assert not RewardItem.objects.filter(code="BC10").exists()
    data["bill_credit_amount"] = "10"
    assert admin.post("/loyalty/catalogue/new/", data).status_code == 302
    item = RewardItem.objects.get(code="BC10")
    assert item.bill_credit_amount == Decimal("10.00") and item.created_by == org.admin.user
    assert admin.get(f"/loyalty/catalogue/{item.pk}/edit/").status_code == 200
    assert page(org.manager_a).post(f"/loyalty/catalogue/{item.pk}/deactivate/").status_code == 403
    admin.post(f"/loyalty/catalogue/{item.pk}/deactivate/")
    assert RewardItem.objects.get(pk=item.pk).is_active is False


def test_r2_4_8_auto_rule_page_for_points_administrators(org, page):
    assert page(org.manager_a).get("/loyalty/auto-redemption/").status_code == 403
    admin = page(org.admin)
    assert admin.get("/loyalty/auto-redemption/").status_code == 200
    data = {"name": "Expiring to credit", "item": org.item.pk, "days_ahead": 30, "min_points": 0}
    data["is_active"] = "on"
    assert admin.post("/loyalty/auto-redemption/", data).status_code == 302
    rule = AutoRedemptionRule.objects.get()
    assert admin.get(f"/loyalty/auto-redemption/{rule.pk}/edit/").status_code == 200


def test_r6_5_nav_shows_the_redemption_pages_by_role(org, page):
    manager = page(org.manager_a).get("/loyalty/catalogue/").content.decode()
    assert (
        'href="/loyalty/counter/"' in manager and 'href="/loyalty/auto-redemption/"' not in manager
    )
    admin = page(org.admin).get("/loyalty/catalogue/").content.decode()
    assert 'href="/loyalty/auto-redemption/"' in admin


# --- blacklist on the customer page (R2.4.4) ---------------------------------------------


def test_r2_4_4_blacklist_from_the_customer_page(org, page):
    url = f"/customers/{org.mine.pk}/"
    assert page(org.manager_a).post(url + "blacklist/", {"reason": "x"}).status_code == 403
    assert 'id="blacklist-form"' not in page(org.manager_a).get(url).content.decode()
    supervisor = page(org.supervisor_a)
    supervisor.post(url + "blacklist/", {"reason": "Fraudulent claims"})
    html = page(org.manager_a).get(url).content.decode()
    assert 'id="blacklist-badge"' in html and "Fraudulent claims" in html
    supervisor.post(url + "blacklist/", {"reason": "Paid up", "lift": "1"})
    assert 'id="blacklist-badge"' not in page(org.manager_a).get(url).content.decode()
    assert org.mine.blacklist_entries.get().lift_reason == "Paid up"


# --- API (R6.5.1, R6.5.2) ----------------------------------------------------------------


def test_r6_5_1_api_redeem_with_a_key_and_replay(org, api):
    client = api(org.manager_a)
    body = {"customer": org.mine.pk, "item": org.item.pk, "quantity": 1}
    missing = client.post("/api/loyalty/redemptions/", body, format="json")
    assert missing.status_code == 400 and "idempotency_key" in missing.json()["fields"]
    created = client.post(
        "/api/loyalty/redemptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-1"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["channel"] == "api" and created.json()["points"] == 300
    replay = client.post(
        "/api/loyalty/redemptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-1"
    )
    assert replay.status_code == 200 and replay.json()["id"] == created.json()["id"]
    in_body = client.post(
        "/api/loyalty/redemptions/", body | {"idempotency_key": "api-2"}, format="json"
    )
    assert in_body.status_code == 201
    assert Redemption.objects.count() == 2
    too_many = client.post(
        "/api/loyalty/redemptions/", body | {"quantity": 9, "idempotency_key": "api-3"}
    )
    assert too_many.status_code == 409 and too_many.json()["code"] == "insufficient_points"
    zero = client.post("/api/loyalty/redemptions/", body | {"quantity": 0, "idempotency_key": "z"})
    assert zero.status_code == 400 and "quantity" in zero.json()["fields"]
    # another manager's customer is not a choice
    theirs = client.post(
        "/api/loyalty/redemptions/",
        body | {"customer": org.theirs.pk, "idempotency_key": "api-4"},
        format="json",
    )
    assert theirs.status_code == 400 and "customer" in theirs.json()["fields"]
    # a reader cannot redeem
    assert api(org.auditor).post("/api/loyalty/redemptions/", body).status_code == 403


def test_r6_5_2_api_list_filters_and_cancel(org, api):
    mine = services.redeem(org.mine, org.item, 1, actor=org.admin.user, idempotency_key="l1")
    theirs = services.redeem(org.theirs, org.item, 1, actor=org.admin.user, idempotency_key="l2")
    listed = api(org.manager_a).get("/api/loyalty/redemptions/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    admin = api(org.admin)
    filtered = admin.get("/api/loyalty/redemptions/", {"customer": org.theirs.pk}).json()
    assert [row["id"] for row in filtered["results"]] == [theirs.pk]
    assert api(org.manager_a).get(f"/api/loyalty/redemptions/{theirs.pk}/").status_code == 404
    url = f"/api/loyalty/redemptions/{mine.pk}/cancel/"
    assert api(org.manager_a).post(url, {"reason": "x"}).status_code == 403
    no_reason = admin.post(url, {})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    cancelled = admin.post(url, {"reason": "Returned"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = admin.post(url, {"reason": "Returned"})
    assert again.status_code == 409 and again.json()["code"] == "already_cancelled"


def test_r2_4_4_api_catalogue_writes_for_points_admins_only(org, api):
    body = {
        "code": "API1",
        "name": "API gift",
        "kind": "bill_credit",
        "points_price": 100,
        "valid_from": "2025-01-01",
    }
    assert api(org.manager_a).post("/api/loyalty/reward-items/", body).status_code == 403
    assert api(org.manager_a).get("/api/loyalty/reward-items/").status_code == 200
    invalid = api(org.admin).post("/api/loyalty/reward-items/", body, format="json")
    assert invalid.status_code == 400 and "bill_credit_amount" in invalid.json()["fields"]
    body["bill_credit_amount"] = "5.00"
    created = api(org.admin).post("/api/loyalty/reward-items/", body, format="json")
    assert created.status_code == 201
    deactivated = api(org.admin).post(
        f"/api/loyalty/reward-items/{created.json()['id']}/deactivate/"
    )
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False


def test_r2_4_4_api_blacklist_actions(org, api):
    url = f"/api/customers/{org.mine.pk}/blacklist/"
    assert api(org.manager_a).post(url, {"reason": "x"}).status_code == 403
    assert api(org.supervisor_a).post(url, {"reason": ""}).status_code == 400
    listed = api(org.supervisor_a).post(url, {"reason": "Fraud"})
    assert listed.status_code == 201
    assert api(org.supervisor_a).post(url, {"reason": "Fraud"}).status_code == 409
    assert [e["reason"] for e in api(org.manager_a).get(url).json()] == ["Fraud"]
    lifted = api(org.supervisor_a).post(url + "lift/", {"reason": "Cleared"})
    assert lifted.status_code == 200 and lifted.json()["lift_reason"] == "Cleared"
    assert api(org.supervisor_a).post(url + "lift/", {"reason": "Cleared"}).status_code == 409


def test_r6_5_2_sh_cannot_see_bj_redemptions(org, api_client, tenant_client):
    redemption = services.redeem(org.mine, org.item, 1, actor=org.admin.user, idempotency_key="iso")
    customer_services.blacklist_customer(org.mine, actor=org.admin.user, reason="bj only")
    with in_tenant("sh"):
        admin = make_org().admin.user
    client = api_client("sh", admin)
    assert client.get("/api/loyalty/redemptions/").json()["results"] == []
    assert client.get(f"/api/loyalty/redemptions/{redemption.pk}/").status_code == 404
    assert (
        client.post(
            f"/api/loyalty/redemptions/{redemption.pk}/cancel/", {"reason": "x"}
        ).status_code
        == 404
    )
    html = tenant_client("sh", admin)
    assert html.get(f"/loyalty/redemptions/{redemption.pk}/receipt/").status_code == 404
    assert redemption.number not in html.get("/loyalty/redemptions/").content.decode()
