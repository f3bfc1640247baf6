"""The loyalty pages (R2.4.1, R2.4.6, R2.4.7, R6.5.2): a customer's balance, lots and
history with the adjustment form, the accrual run page with its polled progress bar, and
pending adjustments with approve/reject."""

from datetime import date

import pytest

from province.loyalty import services
from province.loyalty.models import AccrualRun, AdjustmentRequest, LoyaltySettings, PointsAccount
from tests.factories import make_account, make_bill, make_customer, make_org
from tests.province.loyalty.loyalty_helpers import days, earn

pytestmark = pytest.mark.django_db

PERIOD = date(2025, 3, 1)


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
        client.cookies["django_language"] = "en"  # the messages below are the English source
        return client

    return make


def balance(customer) -> int:
    row = PointsAccount.objects.filter(customer=customer).first()
    return row.balance if row else 0


def set_threshold(points: int) -> None:
    settings = LoyaltySettings.load()
    settings.adjustment_approval_threshold = points
    settings.save()


# --- the customer's points (R6.5.2, R2.4.1, R2.4.7) --------------------------------------


def test_r6_5_2_customer_points_page_shows_balance_and_lots(org, page):
    earn(org.mine, 300, expires_in_days=200, key="a")
    earn(org.mine, 80, expires_in_days=20, key="b")
    services.request_adjustment(org.mine, -30, actor=org.manager_a.user, reason="Duplicate bill")
    response = page(org.manager_a).get(f"/loyalty/customer/{org.mine.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="balance">350<' in html and 'id="available">350<' in html
    assert 'id="held">0<' in html
    lots = list(response.context["summary"]["lots"])
    assert [(lot.points, lot.remaining) for lot in lots] == [(80, 50), (300, 300)]
    assert days(20).isoformat() in html and days(200).isoformat() in html
    assert "Duplicate bill" in html  # the history
    assert 'id="adjustment-form"' in html

    # Another team's customer is not found; a reader sees no adjustment form.
    assert page(org.manager_a).get(f"/loyalty/customer/{org.theirs.pk}/").status_code == 404
    reader = page(org.auditor).get(f"/loyalty/customer/{org.mine.pk}/").content.decode()
    assert 'id="balance">350<' in reader and 'id="adjustment-form"' not in reader


def test_r2_4_7_adjustment_form_shows_the_services_field_errors(org, page):
    client = page(org.manager_a)
    url = f"/loyalty/customer/{org.mine.pk}/"
    no_reason = client.post(url, {"points": "50", "reason": " "})
    assert no_reason.status_code == 200
    assert no_reason.context["form"].errors["reason"] == ["Say why the points are adjusted."]
    assert "Say why the points are adjusted." in no_reason.content.decode()
    zero = client.post(url, {"points": "0", "reason": "X"})
    assert "points" in zero.context["form"].errors
    short = client.post(url, {"points": "-10", "reason": "X"})
    assert short.status_code == 200 and short.context["form"].non_field_errors()
    assert not AdjustmentRequest.objects.exists() and balance(org.mine) == 0

    posted = client.post(url, {"points": "50", "reason": "Goodwill"})
    assert posted.status_code == 302 and posted.url == url
    assert balance(org.mine) == 50
    # A reader may not post the form.
    assert page(org.auditor).post(url, {"points": "5", "reason": "X"}).status_code == 403


# --- accrual runs (R2.4.6) ---------------------------------------------------------------


def test_r2_4_6_runs_page_starts_a_run_and_polls_its_progress(
    org, page, django_capture_on_commit_callbacks
):
    make_bill(make_account(org.mine), PERIOD, "120.00")
    client = page(org.admin)
    assert 'id="start-accrual"' in client.get("/loyalty/runs/").content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/loyalty/runs/start/", {"period": "2025-03"})
    assert len(callbacks) == 1
    run = AccrualRun.objects.get()
    assert response.status_code == 302 and response.url == f"/loyalty/runs/{run.pk}/"
    assert run.period == PERIOD and run.started_by == org.admin.user

    for url in (f"/loyalty/runs/{run.pk}/", "/loyalty/runs/"):
        html = client.get(url).content.decode()
        assert 'hx-trigger="every 2s"' in html and "progress-bar" in html
    services.execute_accrual(run.pk)
    partial = client.get(f"/loyalty/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "every 2s" not in partial and "100%" in partial
    assert balance(org.mine) >= 120


def test_r2_4_6_runs_page_bad_period_and_readers(org, page):
    bad = page(org.admin).post("/loyalty/runs/start/", {"period": "2025-13"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["period"] == ["Enter a month as YYYY-MM."]
    assert "Enter a month as YYYY-MM." in bad.content.decode()
    supervisor = page(org.supervisor_a)
    assert 'id="start-accrual"' not in supervisor.get("/loyalty/runs/").content.decode()
    assert supervisor.post("/loyalty/runs/start/", {"period": "2025-03"}).status_code == 403
    assert not AccrualRun.objects.exists()


# --- pending adjustments (R2.4.7) --------------------------------------------------------


def test_r2_4_7_approver_approves_a_pending_adjustment_from_the_list(org, page):
    set_threshold(100)
    pending = services.request_adjustment(org.mine, 500, actor=org.manager_a.user, reason="Promo")
    own = services.request_adjustment(org.mine, 700, actor=org.supervisor_a.user, reason="Mine")
    supervisor = page(org.supervisor_a)
    html = supervisor.get("/loyalty/adjustments/").content.decode()
    assert "Promo" in html and f"/loyalty/adjustments/{pending.pk}/decide/" in html
    assert f"/loyalty/adjustments/{own.pk}/decide/" not in html  # their own: no buttons
    manager_view = page(org.manager_a).get("/loyalty/adjustments/").content.decode()
    assert "Promo" in manager_view and "/decide/" not in manager_view

    response = supervisor.post(
        f"/loyalty/adjustments/{pending.pk}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 302 and balance(org.mine) == 500
    refused = supervisor.post(
        f"/loyalty/adjustments/{own.pk}/decide/", {"decision": "approve"}, follow=True
    )
    assert "someone other than its requester" in refused.content.decode()
    assert balance(org.mine) == 500
    assert (
        page(org.manager_a)
        .post(f"/loyalty/adjustments/{own.pk}/decide/", {"decision": "approve"})
        .status_code
        == 403
    )
