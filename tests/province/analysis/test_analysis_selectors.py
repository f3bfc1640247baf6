"""The analysis figures against the hand-computed world of conftest.py (R2.5.1–R2.5.5)."""

from datetime import date
from decimal import Decimal

import pytest

from province.analysis import selectors
from province.analysis.models import SatisfactionScore
from tests.conftest import in_tenant
from tests.province.analysis.conftest import scope_for

pytestmark = pytest.mark.django_db
D = Decimal


def _counts(rows):
    return {row["key"]: row["count"] for row in rows}


# --- R2.5.1 ----------------------------------------------------------------------------------


def test_r2_5_1_composition_counts_by_dimension(world):
    with in_tenant("bj"):
        figures = selectors.composition(scope_for(world.org.admin.user))
    assert figures["total"] == 4
    assert _counts(figures["by_level"]) == {"gold": 2, "standard": 2}
    assert _counts(figures["by_type"]) == {"enterprise": 3, "government": 1}
    assert _counts(figures["by_industry"]) == {"C": 3, "S": 1}
    assert _counts(figures["by_city"]) == {"Beijing": 2, "Tianjin": 2}
    assert _counts(figures["by_status"]) == {"active": 2, "churned": 1, "potential": 1}
    # largest group first
    assert figures["by_type"][0]["key"] == "enterprise"


def test_r2_5_1_active_customers_per_month_use_join_and_churn_dates(world):
    # Jan: c1, c3 (churns 15 Feb); Feb: c1; Mar: c1, c2 (joined 10 Mar). c4 is potential.
    with in_tenant("bj"):
        figures = selectors.composition(scope_for(world.org.admin.user))
    assert figures["over_time"] == {
        "months": ["2025-01", "2025-02", "2025-03"],
        "active": [2, 1, 2],
    }


def test_r2_5_1_manager_sees_only_own_customers(world):
    with in_tenant("bj"):
        figures = selectors.composition(scope_for(world.org.manager_a.user))
    assert figures["total"] == 2
    assert _counts(figures["by_level"]) == {"gold": 1, "standard": 1}
    assert figures["over_time"]["active"] == [1, 1, 2]


def test_r2_5_1_filters_narrow_the_customers(world):
    admin = world.org.admin.user
    with in_tenant("bj"):
        by_city = selectors.composition(scope_for(admin, city="Tianjin"))
        by_unit = selectors.composition(scope_for(admin, under=world.org.city_a.pk))
        gold_c = selectors.composition(scope_for(admin, level="gold", industry="C"))
        by_manager = selectors.composition(scope_for(admin, account_manager=world.org.manager_b.pk))
    assert by_city["total"] == 2 and _counts(by_city["by_status"]) == {"churned": 1, "potential": 1}
    assert by_unit["total"] == 2 and _counts(by_unit["by_city"]) == {"Beijing": 2}
    assert gold_c["total"] == 2
    assert by_manager["total"] == 2


# --- R2.5.2 ----------------------------------------------------------------------------------


def test_r2_5_2_revenue_by_product_from_lines_and_split_bills(world):
    # p1 = 120 (Jan line) + 300·90/150 (Feb bill split over p1 90 and p2 60) = 300;
    # p2 = 80 + 120 = 200, Mar: 300 split the same way → p1 +180, p2 +120; p3 = 50 (line);
    # c2's March bill (150) has no lines and its account no products: not attributable.
    with in_tenant("bj"):
        figures = selectors.product_composition(scope_for(world.org.admin.user))
    by_product = {row["label"]: row for row in figures["by_product"]}
    assert by_product["Fibre"]["revenue"] == D("480.00")
    assert by_product["Mobile"]["revenue"] == D("320.00")
    assert by_product["Cloud host"]["revenue"] == D("50.00")
    unattributed = [row for row in figures["by_product"] if row["product_id"] is None]
    assert unattributed[0]["revenue"] == D("150.00")
    assert figures["total_revenue"] == D("1000.00")
    assert figures["billed_customers"] == 3
    assert [row["label"] for row in figures["by_product"]][:2] == ["Fibre", "Mobile"]


def test_r2_5_2_customers_and_instances_by_product_and_category(world):
    with in_tenant("bj"):
        figures = selectors.product_composition(scope_for(world.org.admin.user))
    fibre = next(row for row in figures["by_product"] if row["label"] == "Fibre")
    cloud = next(row for row in figures["by_product"] if row["label"] == "Cloud host")
    # Fibre: c1 (since 2024) and c2 (new in March) in service at 31 March; billed: c1 only.
    assert (fibre["instances"], fibre["holders"], fibre["new_instances"]) == (2, 2, 1)
    assert fibre["billed_customers"] == 1
    # Cloud host ended 20 Feb: none in service at the end, one new in the period.
    assert (cloud["instances"], cloud["new_instances"]) == (0, 1)
    categories = {row["key"]: row for row in figures["by_category"]}
    assert categories["broadband"]["revenue"] == D("480.00")
    assert categories["mobile"]["revenue"] == D("320.00")
    assert categories["cloud"]["revenue"] == D("50.00")
    assert categories["broadband"]["holders"] == 2


