"""Scenario builders for the credit tests: customers with a year of bills, as of a fixed day.

``AS_OF`` is 2026-01-20: the window is the billing months 2025-01 … 2025-12, whose bills
(``make_bill``) fall due on the 15th of the following month, 2025-02-15 … 2026-01-15, all
before ``AS_OF``; ``make_bill`` pays them five days before the due date by default.
"""

from datetime import date, timedelta

from django.contrib.auth.models import Group, Permission

from province.customers.models import Customer
from tests.factories import make_account, make_bill, make_customer

AS_OF = date(2026, 1, 20)
WINDOW = [date(2025, month, 1) for month in range(1, 13)]


def customer_with_bills(
    manager,
    *,
    amount=1000,
    joined_on=date(2019, 6, 1),
    level="standard",
    late=(),
    unpaid=(),
    paid=None,
):
    """A customer with 12 bills of ``amount`` in the window.

    ``late``: months (1–12) paid in full 10 days after the due date; ``unpaid``: months not
    paid at all; ``paid``: {month: amount paid on time (partial)}.
    """
    customer = make_customer(manager, joined_on=joined_on)
    if level != "standard":
        Customer.objects.filter(pk=customer.pk).update(level=level)
        customer.refresh_from_db()
    account = make_account(customer)
    paid = paid or {}
    for period in WINDOW:
        month = period.month
        if month in unpaid:
            make_bill(account, period, amount, amount_paid=0)
        elif month in paid:
            make_bill(account, period, amount, amount_paid=paid[month])
        elif month in late:
            bill = make_bill(account, period, amount)
            bill.paid_on = bill.due_date + timedelta(days=10)
            bill.save()
        else:
            make_bill(account, period, amount)
    return customer


# What docs/credit.md proposes for shared/accounts/roles.py, granted here to the groups
# until the roles table carries it.
ROLE_PERMISSIONS = {
    "province_admin": [
        "view_creditpolicy",
        "add_creditpolicy",
        "change_creditpolicy",
        "delete_creditpolicy",
        "view_arrears_warnings",
        "view_creditassessment",
        "view_creditchange",
        "view_creditchangerequest",
        "add_creditchangerequest",
        "approve_creditchangerequest",
        "view_temporarycredit",
        "add_temporarycredit",
        "change_temporarycredit",
        "view_emergencyreconnection",
        "add_emergencyreconnection",
        "change_emergencyreconnection",
    ],
    "supervisor": [
        "view_creditpolicy",
        "view_arrears_warnings",
        "view_creditassessment",
        "view_creditchange",
        "view_creditchangerequest",
        "add_creditchangerequest",
        "approve_creditchangerequest",
        "view_temporarycredit",
        "add_temporarycredit",
        "change_temporarycredit",
        "view_emergencyreconnection",
        "add_emergencyreconnection",
        "change_emergencyreconnection",
    ],
    "account_manager": [
        "view_creditpolicy",
        "view_arrears_warnings",
        "view_creditassessment",
        "view_creditchange",
        "view_creditchangerequest",
        "add_creditchangerequest",
        "view_temporarycredit",
        "view_emergencyreconnection",
    ],
    "read_only": [
        "view_creditpolicy",
        "view_arrears_warnings",
        "view_creditassessment",
        "view_creditchange",
        "view_creditchangerequest",
        "view_temporarycredit",
        "view_emergencyreconnection",
    ],
}


def grant_credit_roles(org=None):
    """Give the role groups their credit permissions (inside the test's transaction)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="credit", codename__in=codenames)
        )
    if org is not None:  # Django caches permissions on the user objects: load them afresh
        for name in ("admin", "supervisor_a", "manager_a", "manager_b", "agent_a", "auditor"):
            staff = getattr(org, name)
            staff.user = type(staff.user).objects.get(pk=staff.user_id)
    return org


def overdue_bill(customer, amount_due, *, due_in_days, amount_paid=0, today=None):
    """A bill of ``customer`` due ``due_in_days`` from today (negative: overdue)."""
    from decimal import Decimal

    from django.utils import timezone

    from province.customers.models import Bill

    today = today or timezone.localdate()
    account = customer.accounts.first() or make_account(customer)
    due_date = today + timedelta(days=due_in_days)
    taken = set(account.bills.values_list("period", flat=True))
    period = (due_date - timedelta(days=40)).replace(day=1)
    while period in taken:  # one bill per account and month
        period = (period - timedelta(days=1)).replace(day=1)
    amount_due, amount_paid = Decimal(str(amount_due)), Decimal(str(amount_paid))
    return Bill.objects.create(
        customer=customer,
        account=account,
        period=period,
        amount_due=amount_due,
        amount_paid=amount_paid,
        due_date=due_date,
        status="partial" if amount_paid else "open",
    )


def set_credit(customer, grade, limit, level=None):
    from decimal import Decimal

    fields = {"credit_grade": grade, "credit_limit": Decimal(str(limit))}
    if level:
        fields["level"] = level
    Customer.objects.filter(pk=customer.pk).update(**fields)
    customer.refresh_from_db()
    return customer
