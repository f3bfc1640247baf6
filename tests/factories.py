"""Scenario builders (django-oscar style): whole org trees with staff and roles.

Built through the services, so the test data obeys the same rules as real data. Call them
inside a tenant's schema (``in_tenant`` or the ``bj``/``sh`` fixtures).
"""

import itertools
from dataclasses import dataclass

from province.org import services
from province.org.choices import OrgUnitKind
from province.org.models import OrgUnit, Staff
from shared.accounts.models import User
from shared.accounts.services import set_roles

_numbers = itertools.count(1)
PASSWORD = "Correct-Horse-42"


def next_number() -> int:
    return next(_numbers)


def make_unit(name=None, kind=OrgUnitKind.TEAM, parent=None, **kwargs) -> OrgUnit:
    n = next_number()
    return services.create_org_unit(
        name=name or f"Unit {n}",
        code=kwargs.pop("code", f"U{n:05d}"),
        kind=kind,
        parent=parent,
        **kwargs,
    )


def make_staff(unit, roles=("account_manager",), *, password=None, **kwargs) -> Staff:
    n = next_number()
    defaults = {
        "username": f"user{n}",
        "name": f"Staff {n}",
        "employee_no": f"T{n:05d}",
        "mobile": "13800138000",
    }
    defaults.update(kwargs)
    return services.create_staff(password=password, org_unit=unit, roles=list(roles), **defaults)


def make_user(roles=(), **kwargs) -> User:
    n = next_number()
    user = User.objects.create_user(username=kwargs.pop("username", f"hquser{n}"), **kwargs)
    set_roles(user, list(roles))
    return user


@dataclass
class Org:
    """A small province: root → two cities → a team each, plus people in every role."""

    root: OrgUnit
    city_a: OrgUnit
    city_b: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit
    admin: Staff
    supervisor_a: Staff
    manager_a: Staff
    manager_b: Staff
    agent_a: Staff
    auditor: Staff


def make_org() -> Org:
    root = make_unit("Province", OrgUnitKind.PROVINCE)
    city_a = make_unit("City A", OrgUnitKind.CITY, root)
    city_b = make_unit("City B", OrgUnitKind.CITY, root)
    team_a = make_unit("Team A", OrgUnitKind.TEAM, city_a)
    team_b = make_unit("Team B", OrgUnitKind.TEAM, city_b)
    return Org(
        root=root,
        city_a=city_a,
        city_b=city_b,
        team_a=team_a,
        team_b=team_b,
        admin=make_staff(root, ["province_admin"]),
        supervisor_a=make_staff(city_a, ["supervisor"]),
        manager_a=make_staff(team_a, ["account_manager"]),
        manager_b=make_staff(team_b, ["account_manager"]),
        agent_a=make_staff(team_a, ["service_agent"]),
        auditor=make_staff(root, ["read_only"]),
    )


# --- customers -------------------------------------------------------------------------

VALID_USCCS = ["91350100M000100Y43", "91440300708461136T", "91110108551385082Q"]
VALID_RESIDENT_IDS = ["11010519491231002X", "110101199003074477", "11010119900307803X"]


def make_product(code=None, **kwargs):
    from province.products.models import Product

    n = next_number()
    defaults = {"name": f"Product {n}", "category": "broadband", "monthly_price": "100.00"}
    defaults.update(kwargs)
    return Product.objects.create(code=code or f"P{n:05d}", **defaults)


def make_customer(manager, **kwargs):
    from province.customers import services

    n = next_number()
    from province.customers.models import Customer

    # Level and credit are set by their own runs, not on creation; tests may preset them.
    preset = {k: kwargs.pop(k) for k in ("level", "credit_grade", "credit_limit") if k in kwargs}
    defaults = {"type": "enterprise", "name": f"Customer {n} Co., Ltd.", "phone": "13900139000"}
    defaults.update(kwargs)
    customer = services.create_customer(account_manager=manager, **defaults)
    if preset:
        Customer.objects.filter(pk=customer.pk).update(**preset)
        customer.refresh_from_db()
    return customer


def make_account(customer, **kwargs):
    from province.customers.models import BillingAccount

    n = next_number()
    return BillingAccount.objects.create(
        customer=customer, number=kwargs.pop("number", f"A{n:08d}"), name=customer.name, **kwargs
    )


def make_bill(account, period, amount_due, amount_paid=None, paid_on=None, **kwargs):
    """A bill of ``account`` for ``period`` (a date, first of month); paid in full by default."""
    from datetime import timedelta
    from decimal import Decimal

    from province.customers.models import Bill

    amount_due = Decimal(str(amount_due))
    amount_paid = amount_due if amount_paid is None else Decimal(str(amount_paid))
    due_date = (period + timedelta(days=45)).replace(day=15)
    if paid_on is None and amount_paid:
        paid_on = due_date - timedelta(days=5)
    status = "paid" if amount_paid >= amount_due else ("partial" if amount_paid else "open")
    return Bill.objects.create(
        customer=account.customer,
        account=account,
        period=period,
        amount_due=amount_due,
        amount_paid=amount_paid,
        due_date=due_date,
        paid_on=paid_on,
        status=status,
        **kwargs,
    )