def test_r2_5_2_manager_sees_only_own_revenue(world):
    with in_tenant("bj"):
        figures = selectors.product_composition(scope_for(world.org.manager_b.user))
    assert figures["total_revenue"] == D("50.00")
    assert [row["label"] for row in figures["by_product"]] == ["Cloud host"]


# --- R2.5.3 ----------------------------------------------------------------------------------


def _score(customer, day, score):
    SatisfactionScore.objects.create(
        customer=customer,
        survey_name="Annual survey",
        surveyed_on=day,
        scale="0-10",
        raw_score=D(score) / 10,
        score=D(score),
    )


@pytest.fixture
def scores(world):
    with in_tenant("bj"):
        _score(world.c1, date(2025, 1, 15), 80)
        _score(world.c3, date(2025, 1, 20), 90)
        _score(world.c2, date(2025, 3, 1), 75)
        _score(world.c1, date(2024, 12, 1), 10)  # before the period
    return world


def test_r2_5_3_satisfaction_averages_by_level_industry_and_month(scores):
    with in_tenant("bj"):
        figures = selectors.satisfaction(scope_for(scores.org.admin.user))
    assert figures["count"] == 3
    assert figures["average"] == D("81.7")  # 245 / 3
    assert {r["key"]: r["average"] for r in figures["by_level"]} == {
        "gold": D("85.0"),
        "standard": D("75.0"),
    }
    assert {r["key"]: r["average"] for r in figures["by_industry"]} == {
        "C": D("85.0"),
        "S": D("75.0"),
    }
    assert figures["by_month"]["average"] == [D("85.0"), None, D("75.0")]
    assert figures["by_month"]["count"] == [2, 0, 1]


def test_r2_5_3_satisfaction_distribution_in_bands_of_ten(scores):
    with in_tenant("bj"):
        figures = selectors.satisfaction(scope_for(scores.org.admin.user))
    counts = [band["count"] for band in figures["distribution"]]
    assert counts == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    assert figures["distribution"][9]["label"] == "90–100"


def test_r2_5_3_manager_sees_only_own_scores(scores):
    with in_tenant("bj"):
        figures = selectors.satisfaction(scope_for(scores.org.manager_a.user))
    assert figures["count"] == 2 and figures["average"] == D("77.5")


# --- R2.5.4 ----------------------------------------------------------------------------------


def test_r2_5_4_revenue_paid_per_month(world):
    with in_tenant("bj"):
        figures = selectors.value(scope_for(world.org.admin.user))
    # Jan 200 + 50, Feb 300, Mar 300 + 100 paid of c2's 150.
    assert [m["revenue"] for m in figures["months"]] == [D("250.00"), D("300.00"), D("400.00")]
    assert figures["total_revenue"] == D("950.00")


def test_r2_5_4_arpu_per_month(world):
    # active at month end: 2, 1, 2 → 250/2, 300/1, 400/2
    with in_tenant("bj"):
        figures = selectors.value(scope_for(world.org.admin.user))
    assert [m["active_customers"] for m in figures["months"]] == [2, 1, 2]
    assert [m["arpu"] for m in figures["months"]] == [D("125.00"), D("300.00"), D("200.00")]


def test_r2_5_4_growth_month_on_month_and_year_on_year(world):
    with in_tenant("bj"):
        figures = selectors.value(scope_for(world.org.admin.user))
    # MoM: Dec 2024 had no bills; (300-250)/250; (400-300)/300. YoY: Jan 2024 paid 100.
    assert [m["mom"] for m in figures["months"]] == [None, D("20.0"), D("33.3")]
    assert [m["yoy"] for m in figures["months"]] == [D("150.0"), None, None]


def test_r2_5_4_customer_lifetime_value(world):
    # Churn: 1 churned (c3) / customer-months at month starts 2 + 2 + 1 = 5 → 20 %/month,
    # expected lifetime 5 months. Average monthly paid revenue: c1 800/3, c2 100/1, c3 50/1.
    with in_tenant("bj"):
        figures = selectors.value(scope_for(world.org.admin.user))
    assert figures["churn"] == {
        "churned": 1,
        "customer_months": 5,
        "monthly_rate": D("20.0"),
        "expected_lifetime_months": D("5.0"),
    }
    top = {row["number"]: row for row in figures["top"]}
    assert top[world.c1.number]["clv"] == D("1333.33")  # 266.67 × 5
    assert top[world.c2.number]["clv"] == D("500.00")
    assert top[world.c3.number]["clv"] == D("250.00")
    assert figures["clv"]["billed_customers"] == 3
    assert figures["clv"]["average"] == D("694.44")  # (800/3 + 100 + 50) / 3 × 5


def test_r2_5_4_lifetime_is_capped_at_120_months():
    assert selectors.expected_lifetime_months(0, 40) == D("120")
    assert selectors.expected_lifetime_months(1, 500) == D("120")
    assert selectors.expected_lifetime_months(3, 30) == D("10.0")


