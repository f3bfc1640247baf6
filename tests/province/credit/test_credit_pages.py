"""The credit pages (R2.3.1, R2.3.2): customer credit, approvers' inbox, policy editor."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from province.credit import services
from province.credit.models import CreditChange, CreditChangeRequest, CreditPolicy
from tests.conftest import in_tenant
from tests.factories import make_customer, make_org
from tests.province.credit.helpers import AS_OF, customer_with_bills, grant_credit_roles, set_credit


@pytest.fixture
def org(db):
    with in_tenant("bj"):
        return grant_credit_roles(make_org())


def test_r2_3_1_customer_credit_page_shows_assessment_and_history(org, tenant_client):
    with in_tenant("bj"):
        customer = customer_with_bills(org.manager_a, level="gold")
        services.assess_credit(as_of=AS_OF)
        services.grant_temporary_credit(
            customer,
            actor=org.admin.user,
            extra_limit="1000",
            starts_on=timezone.localdate(),
            expires_on=timezone.localdate() + timedelta(days=2),
            reason="Peak season",
        )
    page = tenant_client("bj", org.manager_a.user).get(f"/credit/customer/{customer.pk}/")
    assert page.status_code == 200
    assert page.context["customer"].effective_limit == Decimal("4000.00")
    assert page.context["assessment"].score == Decimal("89.00")
    assert [c.source for c in page.context["history"]] == ["temporary", "assessment"]
    body = page.content.decode()
    assert 'data-stat="effective">4,000' in body or 'data-stat="effective">4000' in body
    assert 'id="request-form"' in body
    # Account managers may not grant temporary credit: no form for them.
    assert 'id="temporary-form"' not in body


def test_r2_3_1_other_managers_customer_is_404(org, tenant_client):
    with in_tenant("bj"):
        theirs = make_customer(org.manager_b)
    response = tenant_client("bj", org.manager_a.user).get(f"/credit/customer/{theirs.pk}/")
    assert response.status_code == 404


def test_r2_3_1_request_form_then_inbox_approval(org, tenant_client):
    with in_tenant("bj"):
        customer = make_customer(org.manager_a)
    manager = tenant_client("bj", org.manager_a.user)
    url = f"/credit/customer/{customer.pk}/"
    bad = manager.post(
        url, {"form": "request", "request-requested_grade": "A", "request-reason": ""}
    )
    assert bad.status_code == 200
    assert set(bad.context["forms"]["request"].errors) >= {"requested_limit", "reason"}
    response = manager.post(
        url,
        {
            "form": "request",
            "request-requested_grade": "B",
            "request-requested_limit": "8000",
            "request-reason": "Government contract",
        },
    )
    assert response.status_code == 302
    with in_tenant("bj"):
        change_request = CreditChangeRequest.objects.get(customer=customer)

    # The requester sees it in the inbox but gets no buttons; the supervisor approves.
    inbox = manager.get("/credit/requests/")
    assert [r.pk for r in inbox.context["rows"]] == [change_request.pk]
    assert f'action="/credit/requests/{change_request.pk}/decide/"' not in inbox.content.decode()
    assert (
        manager.post(f"/credit/requests/{change_request.pk}/decide/", {"decision": "approve"})
    ).status_code == 403

    supervisor = tenant_client("bj", org.supervisor_a.user)
    inbox = supervisor.get("/credit/requests/")
    assert f'action="/credit/requests/{change_request.pk}/decide/"' in inbox.content.decode()
    done = supervisor.post(
        f"/credit/requests/{change_request.pk}/decide/", {"decision": "approve", "note": "ok"}
    )
    assert done.status_code == 302
    with in_tenant("bj"):
        customer.refresh_from_db()
        assert (customer.credit_grade, customer.credit_limit) == ("B", Decimal("8000.00"))
        assert CreditChange.objects.filter(customer=customer, source="manual").count() == 1


def test_r2_3_2_temporary_credit_form_for_supervisor_and_refusal_below_gold(org, tenant_client):
    with in_tenant("bj"):
        silver = set_credit(make_customer(org.manager_a), "B", 1000, "silver")
        gold = set_credit(make_customer(org.manager_a), "B", 1000, "gold")
    supervisor = tenant_client("bj", org.supervisor_a.user)
    today = timezone.localdate()
    data = {
        "form": "temporary",
        "temporary-extra_limit": "300",
        "temporary-starts_on": str(today),
        "temporary-expires_on": str(today + timedelta(days=1)),
        "temporary-reason": "Network migration",
    }
    refused = supervisor.post(f"/credit/customer/{silver.pk}/", data)
    assert refused.status_code == 200
    assert refused.context["forms"]["temporary"].non_field_errors()
    assert supervisor.post(f"/credit/customer/{gold.pk}/", data).status_code == 302
    page = supervisor.get(f"/credit/customer/{gold.pk}/")
    assert page.context["customer"].effective_limit == Decimal("1300.00")


def test_r2_3_1_policy_editor_saves_for_admin_only(org, tenant_client):
    with in_tenant("bj"):
        policy = CreditPolicy.objects.get(is_active=True)
        rules = {r.grade: r for r in policy.rules.all()}
    data = {
        "form-TOTAL_FORMS": "4",
        "form-INITIAL_FORMS": "4",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "description": "Tightened for 2026",
    }
    for i, grade in enumerate("ABCD"):
        rule = rules[grade]
        data.update(
            {
                f"form-{i}-id": rule.pk,
                f"form-{i}-grade": grade,
                f"form-{i}-min_score": str(rule.min_score),
                f"form-{i}-limit_multiplier": "2.5" if grade == "A" else str(rule.limit_multiplier),
                f"form-{i}-grace_days": rule.grace_days,
                f"form-{i}-suspension_pct": str(rule.suspension_pct),
                f"form-{i}-warning_pct": str(rule.warning_pct),
            }
        )
        if rule.deposit_required:
            data[f"form-{i}-deposit_required"] = "on"
    assert tenant_client("bj", org.manager_a.user).get("/credit/policy/").status_code == 200
    assert tenant_client("bj", org.manager_a.user).post("/credit/policy/", data).status_code == 403
    response = tenant_client("bj", org.admin.user).post("/credit/policy/", data)
    assert response.status_code == 302, response.context and response.context["formset"].errors
    with in_tenant("bj"):
        policy.refresh_from_db()
        assert policy.description == "Tightened for 2026"
        assert policy.rules.get(grade="A").limit_multiplier == Decimal("2.50")
        assert policy.rules.get(grade="C").deposit_required is True

    data["form-1-min_score"] = "99"  # B above A
    response = tenant_client("bj", org.admin.user).post("/credit/policy/", data)
    assert response.status_code == 200 and response.context["error"]
