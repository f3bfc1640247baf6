"""Read-side queries of the loyalty app (R2.4), set-based and scoped to the user."""

from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from province.loyalty.models import (
    LoyaltySettings,
    PointsAccount,
    PointsEntry,
    PointsLot,
    Redemption,
    RewardItem,
)
from province.loyalty.redemption import customer_standing, redemption_refusals

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


# --- redemption (R2.4.4, R6.5.1, R6.5.2) -------------------------------------------------


def expiring_soon(customer, *, within_days: int | None = None, as_of: date | None = None) -> dict:
    """Points of ``customer`` that lapse within the warning days (R6.5.1 counter)."""
    as_of = as_of or timezone.localdate()
    within_days = within_days or LoyaltySettings.load().expiry_warning_days
    until = as_of + timedelta(days=within_days)
    points = PointsLot.objects.filter(
        customer=customer,
        expired=False,
        remaining__gt=0,
        expires_at__gte=as_of,
        expires_at__lte=until,
    ).aggregate(s=Sum("remaining"))["s"]
    return {"points": points or 0, "until": until, "days": within_days}


def counter_catalogue(customer) -> list[tuple]:
    """Active catalogue items, each with why ``customer`` cannot redeem one unit of it (an
    empty list: they can). The customer's standing is read once for all items."""
    standing = customer_standing(customer)
    items = RewardItem.objects.filter(is_active=True).order_by("kind", "points_price", "id")
    return [(item, redemption_refusals(customer, item, 1, standing=standing)) for item in items]


def customer_redemptions(customer) -> QuerySet:
    """The customer's redemptions, newest first (R6.5.2)."""
    return (
        Redemption.objects.filter(customer=customer)
        .select_related("item", "created_by")
        .order_by("-redeemed_at", "-id")
    )
