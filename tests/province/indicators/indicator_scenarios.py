"""Small hand-checkable data for the indicator tests (appendix 1): bj and sh differ.

Month under test: October 2026. Expected values are worked out in the docstrings below.
"""

import itertools
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from province.analysis.models import SatisfactionScore
from province.customers.models import Customer
from province.loyalty.models import LoyaltySettings, PointsEntry
from tests.factories import make_account, make_bill, make_customer, make_org

OCTOBER = date(2026, 10, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
_keys = itertools.count(1)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def _set_history(customer, *dates_by_status):
    """Date the customer's history rows: (status, datetime) in the order they were made."""
    rows = list(Customer.history.filter(id=customer.pk).order_by("history_id"))
    for row, (status, when) in zip(rows, dates_by_status, strict=True):
        assert row.status == status
        Customer.history.filter(history_id=row.history_id).update(history_date=when)


def entry(customer, kind, points, when, **kwargs):
    return PointsEntry.objects.create(
        customer=customer,
        kind=kind,
        points=points,
        idempotency_key=f"test-indicators-{next(_keys)}",
        created_at=when,
        **kwargs,
    )


def beijing():
    """bj, October 2026.

    Customers: c1 gold/Beijing joined 2026-01-10; c2 silver/Beijing joined 2026-10-05 (new);
    c3 gold/Tongzhou joined 2025-06-01, churned 2026-10-15; c4 potential (never counts).
    KC_COUNT 2 (c1, c2), KC_OPENING 2 (c1, c3), KC_NEW 1, KC_CHURNED 1, churn rate 50.00.

    Bills: Oct c1 1000 + c2 500 = revenue 1500, billed 2, ARPU 750.00; Sep c1 800 + c3 200
    (open) = 1000 → MoM +50.00; Oct 2025 c1 600 → YoY +150.00. Due in October (Sep bills):
    1000, unpaid at the end 200 (c3) → arrears rate 20.00. Arrears at Oct 31: c3's 200 plus
    c1's Aug bill 300 paid only on 2026-11-05 → 500 (Beijing 300, Tongzhou 200, gold 500).

    Points (cost 0.01): Sep earn 500 (c1); Oct c1 earn 1000, bonus 100, redeem −300,
    redeem −200 reversed +200, expire −40, hold −100; c2 adjust +50, adjust −20; Nov 1
    00:30 local earn 999 (outside). Issued 1150 (gold 1100, silver 50), redeemed 300,
    expired 40, outstanding 1290 (gold 1260, silver 30), liability 12.90.

    Satisfaction in October: c1 80, c2 60 (Sep: c1 90, outside) → 70.00 from 2 answers.
    """
    org = make_org()
    settings = LoyaltySettings.load()
    settings.point_cost = Decimal("0.0100")
    settings.save()
    c1 = make_customer(org.manager_a, level="gold", city="Beijing", joined_on=date(2026, 1, 10))
    c2 = make_customer(org.manager_a, level="silver", city="Beijing", joined_on=date(2026, 10, 5))
    c3 = make_customer(org.manager_b, level="gold", city="Tongzhou", joined_on=date(2025, 6, 1))
    c3.status = "churned"
    c3.save()
    _set_history(c3, ("active", local(2025, 6, 1, 9)), ("churned", local(2026, 10, 15, 9)))
    make_customer(org.manager_b, status="potential", joined_on=date(2026, 10, 7))

    a1, a2, a3 = make_account(c1), make_account(c2), make_account(c3)
    make_bill(a1, date(2026, 10, 1), 1000)
    make_bill(a2, date(2026, 10, 1), 500, amount_paid=0)
    make_bill(a1, date(2026, 9, 1), 800)
    make_bill(a3, date(2026, 9, 1), 200, amount_paid=0)
    make_bill(a1, date(2025, 10, 1), 600)
    make_bill(a1, date(2026, 8, 1), 300, paid_on=date(2026, 11, 5))

    entry(c1, "earn", 500, local(2026, 9, 5, 10))
    entry(c1, "earn", 1000, local(2026, 10, 1, 0, 10))
    entry(c1, "bonus", 100, local(2026, 10, 4, 10))
    entry(c1, "redeem", -300, local(2026, 10, 10, 10))
    cancelled = entry(c1, "redeem", -200, local(2026, 10, 11, 10))
    entry(c1, "reverse", 200, local(2026, 10, 12, 10), reverses=cancelled)
    entry(c1, "expire", -40, local(2026, 10, 20, 10))
    entry(c1, "hold", -100, local(2026, 10, 31, 23, 30))
    entry(c2, "adjust", 50, local(2026, 10, 5, 10))
    entry(c2, "adjust", -20, local(2026, 10, 6, 10))
    entry(c1, "earn", 999, local(2026, 11, 1, 0, 30))

    for customer, score, day in ((c1, 80, date(2026, 10, 3)), (c2, 60, date(2026, 10, 4)),
                                 (c1, 90, date(2026, 9, 3))):  # fmt: skip
        SatisfactionScore.objects.create(
            customer=customer, survey_name="Q", surveyed_on=day, scale="0-10",
            raw_score=Decimal(score) / 10, score=Decimal(score),
        )  # fmt: skip
    return org


def shanghai():
    """sh, October 2026: one gold customer in Pudong joined 2026-02-01 with a paid bill of
    300 → KC_COUNT 1, KC_OPENING 1, revenue 300, no churn, no points, no answers."""
    org = make_org()
    c1 = make_customer(org.manager_a, level="gold", city="Pudong", joined_on=date(2026, 2, 1))
    make_bill(make_account(c1), date(2026, 10, 1), 300)
    return org
