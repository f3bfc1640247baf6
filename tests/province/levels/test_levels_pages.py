"""The levels pages (R2.2): standard editor, run start with a polled progress bar, bulk
decisions, a customer's cards and level history, the annual review and its export."""

import csv
import io
from datetime import date

import pytest

from province.customers.models import Customer
from province.levels import services
from province.levels.models import LevelStandard, MembershipCard, RegradingRun
from tests.conftest import in_tenant
from tests.factories import make_org
from tests.province.levels.levels_helpers import (
    ALL_LEVEL_PERMISSIONS,
    READ_PERMISSIONS,
    customer_paying,
    grant,
    proposals_by_customer,
    regrade,
    set_level,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    with in_tenant("bj"):
        org = make_org()
        org.admin_user = grant(org.admin, *ALL_LEVEL_PERMISSIONS)
        org.reader_user = grant(org.auditor, *READ_PERMISSIONS)
        return org


def test_r2_2_standard_editor_creates_a_version_with_rules(scene, tenant_client):
    client = tenant_client("bj", scene.admin_user)
    assert client.get("/levels/standards/new/").status_code == 200
    response = client.post(
        "/levels/standards/new/",
        {
            "name": "2026",
            "effective_from": "2026-01-01",
            "months": "6",
            "strategic_min_level": "gold",
            "validity_months": "12",
            "silver_min_avg": "160",
            "gold_min_avg": "320",
            "gold_min_tenure": "12",
            "diamond_min_avg": "480",
            "diamond_min_products": "3",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    with in_tenant("bj"):
        standard = LevelStandard.objects.get(name="2026")
        rules = {
            r.level: (str(r.min_avg_monthly_paid), r.min_tenure_months, r.min_active_products)
            for r in standard.rules.all()
        }
    assert rules == {
        "silver": ("160.00", None, None),
        "gold": ("320.00", 12, None),
        "diamond": ("480.00", None, 3),
    }
    page = client.get("/levels/")
    assert "2026" in page.content.decode()


def test_r2_2_new_version_starts_from_an_existing_standard(scene, tenant_client):
    with in_tenant("bj"):
        published = LevelStandard.objects.get(is_active=True)
    form = tenant_client("bj", scene.admin_user).get(f"/levels/standards/new/?from={published.pk}")
    form = form.context["form"]
    assert form["months"].value() == 6
    assert str(form["gold_min_avg"].value()) == "300.00"


def test_r2_2_reader_cannot_open_the_standard_editor(scene, tenant_client):
    assert tenant_client("bj", scene.reader_user).get("/levels/standards/new/").status_code == 403


def test_r2_2_start_button_creates_a_run_and_the_page_polls_its_progress(
    scene, tenant_client, django_capture_on_commit_callbacks
):
    client = tenant_client("bj", scene.admin_user)
    assert 'id="start-regrading"' in client.get("/levels/runs/").content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/levels/runs/start/", {"as_of": "2025-07"})
    assert len(callbacks) == 1
    with in_tenant("bj"):
        run = RegradingRun.objects.get()
    assert response.status_code == 302 and response.url == f"/levels/runs/{run.pk}/"
    assert run.as_of == date(2025, 7, 1)

    page = client.get(f"/levels/runs/{run.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "progress-bar" in page
    with in_tenant("bj"):
        customer_paying(scene.manager_a, 320)
        services.execute_run(run.pk)
    partial = client.get(f"/levels/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert "every 2s" not in partial  # finished: polling stops
    assert "100%" in partial


def test_r2_2_bulk_approve_from_the_proposal_list(scene, tenant_client):
    with in_tenant("bj"):
        first = customer_paying(scene.manager_a, 320)
        second = customer_paying(scene.manager_b, 160)
        proposals = proposals_by_customer(regrade())
    client = tenant_client("bj", scene.admin_user)
    page = client.get("/levels/proposals/").content.decode()
    assert first.name in page and second.name in page
    response = client.post(
        "/levels/proposals/decide/",
        {"proposals": [proposals[first.pk].pk, proposals[second.pk].pk], "decision": "approve"},
    )
    assert response.status_code == 302
    with in_tenant("bj"):
        levels = dict(
            Customer.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "level")
        )
    assert levels == {first.pk: "gold", second.pk: "silver"}


def test_r2_2_reader_cannot_decide_from_the_page(scene, tenant_client):
    with in_tenant("bj"):
        customer = customer_paying(scene.manager_a, 320)
        proposal = proposals_by_customer(regrade())[customer.pk]
    client = tenant_client("bj", scene.reader_user)
    assert 'name="decision"' not in client.get("/levels/proposals/").content.decode()
    response = client.post(
        "/levels/proposals/decide/", {"proposals": [proposal.pk], "decision": "approve"}
    )
    assert response.status_code == 403


def test_r2_2_customer_page_shows_cards_history_and_runs_transitions(scene, tenant_client):
    with in_tenant("bj"):
        customer = customer_paying(scene.manager_a, 320)
        services.override_level(customer, "gold", actor=scene.admin_user, reason="VIP contract")
    client = tenant_client("bj", scene.admin_user)
    assert client.post(f"/levels/customer/{customer.pk}/apply-card/").status_code == 302
    with in_tenant("bj"):
        card = MembershipCard.objects.get(customer=customer)
    client.post(f"/levels/cards/{card.pk}/issue/")
    client.post(f"/levels/cards/{card.pk}/report-lost/")
    page = client.get(f"/levels/customer/{customer.pk}/").content.decode()
    with in_tenant("bj"):
        card.refresh_from_db()
    assert card.status == "lost" and card.number in page
    assert "VIP contract" in page
    # An invalid transition is reported, not a server error.
    response = client.post(f"/levels/cards/{card.pk}/issue/", follow=True)
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


def test_r2_2_override_from_the_page_needs_a_reason(scene, tenant_client):
    with in_tenant("bj"):
        customer = customer_paying(scene.manager_a, 100)
    client = tenant_client("bj", scene.admin_user)
    client.post(f"/levels/customer/{customer.pk}/override/", {"level": "gold", "reason": ""})
    with in_tenant("bj"):
        assert Customer.objects.get(pk=customer.pk).level == "standard"
    client.post(f"/levels/customer/{customer.pk}/override/", {"level": "gold", "reason": "Deal"})
    with in_tenant("bj"):
        assert Customer.objects.get(pk=customer.pk).level == "gold"


def test_r9_2_customer_page_of_another_managers_customer_is_404(scene, tenant_client):
    with in_tenant("bj"):
        theirs = customer_paying(scene.manager_b, 100)
    client = tenant_client("bj", scene.manager_a.user)
    assert client.get(f"/levels/customer/{theirs.pk}/").status_code == 404


def test_r2_2_annual_review_page_and_csv_export(scene, tenant_client):
    # No bills in the current window: a gold member no longer qualifies.
    with in_tenant("bj"):
        fallen = set_level(customer_paying(scene.manager_a, 500, name="落选客户"), "gold")
    client = tenant_client("bj", scene.admin_user)
    page = client.get("/levels/review/")
    assert [row.customer_id for row in page.context["rows"]] == [fallen.pk]
    export = client.get("/levels/review/", {"format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    body = export.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][0] == fallen.number and rows[1][1] == "落选客户"
    assert tenant_client("bj", scene.reader_user).get("/levels/review/").status_code == 403