def test_r2_5_4_top_n_customers_by_revenue(world):
    with in_tenant("bj"):
        figures = selectors.value(scope_for(world.org.admin.user), top_n=2)
    assert [(row["rank"], row["number"]) for row in figures["top"]] == [
        (1, world.c1.number),
        (2, world.c2.number),
    ]
    assert figures["top"][0]["revenue"] == D("800.00")
    assert figures["top"][0]["url"] == f"/customers/{world.c1.pk}/"


def test_r2_5_4_manager_sees_only_own_revenue(world):
    with in_tenant("bj"):
        figures = selectors.value(scope_for(world.org.manager_b.user))
    assert [m["revenue"] for m in figures["months"]] == [D("50.00"), D("0.00"), D("0.00")]
    assert [row["number"] for row in figures["top"]] == [world.c3.number]


# --- R2.5.5 ----------------------------------------------------------------------------------


def test_r2_5_5_uptake_new_instances_per_month(world):
    with in_tenant("bj"):
        figures = selectors.pricing(scope_for(world.org.admin.user))
    uptake = {row["label"]: row["counts"] for row in figures["uptake"]["products"]}
    assert uptake == {"Fibre": [0, 0, 1], "Mobile": [0, 1, 0], "Cloud host": [1, 0, 0]}


def test_r2_5_5_average_fee_and_discount_per_product(world):
    # Fibre: fees 90 and 70 → avg 80 of 100 → 20 %; Mobile 60 of 50 → −20 %;
    # Cloud host 150 of 200 → 25 % (in service 10 Jan – 20 Feb, within the period).
    with in_tenant("bj"):
        figures = selectors.pricing(scope_for(world.org.admin.user))
    prices = {row["label"]: (row["average_fee"], row["discount"]) for row in figures["prices"]}
    assert prices == {
        "Fibre": (D("80.00"), D("20.0")),
        "Mobile": (D("60.00"), D("-20.0")),
        "Cloud host": (D("150.00"), D("25.0")),
    }


@pytest.mark.usefixtures("english")
def test_r2_5_5_discount_distribution(world):
    # per instance: 1-90/100 = 10 % → 10–20 band; 1-70/100 = 30 % → 30–40;
    # 1-150/200 = 25 % → 20–30; 60 ≥ 50 → no discount
    with in_tenant("bj"):
        figures = selectors.pricing(scope_for(world.org.admin.user))
    counts = {row["label"]: row["count"] for row in figures["discount_distribution"]}
    assert counts["No discount"] == 1
    assert counts["10–20%"] == 1 and counts["20–30%"] == 1 and counts["30–40%"] == 1
    assert sum(counts.values()) == 4


def test_r2_5_5_manager_sees_only_own_instances(world):
    with in_tenant("bj"):
        figures = selectors.pricing(scope_for(world.org.manager_a.user))
    assert {row["label"] for row in figures["prices"]} == {"Fibre", "Mobile"}
    assert {row["label"]: row["average_fee"] for row in figures["prices"]}["Fibre"] == D("80.00")


# --- set-based: the number of queries does not depend on the number of customers -----------


def _queries_per_page(user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, compute in [
        ("composition", selectors.composition),
        ("products", selectors.product_composition),
        ("satisfaction", selectors.satisfaction),
        ("value", selectors.value),
        ("pricing", selectors.pricing),
    ]:
        scope = scope_for(user)
        with CaptureQueriesContext(connection) as captured:
            compute(scope)
        counts[name] = len(captured)
    return counts


def test_r2_5_selectors_run_a_fixed_number_of_queries(world):
    from tests.factories import make_account, make_bill, make_customer

    with in_tenant("bj"):
        before = _queries_per_page(world.org.admin.user)
        for _i in range(5):
            customer = make_customer(world.org.manager_a, joined_on=date(2024, 1, 1))
            make_bill(make_account(customer), date(2025, 2, 1), 10)
            _score(customer, date(2025, 2, 3), 50)
        after = _queries_per_page(world.org.admin.user)
    assert after == before
    assert max(before.values()) <= 15  # including the first permission and staff look-ups


def test_r2_5_default_period_ends_with_the_last_billed_month_and_points_with_this_one(world):
    """The current month has no bills yet: analysis charts end with the month before (no
    dip at the end); the points cost page, whose figures move every day, ends with this one."""
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from province.analysis.filters import DEFAULT_MONTHS, AnalysisFilterForm
    from province.loyalty.filters import PointsCostFilterForm

    this_month = timezone.localdate().replace(day=1)
    with in_tenant("bj"):
        analysis = AnalysisFilterForm({}, user=world.org.admin.user)
        points = PointsCostFilterForm({}, user=world.org.admin.user)
        assert analysis.is_valid() and points.is_valid()
    assert analysis.cleaned_data["end"] == this_month - relativedelta(months=1)
    assert points.cleaned_data["end"] == this_month
    start = analysis.cleaned_data["start"]
    assert start == analysis.cleaned_data["end"] - relativedelta(months=DEFAULT_MONTHS - 1)
