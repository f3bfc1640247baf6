"""Points cost and liability (R2.4.9): the liability by level, city and branch, the points
lapsing within 3/6/12 months, the monthly points flow and the redemption cost by month and
item — on the page, in its Excel export and in the JSON API — computed from a small
scenario whose expectations are written out from the scenario's own numbers.

Scoping follows the analysis pages (R9.2): province-wide roles see every customer, a
supervisor their unit's subtree, an account manager (given the right) their own customers.
"""

import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from province.loyalty import ledger, selectors_cost
from province.loyalty.choices import EntryKind, RedemptionStatus, RewardKind
from province.loyalty.filters import PointsCostFilterForm
from province.loyalty.models import (
    LoyaltySettings,
    PointsAccount,
    PointsEntry,
    Redemption,
    RewardItem,
)
from tests.conftest import in_tenant
from tests.factories import make_customer, make_org
from tests.province.loyalty.loyalty_helpers import earn, grant

pytestmark = pytest.mark.django_db

POINT_COST = Decimal("0.0050")
SHANGHAI = ZoneInfo("Asia/Shanghai")

# The scenario, in points.
A1_EARN_SOON, A1_EARN_LATER = 1000, 500  # lapse in 40 and 300 days
A2_EARN_LONG, A2_EARN_LAPSED = 400, 30  # lapse in 800 days; past its last day 5 days ago
B1_EARN = 2000  # lapses in 150 days
GIFT_PRICE, GIFT_COST = 100, Decimal("30.00")
CREDIT_PRICE, CREDIT_AMOUNT = 300, Decimal("10.00")
A1_GIFTS, B1_CREDITS, B1_CANCELLED_GIFTS = 2, 3, 1
A1_HOLD = 100


def redeem(customer, item, quantity, *, key, cancel=False) -> Redemption:
    """What the coming ``redeem`` service writes: a redeem debit and the redemption row."""
    points = item.points_price * quantity
    entry = ledger.debit(customer, points, kind=EntryKind.REDEEM, idempotency_key=key)
    redemption = Redemption.objects.create(
        number=key,
        customer=customer,
        item=item,
        quantity=quantity,
        unit_points=item.points_price,
        points=points,
        cost=item.unit_cost * quantity,
        bill_credit=item.bill_credit_amount * quantity,
        idempotency_key=key,
        entry=entry,
    )
    if cancel:
        reversal = ledger.reverse(entry, idempotency_key=f"{key}:cancel")
        Redemption.objects.filter(pk=redemption.pk).update(
            status=RedemptionStatus.CANCELLED, cancel_entry=reversal, cancelled_at=timezone.now()
        )
    return redemption


@pytest.fixture
def scenario(bj):
    org = make_org()
    settings = LoyaltySettings.load()
    settings.point_cost = POINT_COST
    settings.save()
    org.a1 = make_customer(org.manager_a, level="gold", city="Beijing")
    org.a2 = make_customer(org.manager_a, level="silver", city="Tongzhou")
    org.b1 = make_customer(org.manager_b, level="gold", city="Beijing")
    earn(org.a1, A1_EARN_SOON, expires_in_days=40, key="a1-soon")
    earn(org.a1, A1_EARN_LATER, expires_in_days=300, key="a1-later")
    earn(org.a2, A2_EARN_LONG, expires_in_days=800, key="a2-long")
    earn(org.a2, A2_EARN_LAPSED, expires_in_days=-5, key="a2-lapsed")
    earn(org.b1, B1_EARN, expires_in_days=150, key="b1")
    today = timezone.localdate()
    org.gift = RewardItem.objects.create(
        code="GIFT",
        name="Umbrella",
        kind=RewardKind.GIFT,
        points_price=GIFT_PRICE,
        unit_cost=GIFT_COST,
        valid_from=today,
    )
    org.credit = RewardItem.objects.create(
        code="CREDIT",
        name="Bill credit 10",
        kind=RewardKind.BILL_CREDIT,
        points_price=CREDIT_PRICE,
        bill_credit_amount=CREDIT_AMOUNT,
        valid_from=today,
    )
    redeem(org.a1, org.gift, A1_GIFTS, key="r-a1-gift")
    redeem(org.b1, org.credit, B1_CREDITS, key="r-b1-credit")
    redeem(org.b1, org.gift, B1_CANCELLED_GIFTS, key="r-b1-gift", cancel=True)
    ledger.hold(org.a1, A1_HOLD, idempotency_key="a1-hold")
    return org


