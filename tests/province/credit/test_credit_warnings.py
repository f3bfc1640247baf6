"""Arrears warnings (R2.3.2): who is listed, with which figures and suggested action, the
filters, visibility and the export.

Default policy: B warns at 80 % of the limit, proposes suspension above 100 % after 15
grace days; A: 80 %, 120 %, 30 days; D (also for customers without a grade): 0 %, 0 %, 0
days, deposit required.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from province.credit import services
from province.credit.selectors import arrears_warnings
from province.customers.models import Customer
from tests.conftest import in_tenant
from tests.factories import make_customer, make_org
from tests.province.credit.helpers import grant_credit_roles, overdue_bill, set_credit


@pytest.fixture
def world(db):
    """Customers of manager A (team A, city A) and one of manager B (city B)."""
    with in_tenant("bj"):
        org = grant_credit_roles(make_org())
        m = org.manager_a

        def customer(name, grade, limit, level=None):
            return set_credit(make_customer(m, name=name), grade, limit, level)

        c = {
            # 1800 of 2000 = 90 % ≥ 80 %, not above 100 %: warn.
            "near": customer("Near limit Co.", "B", 2000),
            # 2500 > 2000 and 20 days > 15 grace days: suspend.
            "over": customer("Over limit Co.", "B", 2000),
            # 2500 > 2000 but only 10 days overdue (≤ 15): still warn.
            "in_grace": customer("In grace Co.", "B", 2000),
            # 1000 of 10000 = 10 %: not listed.
            "fine": customer("Fine Co.", "A", 10000),
            # No grade, limit 0, 50 overdue by 1 day: listed, D rule (0 grace days): suspend.
            "no_limit": customer("No limit Co.", "", 0),
            # 2000 of 1000 + 2000 temporary = 67 %: not listed thanks to temporary credit.
            "relieved": customer("Relieved Co.", "B", 1000, "gold"),
            # As "over" but with an emergency reconnection in force.
            "reconnected": customer("Reconnected Co.", "B", 2000, "gold"),
            # Unpaid bill not yet due, plus 600 unpaid of a 1000 bill: 600 of 700 = 86 %.
            "partial": customer("Partial Co.", "B", 700),
            # Manager B's customer: 100 % of the limit; invisible to manager A.
            "other": set_credit(make_customer(org.manager_b, name="Other Co."), "B", 1000),
        }
        overdue_bill(c["near"], 1800, due_in_days=-20)
        overdue_bill(c["over"], 2500, due_in_days=-20)
        overdue_bill(c["in_grace"], 2500, due_in_days=-10)
        overdue_bill(c["fine"], 1000, due_in_days=-40)
        overdue_bill(c["no_limit"], 50, due_in_days=-1)
        overdue_bill(c["relieved"], 2000, due_in_days=-30)
        overdue_bill(c["reconnected"], 2500, due_in_days=-20)
        overdue_bill(c["partial"], 5000, due_in_days=5)
        overdue_bill(c["partial"], 1000, due_in_days=-3, amount_paid=400)
        overdue_bill(c["other"], 1000, due_in_days=-16)
        today = timezone.localdate()
        services.grant_temporary_credit(
            c["relieved"],
            actor=org.admin.user,
            extra_limit="2000",
            starts_on=today,
            expires_on=today + timedelta(days=10),
            reason="Year-end",
        )
        services.grant_emergency_reconnection(
            c["reconnected"],
            actor=org.admin.user,
            expires_at=timezone.now() + timedelta(hours=12),
            reason="Hospital",
        )
    return org, c


def _by_name(queryset):
    return {row.name: row for row in queryset}


def test_r2_3_2_warnings_list_content(world):
    org, c = world
    with in_tenant("bj"):
        mine = Customer.objects.filter(account_manager__in=[org.manager_a, org.manager_b])
        rows = _by_name(arrears_warnings(mine))
    assert set(rows) == {
        "Near limit Co.",
        "Over limit Co.",
        "In grace Co.",
        "No limit Co.",
        "Reconnected Co.",
        "Partial Co.",
        "Other Co.",
    }
    near = rows["Near limit Co."]
    assert (near.arrears, near.effective_limit, near.ratio) == (
        Decimal("1800.00"),
        Decimal("2000.00"),
        Decimal("0.9000"),
    )
    assert (near.overdue_days, near.action) == (20, "warn")
    assert (rows["Over limit Co."].action, rows["Over limit Co."].ratio) == (
        "suspend",
        Decimal("1.2500"),
    )
    assert rows["In grace Co."].action == "warn" and rows["In grace Co."].overdue_days == 10
    no_limit = rows["No limit Co."]
    assert no_limit.ratio is None and no_limit.action == "suspend"
    assert no_limit.deposit_required and no_limit.grace_days == 0
    assert rows["Reconnected Co."].action == "reconnected"
    partial = rows["Partial Co."]
    assert partial.arrears == Decimal("600.00") and partial.overdue_days == 3
    assert partial.action == "warn"
    # 1000 of 1000 is not *above* 100 %: warn, even though 16 days > 15 grace days.
    assert rows["Other Co."].action == "warn"


def test_r2_3_2_warnings_page_filters_and_visibility(world, tenant_client):
    org, c = world
    page = tenant_client("bj", org.manager_a.user).get("/credit/warnings/")
    assert page.status_code == 200
    names = [row.name for row in page.context["rows"]]
    assert "Other Co." not in names and "Over limit Co." in names
    # Worst first: no limit (ratio unknown) first, then 125 %.
    assert names[0] == "No limit Co."

    admin = tenant_client("bj", org.admin.user)
    under_b = admin.get("/credit/warnings/", {"under": org.city_b.pk})
    assert [row.name for row in under_b.context["rows"]] == ["Other Co."]
    suspend = admin.get(
        "/credit/warnings/", {"account_manager": org.manager_a.pk, "action": "suspend"}
    )
    assert {row.name for row in suspend.context["rows"]} == {"Over limit Co.", "No limit Co."}


def test_r2_3_2_warnings_export_excel_and_csv(world, tenant_client):
    org, c = world
    client = tenant_client("bj", org.manager_a.user)
    response = client.get("/credit/warnings/export/", {"format": "xlsx", "action": "suspend"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3  # header + 2 customers
    assert {r[1] for r in rows[1:]} == {"Over limit Co.", "No limit Co."}

    response = client.get("/credit/warnings/export/", {"format": "csv"})
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(lines) == 1 + 6  # manager A sees six of the seven
    over = next(line for line in lines if line[1] == "Over limit Co.")
    assert over[5] == "2500.00" and over[7] == "2000.00" and over[9] == "20"


def test_r2_3_2_warnings_need_the_permission(world, tenant_client, api_client):
    from tests.factories import make_staff

    org, c = world
    with in_tenant("bj"):
        nobody = make_staff(org.team_a, roles=[]).user
    assert tenant_client("bj", nobody).get("/credit/warnings/").status_code == 403
    assert api_client("bj", nobody).get("/api/credit/warnings/").status_code == 403


def test_r2_3_2_warnings_api_lists_visible_customers(world, api_client):
    org, c = world
    response = api_client("bj", org.manager_a.user).get("/api/credit/warnings/")
    assert response.status_code == 200, response.content
    body = {row["name"]: row for row in response.json()["results"]}
    assert "Other Co." not in body
    assert body["Over limit Co."]["action"] == "suspend"
    assert body["Over limit Co."]["arrears"] == "2500.00"
    assert body["Over limit Co."]["overdue_days"] == 20
    assert body["No limit Co."]["ratio"] is None
