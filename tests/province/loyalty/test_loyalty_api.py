"""The loyalty API (R2.4.1, R2.4.5, R2.4.6, R2.4.7, R6.5.2): balances, lots and history
scoped to the user's customers, accrual runs with progress, adjustments with approval and
expiry warnings; role permissions, 400 with field messages, 409 on conflicts."""

from datetime import date

import pytest

from province.loyalty import services
from province.loyalty.models import AccrualRun, AdjustmentRequest, LoyaltySettings, PointsAccount
from tests.factories import make_account, make_bill, make_customer, make_org
from tests.province.loyalty.loyalty_helpers import earn

pytestmark = pytest.mark.django_db

PERIOD = date(2025, 3, 1)


@pytest.fixture
def org(bj):
    org = make_org()
    org.mine = make_customer(org.manager_a)
    org.theirs = make_customer(org.manager_b)
    return org


@pytest.fixture
def client(api_client):
    return lambda staff: api_client("bj", staff.user)


def balance(customer) -> int:
    row = PointsAccount.objects.filter(customer=customer).first()
    return row.balance if row else 0


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def pages(api, url: str) -> list[int]:
    """The points of every row, following the cursor's ``next`` links."""
    seen = []
    while url:
        body = api.get(url).json()
        seen += [row["points"] for row in body["results"]]
        url = body["next"]
    return seen


def set_threshold(points: int) -> None:
    settings = LoyaltySettings.load()
    settings.adjustment_approval_threshold = points
    settings.save()


# --- balances, lots and history (R2.4.1, R6.5.2) -----------------------------------------


def test_r6_5_2_manager_sees_only_accounts_and_entries_of_own_customers(org, client):
    earn(org.mine, 100, expires_in_days=400)
    earn(org.theirs, 200, expires_in_days=400)
    manager = client(org.manager_a)

    accounts = results(manager.get("/api/loyalty/accounts/"))
    assert [(a["customer"], a["balance"], a["held"], a["available"]) for a in accounts] == [
        (org.mine.pk, 100, 0, 100)
    ]
    assert {e["customer"] for e in results(manager.get("/api/loyalty/entries/"))} == {org.mine.pk}
    assert {lot["customer"] for lot in results(manager.get("/api/loyalty/lots/"))} == {org.mine.pk}
    assert results(manager.get("/api/loyalty/accounts/", {"customer": org.theirs.pk})) == []
    theirs = PointsAccount.objects.get(customer=org.theirs)
    assert manager.get(f"/api/loyalty/accounts/{theirs.pk}/").status_code == 404

    # The province-wide reader sees both; the filter narrows to one customer.
    auditor = client(org.auditor)
    assert len(results(auditor.get("/api/loyalty/accounts/"))) == 2
    only = results(auditor.get("/api/loyalty/accounts/", {"customer": org.theirs.pk}))
    assert [a["balance"] for a in only] == [200]


def test_r6_5_2_lots_open_filter_and_entries_newest_first_by_kind(org, client):
    earn(org.mine, 100, expires_in_days=400, key="k1")
    earn(org.mine, 50, expires_in_days=30, key="k2")
    services.request_adjustment(org.mine, -50, actor=org.manager_a.user, reason="Fix")
    manager = client(org.manager_a)

    lots = results(manager.get("/api/loyalty/lots/", {"customer": org.mine.pk, "open": "true"}))
    assert [(lot["points"], lot["remaining"]) for lot in lots] == [(100, 100)]  # 50 consumed
    every = results(manager.get("/api/loyalty/lots/", {"customer": org.mine.pk}))
    assert [lot["expires_at"] for lot in every] == sorted(lot["expires_at"] for lot in every)
    assert pages(manager, "/api/loyalty/lots/?page_size=1") == [50, 100]  # soonest first

    entries = results(manager.get("/api/loyalty/entries/", {"customer": org.mine.pk}))
    assert [e["points"] for e in entries] == [-50, 50, 100]
    adjusts = results(manager.get("/api/loyalty/entries/", {"kind": "adjust"}))
    assert [e["points"] for e in adjusts] == [-50]
    bad = manager.get("/api/loyalty/entries/", {"kind": "nonsense"})
    assert bad.status_code == 400 and "kind" in bad.json()["fields"]


