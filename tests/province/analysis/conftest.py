"""A small province with figures worked out by hand (R2.5).

Period analysed: 2025-01 to 2025-03. Org from ``make_org``: manager_a (team A) and
manager_b (team B).

customers                       level     type        industry city     joined      status
c1  manager_a                   gold      enterprise  C        Beijing  2024-06-01  active
c2  manager_a                   standard  government  S        Beijing  2025-03-10  active
c3  manager_b                   gold      enterprise  C        Tianjin  2024-01-01  churned 2025-02-15
c4  manager_b                   standard  enterprise  C        Tianjin  2025-01-05  potential

products  p1 broadband 100.00, p2 mobile 50.00, p3 cloud 200.00

instances  c1/a1 p1 fee 90 since 2024-06-01; c1/a1 p2 fee 60 since 2025-02-01;
           c2/a2b p1 fee 70 since 2025-03-05; c3/a3 p3 fee 150 2025-01-10 … 2025-02-20

bills (due / paid)
  c1/a1  2024-01 100/100;  2025-01 200/200 lines p1 120 + p2 80;  2025-02 300/300 no lines;
         2025-03 300/300 no lines
  c2/a2  2025-03 150/100 no lines (a2 has no products: not attributable)
  c3/a3  2025-01 50/50 line p3 50
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from province.customers import services
from province.customers.models import BillLine, Customer, ProductInstance
from tests.conftest import in_tenant
from tests.factories import make_account, make_bill, make_customer, make_org, make_product


@dataclass
class World:
    org: object
    c1: Customer
    c2: Customer
    c3: Customer
    c4: Customer
    p1: object
    p2: object
    p3: object


def _customer(manager, *, level="standard", **fields):
    customer = make_customer(manager, **fields)
    Customer.objects.filter(pk=customer.pk).update(level=level)
    customer.refresh_from_db()
    return customer


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def _instance(customer, account, product, fee, activated_on, terminated_on=None):
    return ProductInstance.objects.create(
        customer=customer,
        account=account,
        product=product,
        service_number=f"S{ProductInstance.objects.count() + 1:06d}",
        monthly_fee=Decimal(fee),
        activated_on=activated_on,
        terminated_on=terminated_on,
    )


def build_world() -> World:
    org = make_org()
    c1 = _customer(
        org.manager_a,
        level="gold",
        industry="C",
        city="Beijing",
        joined_on=date(2024, 6, 1),
    )
    c2 = _customer(
        org.manager_a,
        type="government",
        industry="S",
        city="Beijing",
        joined_on=date(2025, 3, 10),
    )
    c3 = _customer(
        org.manager_b, level="gold", industry="C", city="Tianjin", joined_on=date(2024, 1, 1)
    )
    # c3 churns; the history row of that change is dated 2025-02-15, its creation earlier.
    services.update_customer(c3, status="churned")
    history = Customer.history.model.objects.filter(id=c3.pk)
    history.filter(status="active").update(history_date=_at(date(2024, 1, 1)))
    history.filter(status="churned").update(history_date=_at(date(2025, 2, 15)))
    c4 = _customer(
        org.manager_b,
        industry="C",
        city="Tianjin",
        status="potential",
        joined_on=date(2025, 1, 5),
    )

    p1 = make_product(name="Fibre", category="broadband", monthly_price="100.00")
    p2 = make_product(name="Mobile", category="mobile", monthly_price="50.00")
    p3 = make_product(name="Cloud host", category="cloud", monthly_price="200.00")

    a1, a2, a2b, a3 = make_account(c1), make_account(c2), make_account(c2), make_account(c3)
    _instance(c1, a1, p1, "90", date(2024, 6, 1))
    _instance(c1, a1, p2, "60", date(2025, 2, 1))
    _instance(c2, a2b, p1, "70", date(2025, 3, 5))
    _instance(c3, a3, p3, "150", date(2025, 1, 10), date(2025, 2, 20))

    make_bill(a1, date(2024, 1, 1), 100)
    january = make_bill(a1, date(2025, 1, 1), 200)
    BillLine.objects.create(bill=january, product=p1, amount_due=Decimal("120"))
    BillLine.objects.create(bill=january, product=p2, amount_due=Decimal("80"))
    make_bill(a1, date(2025, 2, 1), 300)
    make_bill(a1, date(2025, 3, 1), 300)
    make_bill(a2, date(2025, 3, 1), 150, amount_paid=100)
    c3_bill = make_bill(a3, date(2025, 1, 1), 50)
    BillLine.objects.create(bill=c3_bill, product=p3, amount_due=Decimal("50"))
    return World(org, c1, c2, c3, c4, p1, p2, p3)


@pytest.fixture
def world(db):
    with in_tenant("bj"):
        return build_world()


PERIOD = {"period_from": "2025-01", "period_to": "2025-03"}


def scope_for(user, **extra):
    """The analysis scope the filter bar gives ``user`` for the test period (in bj)."""
    from province.analysis.filters import AnalysisFilterForm

    form = AnalysisFilterForm({**PERIOD, **extra}, user=user)
    assert form.is_valid(), form.errors
    return form.scope()


@pytest.fixture
def english():
    """Labels and messages asserted in English, the source language."""
    from django.utils import translation

    with translation.override("en"):
        yield