# Balances after the scenario, written out from its steps.
A1_BALANCE = A1_EARN_SOON + A1_EARN_LATER - A1_GIFTS * GIFT_PRICE
A2_BALANCE = A2_EARN_LONG + A2_EARN_LAPSED
B1_BALANCE = B1_EARN - B1_CREDITS * CREDIT_PRICE  # the cancelled gift came back
TOTAL = A1_BALANCE + A2_BALANCE + B1_BALANCE


def yuan(points) -> Decimal:
    return (Decimal(points) * POINT_COST).quantize(Decimal("0.01"))


def scope_for(user, **query):
    form = PointsCostFilterForm(query, user=user)
    assert form.is_valid(), form.errors
    return form.scope(include_merged=True)


def rows_by(rows, field="key"):
    return {row[field]: row for row in rows}


# --- liability ---------------------------------------------------------------------------


def test_r2_4_9_liability_by_level_city_and_branch(scenario):
    figures = selectors_cost.liability(scope_for(scenario.admin.user))
    assert figures["point_cost"] == POINT_COST
    total = figures["total"]
    assert sum(a.balance for a in PointsAccount.objects.all()) == TOTAL
    assert (total["accounts"], total["points"], total["held"]) == (3, TOTAL, A1_HOLD)
    assert total["available"] == TOTAL - A1_HOLD
    assert (total["value"], total["held_value"]) == (yuan(TOTAL), yuan(A1_HOLD))

    by_level = rows_by(figures["by_level"])
    assert list(by_level) == ["silver", "gold"]  # in level order
    assert by_level["gold"]["points"] == A1_BALANCE + B1_BALANCE
    assert by_level["gold"]["accounts"] == 2
    assert by_level["silver"]["points"] == A2_BALANCE
    assert by_level["gold"]["value"] == yuan(A1_BALANCE + B1_BALANCE)
    assert by_level["gold"]["held"] == A1_HOLD and by_level["silver"]["held"] == 0

    by_city = rows_by(figures["by_city"])
    assert by_city["Beijing"]["points"] == A1_BALANCE + B1_BALANCE
    assert by_city["Tongzhou"]["points"] == A2_BALANCE

    by_branch = rows_by(figures["by_branch"])
    assert set(by_branch) == {scenario.city_a.pk, scenario.city_b.pk}  # the top-level branches
    assert by_branch[scenario.city_a.pk]["label"] == "City A"
    assert by_branch[scenario.city_a.pk]["points"] == A1_BALANCE + A2_BALANCE
    assert by_branch[scenario.city_b.pk]["points"] == B1_BALANCE
    for rows in (figures["by_level"], figures["by_city"], figures["by_branch"]):
        assert sum(row["points"] for row in rows) == TOTAL


def test_r2_4_9_points_lapsing_within_3_6_12_months(scenario):
    expiring = selectors_cost.liability(scope_for(scenario.admin.user))["expiring"]
    assert expiring["lapsed"] == {"points": A2_EARN_LAPSED, "value": yuan(A2_EARN_LAPSED)}
    # a1's soon lot lost the gifts (soonest expiry first); b1's lot lost the bill credit.
    a1_soon_left = A1_EARN_SOON - A1_GIFTS * GIFT_PRICE
    within = {h["months"]: h["points"] for h in expiring["horizons"]}
    assert within[3] == A2_EARN_LAPSED + a1_soon_left
    assert within[6] == within[3] + B1_BALANCE
    assert within[12] == within[6] + A1_EARN_LATER  # a2's 800-day lot is beyond
    today = timezone.localdate()
    assert [h["until"] for h in expiring["horizons"]] == [
        today + relativedelta(months=n) for n in (3, 6, 12)
    ]
    assert expiring["horizons"][2]["value"] == yuan(within[12])


