"""The points standards and notices (R2.4.2, R2.4.3, R2.4.5): earning rule editor (pages and
API), validity policies, loyalty settings, expiry run pages, expiry notices, lot extension
from the customer's page; each for the right roles only."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from province.loyalty import notices, services, standards
from province.loyalty.choices import RuleCondition, RuleKind, RuleScope
from province.loyalty.models import (
    EarningRule,
    ExpiryNotice,
    ExpiryRun,
    LotExtension,
    LoyaltySettings,
    PointsLot,
    ValidityPolicy,
)
from province.loyalty.tasks import notify_expiring_points_all_provinces_task
from tests.factories import make_account, make_bill, make_customer, make_org, make_product
from tests.province.loyalty.loyalty_helpers import days, earn

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(bj):
    org = make_org()
    org.mine = make_customer(org.manager_a)
    org.theirs = make_customer(org.manager_b)
    return org


@pytest.fixture
def page(tenant_client):
    def make(staff):
        client = tenant_client("bj", staff.user)
        client.cookies["django_language"] = "en"
        return client

    return make


RULE_FORM = {
    "name": "Fibre ×3",
    "scope": RuleScope.PROVINCIAL,
    "kind": RuleKind.PRODUCT,
    "points_per_yuan": "3",
    "multiplier": "1",
    "bonus_points": "0",
    "valid_from": "2025-01-01",
    "is_active": "on",
}


# --- earning rules (R2.4.2) --------------------------------------------------------------


def test_r2_4_2_rule_editor_creates_with_field_errors_and_only_for_admins(org, page, bj):
    admin = page(org.admin)
    assert admin.get("/loyalty/rules/").status_code == 200
    before = EarningRule.objects.count()
    bad = admin.post("/loyalty/rules/new/", RULE_FORM | {"valid_to": "2024-12-31"})
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert "A product rule names its product." in errors["product"]
    assert "A rule cannot end before it starts." in errors["valid_to"]
    tenure = admin.post(
        "/loyalty/rules/new/",
        RULE_FORM
        | {
            "kind": RuleKind.BONUS,
            "condition": RuleCondition.TENURE_YEARS_AT_LEAST,
            "parameter": "x",
        },
    )
    assert "parameter" in tenure.context["form"].errors
    level = admin.post("/loyalty/rules/new/", RULE_FORM | {"kind": RuleKind.LEVEL_MULTIPLIER})
    assert "level" in level.context["form"].errors
    assert EarningRule.objects.count() == before  # refusals write nothing
    product = make_product()
    ok = admin.post("/loyalty/rules/new/", RULE_FORM | {"product": product.pk})
    assert ok.status_code == 302
    rule = EarningRule.objects.get(name="Fibre ×3")
    assert rule.created_by == org.admin.user and rule.history.count() == 1
    manager = page(org.manager_a)
    assert manager.get("/loyalty/rules/").status_code == 403
    assert (
        manager.post("/loyalty/rules/new/", RULE_FORM | {"product": product.pk}).status_code == 403
    )
    assert manager.post(f"/loyalty/rules/{rule.pk}/end/").status_code == 403


def test_r2_4_2_a_rule_in_use_is_ended_not_deleted_and_keeps_its_terms(org, page):
    unused = EarningRule.objects.create(
        name="unused", scope=RuleScope.PROVINCIAL, kind=RuleKind.BONUS,
        condition=RuleCondition.CAMPAIGN, parameter="Z", valid_from=date(2025, 1, 1),
    )  # fmt: skip
    used = EarningRule.objects.create(
        name="on time", scope=RuleScope.PROVINCIAL, kind=RuleKind.BONUS,
        condition=RuleCondition.PAID_ON_TIME, bonus_points=5, valid_from=date(2025, 1, 1),
    )  # fmt: skip
    make_bill(make_account(org.mine), date(2025, 3, 1), "10.00")
    services.execute_accrual(services.start_accrual(date(2025, 3, 1)).pk)
    admin = page(org.admin)
    admin.post(f"/loyalty/rules/{unused.pk}/end/")
    assert not EarningRule.objects.filter(pk=unused.pk).exists()
    edit = admin.post(
        f"/loyalty/rules/{used.pk}/",
        {
            "name": "on time",
            "scope": RuleScope.PROVINCIAL,
            "kind": RuleKind.BONUS,
            "condition": RuleCondition.PAID_ON_TIME,
            "points_per_yuan": "0",
            "multiplier": "1",
            "bonus_points": "50",
            "valid_from": "2025-01-01",
            "is_active": "on",
        },
    )
    assert edit.status_code == 200 and edit.context["form"].non_field_errors()
    used.refresh_from_db()
    assert used.bonus_points == 5
    admin.post(f"/loyalty/rules/{used.pk}/end/", {"on": "2025-06-30"})
    used.refresh_from_db()
    assert used.valid_to == date(2025, 6, 30)


def test_r2_4_2_earning_rules_api(org, api_client):
    admin = api_client("bj", org.admin.user)
    product = make_product()
    bad = admin.post("/api/loyalty/earning-rules/", RULE_FORM | {"is_active": True}, format="json")
    assert bad.status_code == 400 and "product" in bad.json()["fields"]
    created = admin.post(
        "/api/loyalty/earning-rules/",
        RULE_FORM | {"is_active": True, "product": product.pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert admin.get("/api/loyalty/earning-rules/").status_code == 200
    patched = admin.patch(
        f"/api/loyalty/earning-rules/{pk}/", {"points_per_yuan": "4"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["points_per_yuan"] == "4.0000"
    manager = api_client("bj", org.manager_a.user)
    assert manager.get("/api/loyalty/earning-rules/").status_code == 403
    assert manager.post(f"/api/loyalty/earning-rules/{pk}/end/").status_code == 403
    assert admin.post(f"/api/loyalty/earning-rules/{pk}/end/").status_code == 204


# --- validity and settings (R2.4.3) ------------------------------------------------------


def test_r2_4_3_validity_page_creates_and_activates_exactly_one_policy(org, page):
    admin = page(org.admin)
    html = admin.get("/loyalty/validity/").content.decode()
    assert "lapse on 31 December of year N+2" in html
    assert admin.post("/loyalty/validity/new/", {"name": "", "years_after": "3"}).status_code == 200
    admin.post("/loyalty/validity/new/", {"name": "Three years", "years_after": "3"})
    policy = ValidityPolicy.objects.get(name="Three years")
    assert not policy.is_active
    admin.post(f"/loyalty/validity/{policy.pk}/activate/")
    assert list(ValidityPolicy.objects.filter(is_active=True)) == [policy]
    assert "N+3" in admin.get("/loyalty/validity/").content.decode()
    assert page(org.manager_a).get("/loyalty/validity/").status_code == 403
    assert (
        page(org.supervisor_a).post(f"/loyalty/validity/{policy.pk}/activate/").status_code == 403
    )


def test_r2_4_9_settings_page_is_for_points_admins_and_audited(org, page):
    admin = page(org.admin)
    response = admin.post(
        "/loyalty/settings/",
        {
            "adjustment_approval_threshold": "800",
            "point_cost": "0.0125",
            "expiry_warning_days": "45",
        },
    )
    assert response.status_code == 302
    settings = LoyaltySettings.load()
    assert (settings.adjustment_approval_threshold, settings.expiry_warning_days) == (800, 45)
    assert settings.history.first().history_user == org.admin.user
    bad = admin.post(
        "/loyalty/settings/",
        {"adjustment_approval_threshold": "-1", "point_cost": "0.01", "expiry_warning_days": "5"},
    )
    assert "adjustment_approval_threshold" in bad.context["form"].errors
    assert LoyaltySettings.load().expiry_warning_days == 45
    assert page(org.supervisor_a).get("/loyalty/settings/").status_code == 403
    assert page(org.manager_a).post("/loyalty/settings/", {}).status_code == 403


# --- expiry runs (R2.4.5) ----------------------------------------------------------------


def test_r2_4_5_expiry_run_pages_start_poll_and_resume(org, page):
    earn(org.mine, 40, expires_in_days=-3, key="lapsed")
    admin = page(org.admin)
    assert admin.get("/loyalty/expiry-runs/").status_code == 200
    started = admin.post("/loyalty/expiry-runs/start/", {"as_of": ""})
    run = ExpiryRun.objects.get()
    assert started.status_code == 302 and started.url == f"/loyalty/expiry-runs/{run.pk}/"
    partial = admin.get(f"/loyalty/expiry-runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" in partial and "0 of 1 lapsed lots processed" in partial
    conflict = admin.post("/loyalty/expiry-runs/start/", {"as_of": ""})
    assert conflict.status_code == 200 and conflict.context["form"].non_field_errors()
    services.execute_expiry(run.pk)
    done = admin.get(f"/loyalty/expiry-runs/{run.pk}/").content.decode()
    assert "1 lots expired, 40 points expired" in done
    assert page(org.manager_a).get("/loyalty/expiry-runs/").status_code == 403
    assert page(org.supervisor_a).post("/loyalty/expiry-runs/start/").status_code == 403


# --- expiry notices (R2.4.5) -------------------------------------------------------------


def test_r2_4_5_notices_are_written_once_per_customer_and_expiry_within_the_window(org):
    earn(org.mine, 100, expires_in_days=10, key="a")
    earn(org.mine, 50, expires_in_days=10, key="b")
    earn(org.mine, 70, expires_in_days=40, key="c")  # beyond the 30-day window
    earn(org.theirs, 30, expires_in_days=30, key="d")
    assert notices.create_expiry_notices() == 2
    rows = {
        (n.customer_id, n.points, n.expires_at, n.account_manager_id)
        for n in ExpiryNotice.objects.all()
    }
    assert rows == {
        (org.mine.pk, 150, days(10), org.manager_a.pk),
        (org.theirs.pk, 30, days(30), org.manager_b.pk),
    }
    assert notices.create_expiry_notices() == 0  # again the same day: nothing twice
    settings = LoyaltySettings.load()
    settings.expiry_warning_days = 60
    settings.save()
    assert notify_expiring_points_all_provinces_task() >= 1  # the beat fan-out; c now
    call_command("notify_expiring_points", "--province", "bj")
    assert ExpiryNotice.objects.count() == 3


def test_r2_4_5_manager_sees_and_marks_his_unread_notices_with_a_badge(org, page):
    earn(org.mine, 100, expires_in_days=5, key="a")
    earn(org.theirs, 30, expires_in_days=5, key="b")
    notices.create_expiry_notices()
    mine = ExpiryNotice.objects.get(customer=org.mine)
    theirs = ExpiryNotice.objects.get(customer=org.theirs)
    client = page(org.manager_a)
    response = client.get("/loyalty/notices/")
    assert list(response.context["rows"]) == [mine]
    assert 'id="expiry-notice-badge">1<' in response.content.decode()
    export = client.get("/loyalty/notices/export/").content.decode("utf-8-sig")
    assert org.mine.number in export and org.theirs.number not in export
    assert client.post(f"/loyalty/notices/{theirs.pk}/read/").status_code == 404  # not visible
    supervisor = page(org.admin)
    assert supervisor.post(f"/loyalty/notices/{mine.pk}/read/").status_code == 403  # not his
    client.post(f"/loyalty/notices/{mine.pk}/read/")
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "expiry-notice-badge" not in client.get("/loyalty/notices/").content.decode()
    assert page(org.agent_a).get("/loyalty/notices/").status_code == 403


# --- lot extension from the customer's page (R2.4.3) -------------------------------------


def test_r2_4_3_customer_points_page_offers_lot_extension_to_authorised_staff(org, page):
    earn(org.mine, 100, expires_in_days=5, key="a")
    lot = PointsLot.objects.get(customer=org.mine)
    supervisor = page(org.supervisor_a)
    assert "lot-extend" in supervisor.get(f"/loyalty/customer/{org.mine.pk}/").content.decode()
    assert (
        "lot-extend"
        not in page(org.manager_a).get(f"/loyalty/customer/{org.mine.pk}/").content.decode()
    )
    new = (timezone.localdate() + timedelta(days=90)).isoformat()
    refused = supervisor.post(f"/loyalty/lots/{lot.pk}/extend/", {"expires_at": new, "reason": ""})
    assert refused.status_code == 302 and not LotExtension.objects.exists()
    supervisor.post(f"/loyalty/lots/{lot.pk}/extend/", {"expires_at": new, "reason": "VIP"})
    lot.refresh_from_db()
    assert lot.expires_at.isoformat() == new
    assert (
        page(org.manager_a)
        .post(f"/loyalty/lots/{lot.pk}/extend/", {"expires_at": new, "reason": "x"})
        .status_code
        == 403
    )
    assert standards.policy_meaning(None).endswith("N+2.")
