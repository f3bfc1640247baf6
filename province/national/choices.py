from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VisitingRedemptionStatus(models.TextChoices):
    """The serving desk's view of a national redemption (R6.5.3)."""

    PENDING = "pending", pgettext_lazy("national redemption", "Waiting for the home province")
    RESERVED = "reserved", pgettext_lazy("national redemption", "Points reserved")
    REJECTED = "rejected", pgettext_lazy("national redemption", "Rejected")
    FULFILLED = "fulfilled", pgettext_lazy("national redemption", "Handed over, confirming")
    COMPLETED = "completed", pgettext_lazy("national redemption", "Completed")
    TIMED_OUT = "timed_out", pgettext_lazy("national redemption", "Timed out, points released")
    UNPAID = "unpaid", pgettext_lazy("national redemption", "Handed over, points not captured")


class HoldStatus(models.TextChoices):
    """The home province's view: what its ledger did for one request id."""

    HELD = "held", pgettext_lazy("national hold", "Held")
    REJECTED = "rejected", pgettext_lazy("national hold", "Rejected")
    CAPTURED = "captured", pgettext_lazy("national hold", "Captured")
    RELEASED = "released", pgettext_lazy("national hold", "Released")


# Reasons travel as codes (HQ and the home province may speak another language than the
# serving desk); the serving side words them.
REJECTION_REASONS = {
    "not_active": _("The card is not an active club membership."),
    "wrong_home": _("The card belongs to another province."),
    "insufficient_points": _("The member does not have enough points."),
    "blacklisted": _("The member may not redeem points at present (blacklist)."),
    "arrears": _("The member has overdue unpaid bills."),
    "customer_inactive": _("The member's customer record is not active."),
    "unknown_item": _("The item is not in the national catalogue."),
    "catalog_changed": _("The national catalogue has changed: look the item up again."),
    "timed_out": _("The request timed out and the points were released."),
}