def test_r2_4_9_liability_is_scoped_like_the_analysis_pages(scenario):
    supervisor = selectors_cost.liability(scope_for(scenario.supervisor_a.user))
    assert supervisor["total"]["points"] == A1_BALANCE + A2_BALANCE
    assert list(rows_by(supervisor["by_branch"])) == [scenario.city_a.pk]
    manager = grant(scenario.manager_b.user, "view_points_cost")
    mine = selectors_cost.liability(scope_for(manager))
    assert mine["total"]["points"] == B1_BALANCE
    assert mine["expiring"]["horizons"][1]["points"] == B1_BALANCE
    # The filter bar narrows further: one level only.
    silver = selectors_cost.liability(scope_for(scenario.admin.user, level="silver"))
    assert silver["total"]["points"] == A2_BALANCE


def test_r2_4_9_liability_keeps_merged_duplicates(scenario):
    """A merged duplicate's points stay owed until moved, so they stay in the liability."""
    from province.customers.models import Customer

    Customer.objects.filter(pk=scenario.a2.pk).update(merged_into=scenario.a1)
    figures = selectors_cost.liability(scope_for(scenario.admin.user))
    assert figures["total"]["points"] == TOTAL


# --- points flow -------------------------------------------------------------------------


def test_r2_4_9_points_flow_by_month_sums_to_the_balances(scenario):
    flow = selectors_cost.points_flow(scope_for(scenario.admin.user))
    this_month = f"{timezone.localdate():%Y-%m}"
    assert len(flow["months"]) == 12 and flow["months"][-1]["month"] == this_month
    row = flow["months"][-1]
    assert row["points"]["earn"] == (
        A1_EARN_SOON + A1_EARN_LATER + A2_EARN_LONG + A2_EARN_LAPSED + B1_EARN
    )
    redeemed = A1_GIFTS * GIFT_PRICE + B1_CREDITS * CREDIT_PRICE + B1_CANCELLED_GIFTS * GIFT_PRICE
    assert row["points"]["redeem"] == -redeemed
    assert row["points"]["reverse"] == B1_CANCELLED_GIFTS * GIFT_PRICE
    assert row["points"]["bonus"] == row["points"]["expire"] == 0
    # Holds only move points between available and held: the net is the balances' change.
    assert row["net"] == TOTAL == flow["total"]["net"]
    assert row["values"]["redeem"] == -yuan(redeemed)
    assert row["net_value"] == yuan(TOTAL)
    assert all(m["net"] == 0 for m in flow["months"][:-1])


def test_r2_4_9_points_flow_months_follow_local_time(scenario):
    """An entry at 17:30 UTC on 28 February is 01:30 on 1 March in Beijing: March."""
    entry = PointsEntry.objects.get(idempotency_key="b1")
    march_in_beijing = datetime(2025, 3, 1, 1, 30, tzinfo=SHANGHAI)
    PointsEntry.objects.filter(pk=entry.pk).update(created_at=march_in_beijing)
    before = datetime(2025, 2, 28, 23, 59, tzinfo=SHANGHAI)
    a2_entry = PointsEntry.objects.get(idempotency_key="a2-long")
    PointsEntry.objects.filter(pk=a2_entry.pk).update(created_at=before)
    scope = scope_for(scenario.admin.user, period_from="2025-02", period_to="2025-03")
    flow = selectors_cost.points_flow(scope)
    assert [m["month"] for m in flow["months"]] == ["2025-02", "2025-03"]
    assert flow["months"][0]["points"]["earn"] == A2_EARN_LONG
    assert flow["months"][1]["points"]["earn"] == B1_EARN
    assert flow["total"]["net"] == A2_EARN_LONG + B1_EARN


