"""The credit API (R2.3.1, R2.3.2): permissions, visibility, error bodies, and the flows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from province.credit import services
from province.credit.models import (
    CreditAssessment,
    CreditChange,
    CreditChangeRequest,
    CreditPolicy,
    TemporaryCredit,
)
from tests.api import APIResourceTestBase, CRUDTestMixins
from tests.conftest import in_tenant
from tests.factories import make_customer, make_org, make_staff
from tests.province.credit.helpers import AS_OF, customer_with_bills, grant_credit_roles, set_credit

RULES = [
    {
        "grade": "A",
        "min_score": "90",
        "limit_multiplier": "2.5",
        "grace_days": 20,
        "suspension_pct": "110",
        "deposit_required": False,
        "warning_pct": "85",
    },
    {
        "grade": "B",
        "min_score": "75",
        "limit_multiplier": "1.5",
        "grace_days": 10,
        "suspension_pct": "100",
        "deposit_required": False,
        "warning_pct": "80",
    },
    {
        "grade": "C",
        "min_score": "55",
        "limit_multiplier": "0.5",
        "grace_days": 5,
        "suspension_pct": "90",
        "deposit_required": True,
        "warning_pct": "70",
    },
    {
        "grade": "D",
        "min_score": "0",
        "limit_multiplier": "0",
        "grace_days": 0,
        "suspension_pct": "0",
        "deposit_required": True,
        "warning_pct": "0",
    },
]


class TestCreditPolicyAPI(APIResourceTestBase, CRUDTestMixins):
    """R2.3.1: the province administrator maintains credit policies; others may read them."""

    model = CreditPolicy
    base_url = "/api/credit/policies/"

    def setup_roles(self):
        self.org = grant_credit_roles(make_org())
        self.reader = self.org.auditor.user
        self.writer = self.org.admin.user
        self.outsider = make_staff(self.org.team_a, roles=[]).user

    def make_object(self):
        return services.save_policy(name="Trial policy", rules=RULES)

    def create_data(self):
        return {"name": "Strict policy", "is_active": False, "rules": RULES}

    def update_data(self):
        return {"name": "Renamed policy"}

    def test_r2_3_1_activating_a_policy_deactivates_the_old_one(self):
        data = {"name": "New policy", "is_active": True, "rules": RULES}
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 201, response.content
        with self.in_schema():
            assert list(
                CreditPolicy.objects.filter(is_active=True).values_list("name", flat=True)
            ) == ["New policy"]
            policy = CreditPolicy.objects.get(name="New policy")
            assert policy.rules.get(grade="A").limit_multiplier == Decimal("2.50")

    def test_r2_3_1_rules_must_fall_from_a_to_d(self):
        bad = [dict(rule) for rule in RULES]
        bad[1]["min_score"] = "95"  # B above A
        response = self.client_as(self.writer).post(
            self.base_url, {"name": "Bad", "rules": bad}, format="json"
        )
        assert response.status_code == 400
        assert "rules" in response.json()["fields"]

    def test_r2_3_1_active_policy_cannot_be_deleted(self):
        with self.in_schema():
            active = CreditPolicy.objects.get(is_active=True)
        response = self.client_as(self.writer).delete(self.detail_url(active.pk))
        assert response.status_code == 409
        assert response.json()["message"]


@pytest.fixture
def org(db):
    with in_tenant("bj"):
        return grant_credit_roles(make_org())


def _customer(org, manager=None, **kwargs):
    with in_tenant("bj"):
        return make_customer(manager or org.manager_a, **kwargs)


def test_r2_3_1_change_request_flow_through_the_api(org, api_client):
    customer = _customer(org)
    manager = api_client("bj", org.manager_a.user)
    data = {
        "customer": customer.pk,
        "requested_grade": "A",
        "requested_limit": "12000.00",
        "reason": "Five-year framework contract signed",
    }
    created = manager.post("/api/credit/requests/", data, format="json")
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]
    assert created.json()["status"] == "pending"
    assert created.json()["requested_by"] == org.manager_a.user.pk

    # A second request while one is pending: 409.
    again = manager.post("/api/credit/requests/", data, format="json")
    assert again.status_code == 409 and again.json()["code"] == "pending_request"

    # The account manager and the read-only auditor may not approve.
    url = f"/api/credit/requests/{request_id}/approve/"
    assert manager.post(url, {}, format="json").status_code == 403
    assert api_client("bj", org.auditor.user).post(url, {}, format="json").status_code == 403

    approved = api_client("bj", org.supervisor_a.user).post(url, {"note": "OK"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == org.supervisor_a.user.pk
    with in_tenant("bj"):
        customer.refresh_from_db()
        assert (customer.credit_grade, customer.credit_limit) == ("A", Decimal("12000.00"))

    changes = manager.get("/api/credit/changes/", {"customer": customer.pk}).json()["results"]
    assert [(c["source"], c["to_grade"], c["to_limit"]) for c in changes] == [
        ("manual", "A", "12000.00")
    ]


def test_r2_3_1_requester_cannot_approve_own_request_via_api(org, api_client):
    customer = _customer(org)
    supervisor = api_client("bj", org.supervisor_a.user)
    created = supervisor.post(
        "/api/credit/requests/",
        {"customer": customer.pk, "requested_grade": "C", "requested_limit": "0", "reason": "Risk"},
        format="json",
    )
    assert created.status_code == 201, created.content
    response = supervisor.post(f"/api/credit/requests/{created.json()['id']}/approve/", {})
    assert response.status_code == 409
    assert response.json()["code"] == "own_request"
    assert response.json()["message"]  # in the user's language (Chinese by default)
    # Rejecting needs a note: 400 on the field.
    admin = api_client("bj", org.admin.user)
    reject_url = f"/api/credit/requests/{created.json()['id']}/reject/"
    bad = admin.post(reject_url, {}, format="json")
    assert bad.status_code == 400 and "decision_note" in bad.json()["fields"]
    assert admin.post(reject_url, {"note": "No"}, format="json").json()["status"] == "rejected"


def test_r2_3_1_requests_follow_customer_visibility(org, api_client):
    theirs = _customer(org, org.manager_b)
    manager = api_client("bj", org.manager_a.user)
    response = manager.post(
        "/api/credit/requests/",
        {"customer": theirs.pk, "requested_grade": "A", "requested_limit": "1", "reason": "x"},
        format="json",
    )
    assert response.status_code == 400 and "customer" in response.json()["fields"]
    with in_tenant("bj"):
        request = services.request_credit_change(
            theirs,
            actor=org.manager_b.user,
            requested_grade="A",
            requested_limit="1",
            reason="x",
        )
    assert manager.get(f"/api/credit/requests/{request.pk}/").status_code == 404
    # The supervisor of city A cannot approve a request for a city B customer either.
    response = api_client("bj", org.supervisor_a.user).post(
        f"/api/credit/requests/{request.pk}/approve/", {}, format="json"
    )
    assert response.status_code == 404
    with in_tenant("bj"):
        assert CreditChangeRequest.objects.get(pk=request.pk).status == "pending"


def test_r2_3_1_assessments_are_read_only_and_scoped(org, api_client):
    with in_tenant("bj"):
        mine = customer_with_bills(org.manager_a, level="gold")
        theirs = customer_with_bills(org.manager_b)
        services.assess_credit(as_of=AS_OF)
    manager = api_client("bj", org.manager_a.user)
    rows = manager.get("/api/credit/assessments/", {"customer": mine.pk}).json()["results"]
    assert [(r["score"], r["grade"], r["credit_limit"]) for r in rows] == [
        ("89.00", "A", "3000.00")
    ]
    assert manager.get("/api/credit/assessments/", {"customer": theirs.pk}).json()["results"] == []
    # Assessments are written by the run only: no create, whoever asks.
    assert manager.post("/api/credit/assessments/", {}, format="json").status_code in (403, 405)
    admin = api_client("bj", org.admin.user)
    assert admin.post("/api/credit/assessments/", {}, format="json").status_code in (403, 405)
    with in_tenant("bj"):
        assert CreditAssessment.objects.filter(customer=theirs).exists()
    outsider = api_client("bj", _no_role_user(org))
    assert outsider.get("/api/credit/assessments/").status_code == 403


def _no_role_user(org):
    with in_tenant("bj"):
        return make_staff(org.team_a, roles=[]).user


def test_r2_3_2_temporary_credit_api(org, api_client):
    silver = _customer(org)
    gold = _customer(org)
    with in_tenant("bj"):
        set_credit(silver, "B", 1000, "silver")
        set_credit(gold, "B", 1000, "gold")
    today = timezone.localdate()
    data = {
        "extra_limit": "500.00",
        "starts_on": str(today),
        "expires_on": str(today + timedelta(days=3)),
        "reason": "Quarter-end settlement",
    }
    supervisor = api_client("bj", org.supervisor_a.user)
    refused = supervisor.post(
        "/api/credit/temporary/", {**data, "customer": silver.pk}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "level_too_low"

    manager = api_client("bj", org.manager_a.user)
    assert (
        manager.post("/api/credit/temporary/", {**data, "customer": gold.pk}, format="json")
    ).status_code == 403

    granted = supervisor.post(
        "/api/credit/temporary/", {**data, "customer": gold.pk}, format="json"
    )
    assert granted.status_code == 201, granted.content
    credit_id = granted.json()["id"]
    assert granted.json()["granted_by"] == org.supervisor_a.user.pk
    listed = manager.get("/api/credit/temporary/", {"customer": gold.pk}).json()["results"]
    assert [row["id"] for row in listed] == [credit_id]

    assert manager.post(f"/api/credit/temporary/{credit_id}/revoke/").status_code == 403
    revoked = supervisor.post(f"/api/credit/temporary/{credit_id}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert supervisor.post(f"/api/credit/temporary/{credit_id}/revoke/").status_code == 409
    with in_tenant("bj"):
        assert TemporaryCredit.objects.get(pk=credit_id).status == "revoked"
        limits = list(
            CreditChange.objects.filter(customer=gold)
            .order_by("id")
            .values_list("from_limit", "to_limit")
        )
    assert limits == [
        (Decimal("1000.00"), Decimal("1500.00")),
        (Decimal("1500.00"), Decimal("1000.00")),
    ]


def test_r2_3_2_emergency_reconnection_api(org, api_client):
    gold = _customer(org)
    with in_tenant("bj"):
        set_credit(gold, "C", 0, "diamond")
    admin = api_client("bj", org.admin.user)
    too_long = timezone.now() + timedelta(days=8)
    bad = admin.post(
        "/api/credit/reconnections/",
        {"customer": gold.pk, "expires_at": too_long.isoformat(), "reason": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "expires_at" in bad.json()["fields"]
    expires = timezone.now() + timedelta(hours=48)
    ok = admin.post(
        "/api/credit/reconnections/",
        {"customer": gold.pk, "expires_at": expires.isoformat(), "reason": "Hospital switchboard"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["status"] == "active"
    revoked = admin.post(f"/api/credit/reconnections/{ok.json()['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
