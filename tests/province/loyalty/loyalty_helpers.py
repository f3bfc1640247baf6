"""Scenario builders for the points tests (R2.4)."""

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from province.loyalty import ledger
from province.loyalty.choices import EntryKind
from shared.accounts.models import User

LOYALTY_PERMISSIONS = (
    "view_pointsaccount",
    "view_pointsentry",
    "view_pointslot",
    "view_accrualrun",
    "add_accrualrun",
    "view_expiryrun",
    "add_expiryrun",
    "extend_pointslot",
    "view_adjustmentrequest",
    "add_adjustmentrequest",
    "approve_adjustmentrequest",
)


def grant(user, *codenames) -> User:
    """Give ``user`` loyalty permissions (roles do not carry them yet) and re-fetch it."""
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="loyalty", codename__in=codenames)
    )
    return User.objects.get(pk=user.pk)


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def earn(customer, points, *, expires_in_days, key=None):
    return ledger.credit(
        customer,
        points,
        kind=EntryKind.EARN,
        idempotency_key=key or f"test:earn:{customer.pk}:{points}:{expires_in_days}",
        expires_at=days(expires_in_days),
        earned_on=min(days(0), days(expires_in_days)),
    )