# --- redemption cost ---------------------------------------------------------------------


def test_r2_4_9_redemption_cost_by_month_and_item_without_cancelled(scenario):
    cost = selectors_cost.redemption_cost(scope_for(scenario.admin.user))
    gift_cost = GIFT_COST * A1_GIFTS
    credit = CREDIT_AMOUNT * B1_CREDITS
    total = cost["total"]
    assert total["redemptions"] == 2  # the cancelled one is left out
    assert total["points"] == A1_GIFTS * GIFT_PRICE + B1_CREDITS * CREDIT_PRICE
    assert (total["cost"], total["bill_credit"]) == (gift_cost, credit)
    assert total["total_cost"] == gift_cost + credit
    assert total["cost_per_point"] == ((gift_cost + credit) / total["points"]).quantize(
        Decimal("0.0001")
    )
    assert cost["cancelled"]["redemptions"] == 1
    assert cost["cancelled"]["points"] == B1_CANCELLED_GIFTS * GIFT_PRICE
    assert cost["cancelled"]["total_cost"] == GIFT_COST * B1_CANCELLED_GIFTS

    items = rows_by(cost["by_item"], "code")
    assert [row["code"] for row in cost["by_item"]] == ["GIFT", "CREDIT"]  # by total cost
    assert items["GIFT"]["quantity"] == A1_GIFTS and items["GIFT"]["cost"] == gift_cost
    assert items["CREDIT"]["bill_credit"] == credit and items["CREDIT"]["cost"] == 0
    assert items["CREDIT"]["kind"] == RewardKind.BILL_CREDIT

    assert [k["key"] for k in cost["kinds"]] == [RewardKind.GIFT, RewardKind.BILL_CREDIT]
    month = cost["by_month"][-1]
    assert month["month"] == f"{timezone.localdate():%Y-%m}"
    assert month["by_kind"][RewardKind.GIFT]["total_cost"] == gift_cost
    assert month["by_kind"][RewardKind.BILL_CREDIT]["total_cost"] == credit
    assert month["total_cost"] == gift_cost + credit
    assert all(m["redemptions"] == 0 for m in cost["by_month"][:-1])

    supervisor = selectors_cost.redemption_cost(scope_for(scenario.supervisor_a.user))
    assert [row["code"] for row in supervisor["by_item"]] == ["GIFT"]
    assert supervisor["cancelled"]["redemptions"] == 0


def test_r2_4_9_redemptions_outside_the_period_are_left_out(scenario):
    last_year = timezone.now() - timedelta(days=400)
    Redemption.objects.filter(number="r-a1-gift").update(redeemed_at=last_year)
    cost = selectors_cost.redemption_cost(scope_for(scenario.admin.user))
    assert [row["code"] for row in cost["by_item"]] == ["CREDIT"]


# --- page, export, permission ----------------------------------------------------------


@pytest.fixture
def page(tenant_client):
    def make(user):
        client = tenant_client("bj", user)
        client.cookies["django_language"] = "en"
        return client

    return make