def test_r6_5_2_reading_points_needs_the_view_permission(org, client, api_client):
    from tests.factories import make_staff

    nobody = make_staff(org.team_a, roles=[])
    assert client(nobody).get("/api/loyalty/accounts/").status_code == 403
    assert api_client("bj").get("/api/loyalty/entries/").status_code in (401, 403)


# --- adjustments (R2.4.7) ----------------------------------------------------------------


def test_r2_4_7_adjustment_within_threshold_posts_an_entry_and_changes_the_balance(org, client):
    response = client(org.manager_a).post(
        "/api/loyalty/adjustments/",
        {"customer": org.mine.pk, "points": 300, "reason": "Goodwill"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "approved" and body["entry"] is not None
    assert balance(org.mine) == 300
    account = results(client(org.manager_a).get("/api/loyalty/accounts/"))[0]
    assert account["balance"] == 300 and account["available"] == 300


def test_r2_4_7_above_threshold_waits_and_another_user_approves(org, client):
    set_threshold(1000)
    response = client(org.manager_a).post(
        "/api/loyalty/adjustments/",
        {"customer": org.mine.pk, "points": 1500, "reason": "Campaign"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending" and response.json()["entry"] is None
    assert balance(org.mine) == 0
    url = f"/api/loyalty/adjustments/{response.json()['id']}/approve/"

    # The account manager may request but not approve.
    assert client(org.manager_a).post(url).status_code == 403
    approved = client(org.supervisor_a).post(url, {"note": "OK"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == org.supervisor_a.user.pk
    assert balance(org.mine) == 1500
    again = client(org.supervisor_a).post(url)
    assert again.status_code == 409 and again.json()["code"] == "adjustment_decided"


def test_r2_4_7_requester_cannot_approve_own_adjustment(org, client):
    set_threshold(10)
    supervisor = client(org.supervisor_a)
    response = supervisor.post(
        "/api/loyalty/adjustments/",
        {"customer": org.mine.pk, "points": 500, "reason": "Campaign"},
        format="json",
    )
    assert response.status_code == 201, response.content
    refused = supervisor.post(f"/api/loyalty/adjustments/{response.json()['id']}/approve/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "own_request" and refused.json()["message"]
    assert balance(org.mine) == 0
    assert AdjustmentRequest.objects.get(pk=response.json()["id"]).status == "pending"


def test_r2_4_7_rejection_needs_a_note_and_posts_nothing(org, client):
    set_threshold(10)
    pending = services.request_adjustment(org.mine, 500, actor=org.manager_a.user, reason="X")
    url = f"/api/loyalty/adjustments/{pending.pk}/reject/"
    supervisor = client(org.supervisor_a)
    no_note = supervisor.post(url, {}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.json()["fields"]
    rejected = supervisor.post(url, {"note": "Not proven"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert balance(org.mine) == 0


def test_r2_4_7_bad_adjustments_are_field_errors_or_conflicts(org, client):
    manager = client(org.manager_a)
    url = "/api/loyalty/adjustments/"
    cases = [
        ({"customer": org.mine.pk, "points": 0, "reason": "X"}, "points"),
        ({"customer": org.mine.pk, "points": 10, "reason": "  "}, "reason"),
        ({"customer": org.mine.pk, "points": "many", "reason": "X"}, "points"),
        ({"customer": org.theirs.pk, "points": 10, "reason": "X"}, "customer"),  # not visible
        ({}, "customer"),
    ]
    for data, field in cases:
        response = manager.post(url, data, format="json")
        assert response.status_code == 400, (data, response.content)
        assert field in response.json()["fields"], (data, response.json())
    # Debiting more than the balance: a conflict, nothing written.
    short = manager.post(
        url, {"customer": org.mine.pk, "points": -10, "reason": "X"}, format="json"
    )
    assert short.status_code == 409
    assert not AdjustmentRequest.objects.exists()
    assert (
        client(org.auditor).post(url, {"customer": org.mine.pk}, format="json").status_code == 403
    )


def test_r2_4_7_manager_lists_only_adjustments_of_own_customers(org, client):
    services.request_adjustment(org.mine, 10, actor=org.manager_a.user, reason="A")
    services.request_adjustment(org.theirs, 20, actor=org.manager_b.user, reason="B")
    rows = results(client(org.manager_a).get("/api/loyalty/adjustments/"))
    assert [r["customer"] for r in rows] == [org.mine.pk]
    pending = results(client(org.manager_a).get("/api/loyalty/adjustments/", {"status": "pending"}))
    assert pending == []


# --- accrual runs (R2.4.6) ---------------------------------------------------------------


def test_r2_4_6_reader_cannot_start_a_run(org, client):
    for staff in (org.auditor, org.supervisor_a, org.manager_a):
        response = client(staff).post(
            "/api/loyalty/accrual-runs/", {"period": "2025-03"}, format="json"
        )
        assert response.status_code == 403, staff
    assert not AccrualRun.objects.exists()


def test_r2_4_6_bad_period_is_400_with_a_field_message(org, client):
    admin = client(org.admin)
    for period in ("2025-13", "March", "2025-3", "", None, 202503):
        response = admin.post("/api/loyalty/accrual-runs/", {"period": period}, format="json")
        assert response.status_code == 400, (period, response.content)
        assert response.json()["fields"]["period"], period
    missing = admin.post("/api/loyalty/accrual-runs/", {}, format="json")
    assert missing.status_code == 400 and "period" in missing.json()["fields"]
    assert not AccrualRun.objects.exists()


def test_r2_4_6_start_queues_the_task_and_get_shows_progress(
    org, client, django_capture_on_commit_callbacks
):
    make_bill(make_account(org.mine), PERIOD, "250.00")
    admin = client(org.admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin.post("/api/loyalty/accrual-runs/", {"period": "2025-03"}, format="json")
    assert response.status_code == 201, response.content
    assert len(callbacks) == 1  # the task is queued after the commit
    run = response.json()
    assert run["period"] == "2025-03" and run["status"] == "running" and run["total"] == 1

    busy = admin.post("/api/loyalty/accrual-runs/", {"period": "2025-04"}, format="json")
    assert busy.status_code == 409 and busy.json()["code"] == "run_in_progress"

    services.execute_accrual(run["id"])
    done = admin.get(f"/api/loyalty/accrual-runs/{run['id']}/").json()
    assert done["status"] == "done" and done["percent"] == 100 and done["done"] == 1
    assert done["points_created"] >= 250
    assert [
        r["id"] for r in results(client(org.supervisor_a).get("/api/loyalty/accrual-runs/"))
    ] == [run["id"]]
    assert balance(org.mine) == done["points_created"]


def test_r2_4_6_a_failed_run_can_be_resumed(org, client, django_capture_on_commit_callbacks):
    run = services.start_accrual(PERIOD)
    AccrualRun.objects.filter(pk=run.pk).update(status="failed", error="boom")
    url = f"/api/loyalty/accrual-runs/{run.pk}/resume/"
    assert client(org.supervisor_a).post(url).status_code == 403
    with django_capture_on_commit_callbacks() as callbacks:
        response = client(org.admin).post(url)
    assert response.status_code == 200 and response.json()["status"] == "running"
    assert len(callbacks) == 1
    assert client(org.admin).post(url).status_code == 409  # only a failed run resumes


# --- expiry warnings (R2.4.5) ------------------------------------------------------------


def test_r2_4_5_expiring_lists_points_lapsing_within_the_days(org, client):
    earn(org.mine, 100, expires_in_days=10)
    earn(org.mine, 40, expires_in_days=60)
    earn(org.theirs, 70, expires_in_days=5)
    manager = client(org.manager_a)

    rows = results(manager.get("/api/loyalty/expiring/"))  # 30 days by default
    assert [(r["customer_id"], r["points"]) for r in rows] == [(org.mine.pk, 100)]
    rows = results(manager.get("/api/loyalty/expiring/", {"days": 90}))
    assert [r["points"] for r in rows] == [100, 40]
    everyone = results(client(org.auditor).get("/api/loyalty/expiring/", {"days": 90}))
    assert [r["points"] for r in everyone] == [70, 100, 40]
    assert pages(client(org.auditor), "/api/loyalty/expiring/?days=90&page_size=1") == [70, 100, 40]
    for bad in ("abc", "0", "400"):
        response = manager.get("/api/loyalty/expiring/", {"days": bad})
        assert response.status_code == 400 and "days" in response.json()["fields"]
