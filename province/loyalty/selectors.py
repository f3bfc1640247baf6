"""Read-side queries of the loyalty app (R2.4), set-based and scoped to the user."""

from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from province.loyalty.models import PointsAccount, PointsEntry, PointsLot

DEFAULT_WARNING_DAYS = 30


def expiring_points(
    user, *, within_days: int = DEFAULT_WARNING_DAYS, as_of: date | None = None
) -> QuerySet:
    """Points that lapse within ``within_days`` days, per customer and expiry date (R2.4.5).

    Rows are dicts: customer id, number and name, account manager, expiry date and points;
    soonest first. Only customers ``user`` may see.
    """
    as_of = as_of or timezone.localdate()
    return (
        PointsLot.objects.visible_to(user)
        .filter(
            expired=False,
            remaining__gt=0,
            expires_at__gte=as_of,
            expires_at__lte=as_of + timedelta(days=within_days),
        )
        .values(
            "customer_id",
            "customer__number",
            "customer__name",
            "customer__account_manager__name",
            "expires_at",
        )
        .annotate(points=Sum("remaining"))
        .order_by("expires_at", "customer_id")
    )


def points_summary(customer) -> dict:
    """Balance, held and available points, the open lots and the latest entries."""
    account = PointsAccount.objects.filter(customer=customer).first()
    balance = account.balance if account else 0
    held = account.held if account else 0
    return {
        "balance": balance,
        "held": held,
        "available": balance - held,
        "lots": PointsLot.objects.filter(
            customer=customer, expired=False, remaining__gt=0
        ).order_by("expires_at", "id"),
        "entries": PointsEntry.objects.filter(customer=customer).order_by("-id")[:100],
    }
