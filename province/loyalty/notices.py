"""Expiry notices (R2.4.5): warn account managers of their customers' points that lapse soon.

A daily job (``notify_expiring_points_all_provinces_task``, the command
``notify_expiring_points``) writes one ``ExpiryNotice`` per customer and expiry date for
every open lot that lapses within ``LoyaltySettings.expiry_warning_days`` days, in one
``INSERT … SELECT … ON CONFLICT DO NOTHING``: re-running it the same day, or the next day
for the same expiry, writes nothing twice. The account manager sees the unread notices in
the app (list, badge, export) and marks them read. Notices go "in-app" only: SMS to the
customer is out of scope for now.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from province.loyalty.choices import NoticeChannel
from province.loyalty.models import ExpiryNotice, LoyaltySettings

_NOTICES_SQL = """
INSERT INTO loyalty_expirynotice
       (customer_id, account_manager_id, points, expires_at, channel, created_at)
SELECT l.customer_id, c.account_manager_id, sum(l.remaining), l.expires_at, %(channel)s, now()
FROM loyalty_pointslot l JOIN customers_customer c ON c.id = l.customer_id
WHERE NOT l.expired AND l.remaining > 0
  AND l.expires_at >= %(as_of)s AND l.expires_at <= %(until)s
GROUP BY l.customer_id, c.account_manager_id, l.expires_at
ORDER BY l.customer_id, l.expires_at
ON CONFLICT (customer_id, expires_at) DO NOTHING
"""


@transaction.atomic
def create_expiry_notices(as_of: date | None = None) -> int:
    """Notices for points lapsing within the warning window from ``as_of`` (default today);
    returns how many were new (R2.4.5)."""
    as_of = as_of or timezone.localdate()
    days = LoyaltySettings.load().expiry_warning_days
    with connection.cursor() as cursor:
        cursor.execute(
            _NOTICES_SQL,
            {
                "as_of": as_of,
                "until": as_of + timedelta(days=days),
                "channel": NoticeChannel.IN_APP.value,
            },
        )
        return cursor.rowcount


def unread_notices_for(user):
    """The unread notices addressed to ``user`` as account manager (the badge, the list)."""
    staff = getattr(user, "staff", None) if user.is_authenticated else None
    if staff is None:
        return ExpiryNotice.objects.none()
    return ExpiryNotice.objects.visible_to(user).filter(account_manager=staff, read_at__isnull=True)


@transaction.atomic
def mark_notice_read(notice: ExpiryNotice, *, actor) -> ExpiryNotice:
    """Mark a notice read; only its account manager does (others only see it)."""
    locked = ExpiryNotice.objects.select_for_update().get(pk=notice.pk)
    staff = getattr(actor, "staff", None)
    if staff is None or locked.account_manager_id != staff.pk:
        raise PermissionDenied
    if locked.read_at is None:
        locked.read_at = timezone.now()
        locked.save(update_fields=["read_at"])
    return locked