def test_r2_4_9_cost_page_shows_the_figures(scenario, page):
    response = page(scenario.admin.user).get("/loyalty/cost/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-stat="points">{TOTAL}<' in html
    assert f'data-stat="liability">{yuan(TOTAL)}<' in html
    assert 'id="chart-level"' in html and 'id="chart-redemptions"' in html
    assert 'id="cost-data"' in html and "Umbrella" in html
    assert 'href="/loyalty/cost/"' in html  # in the Points menu


def test_r2_4_9_cost_page_refuses_bad_filters(scenario, page):
    response = page(scenario.admin.user).get("/loyalty/cost/?period_from=2025-13")
    assert response.status_code == 400
    assert "Enter a month as YYYY-MM" in response.content.decode()


def test_r2_4_9_cost_needs_its_permission(scenario, page, api_client):
    for staff in (scenario.manager_a, scenario.agent_a):
        assert page(staff.user).get("/loyalty/cost/").status_code == 403
        assert api_client("bj", staff.user).get("/api/loyalty/cost/liability/").status_code == 403
        menu = page(staff.user).get(f"/loyalty/customer/{scenario.a1.pk}/").content.decode()
        assert 'href="/loyalty/cost/"' not in menu
    for staff in (scenario.admin, scenario.supervisor_a, scenario.auditor):
        assert page(staff.user).get("/loyalty/cost/").status_code == 200
    assert api_client("bj").get("/api/loyalty/cost/flow/").status_code in (401, 403)


def test_r2_4_9_excel_export_has_every_section(scenario, page):
    from openpyxl import load_workbook

    response = page(scenario.admin.user).get("/loyalty/cost/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="points-cost-')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Summary",
        "Liability by level",
        "Liability by city",
        "Liability by branch",
        "Points lapsing",
        "Points flow by month",
        "Redemption cost by month",
        "Redemption cost by item",
        # The administrator sees the whole province: the national settlement too (R6.5.3).
        "Settlement by month",
        "Settlement by province",
    ]
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert summary["Outstanding points"] == TOTAL
    assert Decimal(str(summary["Liability (yuan)"])) == yuan(TOTAL)
    by_item = list(workbook["Redemption cost by item"].iter_rows(values_only=True))
    assert by_item[0][:3] == ("Code", "Item", "Item kind")
    assert [row[0] for row in by_item[1:]] == ["GIFT", "CREDIT"]
    flow = list(workbook["Points flow by month"].iter_rows(values_only=True))
    assert len(flow) == 1 + 12 and flow[-1][0] == f"{timezone.localdate():%Y-%m}"


# --- API -------------------------------------------------------------------------------


def test_r2_4_9_api_returns_the_same_figures(scenario, api_client):
    client = api_client("bj", scenario.auditor.user)
    liability = client.get("/api/loyalty/cost/liability/").json()
    assert set(liability) == {
        "as_of",
        "point_cost",
        "total",
        "by_level",
        "by_city",
        "by_branch",
        "expiring",
    }
    assert liability["point_cost"] == str(POINT_COST)
    assert liability["total"]["points"] == TOTAL
    assert liability["total"]["value"] == str(yuan(TOTAL))
    assert [h["months"] for h in liability["expiring"]["horizons"]] == [3, 6, 12]

    flow = client.get("/api/loyalty/cost/flow/").json()
    assert flow["period"]["to"] == f"{timezone.localdate():%Y-%m}"
    assert set(flow["months"][-1]["points"]) == {str(kind) for kind in selectors_cost.FLOW_KINDS}
    assert flow["total"]["net"] == TOTAL

    redemptions = client.get("/api/loyalty/cost/redemptions/").json()
    assert redemptions["total"]["total_cost"] == str(
        GIFT_COST * A1_GIFTS + CREDIT_AMOUNT * B1_CREDITS
    )
    assert redemptions["by_item"][0]["kind"] == "gift"
    assert redemptions["cancelled"]["redemptions"] == 1

    bad = client.get("/api/loyalty/cost/flow/?period_from=2025-05&period_to=2025-01")
    assert bad.status_code == 400
    assert "period_to" in bad.json()["fields"]


def test_r2_4_9_sh_sees_nothing_of_bj(scenario, api_client, tenant_client):
    with in_tenant("sh"):
        sh_admin = make_org().admin.user
    liability = api_client("sh", sh_admin).get("/api/loyalty/cost/liability/").json()
    assert liability["total"]["points"] == 0 and liability["by_level"] == []
    redemptions = api_client("sh", sh_admin).get("/api/loyalty/cost/redemptions/").json()
    assert redemptions["by_item"] == [] and redemptions["total"]["redemptions"] == 0
    html = tenant_client("sh", sh_admin).get("/loyalty/cost/").content.decode()
    assert "Umbrella" not in html and 'data-stat="points">0<' in html
