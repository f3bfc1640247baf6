from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ItemKind(models.TextChoices):
    GIFT = "gift", _("Gift")
    SERVICE = "service", _("Service")
    BILL_CREDIT = "bill_credit", _("Bill credit")
    CLUB_BENEFIT = "club_benefit", _("Club benefit")


class NationalRedemptionStatus(models.TextChoices):
    """HQ's record of one saga (R6.5.3; docs/national-redemption.md)."""

    FORWARDED = "forwarded", pgettext_lazy("national redemption", "Sent to home province")
    RESERVED = "reserved", pgettext_lazy("national redemption", "Points reserved")
    REJECTED = "rejected", pgettext_lazy("national redemption", "Rejected")
    COMMITTING = "committing", pgettext_lazy("national redemption", "Capturing points")
    COMMITTED = "committed", pgettext_lazy("national redemption", "Committed")
    RELEASED = "released", pgettext_lazy("national redemption", "Timed out, released")
    UNPAID = "unpaid", pgettext_lazy("national redemption", "Handed over, points not captured")
