"""Scenario builders for the levels tests (R2.2): customers with six months of bills."""

from datetime import date

from province.customers.models import Customer
from province.levels import services
from province.levels.models import LevelProposal
from tests.factories import make_account, make_bill, make_customer

AS_OF = date(2025, 7, 1)  # window: 2025-01 … 2025-06
WINDOW = [date(2025, month, 1) for month in range(1, 7)]


def customer_paying(manager, monthly_paid, *, due=None, months=WINDOW, **kwargs) -> Customer:
    """A customer with one account and a bill per month of ``months``, paid ``monthly_paid``.

    ``monthly_paid`` may be a list (one amount per month).
    """
    kwargs.setdefault("joined_on", date(2020, 1, 1))
    customer = make_customer(manager, **kwargs)
    account = make_account(customer)
    amounts = monthly_paid if isinstance(monthly_paid, list) else [monthly_paid] * len(months)
    for period, paid in zip(months, amounts, strict=True):
        make_bill(account, period, due if due is not None else paid, amount_paid=paid)
    return customer


def set_level(customer: Customer, level: str) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(level=level)
    customer.refresh_from_db()
    return customer


def regrade(actor=None, as_of=AS_OF, chunk_size=50_000, on_progress=None):
    run = services.start_regrading(actor=actor, as_of=as_of)
    return services.execute_run(run.pk, chunk_size=chunk_size, on_progress=on_progress)


def proposals_by_customer(run) -> dict[int, LevelProposal]:
    return {p.customer_id: p for p in LevelProposal.objects.filter(run=run)}


ALL_LEVEL_PERMISSIONS = (
    "levels.view_levelstandard",
    "levels.add_levelstandard",
    "levels.change_levelstandard",
    "levels.delete_levelstandard",
    "levels.view_regradingrun",
    "levels.add_regradingrun",
    "levels.view_levelproposal",
    "levels.decide_levelproposal",
    "levels.view_levelchange",
    "levels.override_level",
    "levels.review_members",
    "levels.view_membershipcard",
    "levels.add_membershipcard",
    "levels.change_membershipcard",
)
READ_PERMISSIONS = tuple(p for p in ALL_LEVEL_PERMISSIONS if ".view_" in p)


def grant(staff, *permissions):
    """Give ``staff``'s user the permissions (the roles do not carry them yet); a fresh user
    object, since Django caches permissions on the instance."""
    from django.contrib.auth.models import Permission

    from shared.accounts.models import User

    for name in permissions:
        app_label, codename = name.split(".")
        staff.user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=staff.user_id)
