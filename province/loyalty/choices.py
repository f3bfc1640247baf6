"""Choices of the loyalty app (R2.4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shared.models import RunStatus  # noqa: F401  (runs share one status vocabulary)


class EntryKind(models.TextChoices):
    """What a ledger entry records; the sign of its points says credit (+) or debit (−)."""

    EARN = "earn", _("Earned")
    BONUS = "bonus", _("Bonus")
    PENALTY = "penalty", _("Penalty")
    ADJUST = "adjust", _("Adjustment")
    REDEEM = "redeem", _("Redemption")
    HOLD = "hold", _("Hold")
    RELEASE = "release", _("Hold released")
    EXPIRE = "expire", _("Expired")
    REVERSE = "reverse", _("Reversal")


# Entries that move points into or out of the customer's ownership (the balance); holds and
# releases only move points between available and held.
HOLD_KINDS = (EntryKind.HOLD, EntryKind.RELEASE)
# Debits that consume lots through allocations ("expire" consumes its one lot, named by key).
ALLOCATING_DEBIT_KINDS = (EntryKind.REDEEM, EntryKind.PENALTY, EntryKind.ADJUST)
# Credits that open a lot.
LOT_CREDIT_KINDS = (EntryKind.EARN, EntryKind.BONUS, EntryKind.ADJUST)


class RuleScope(models.TextChoices):
    NATIONAL = "national", _("National (HQ standard)")
    PROVINCIAL = "provincial", _("Provincial extension")


class RuleKind(models.TextChoices):
    BASE = "base", _("Points per yuan paid")
    PRODUCT = "product", _("Points per yuan of a product")
    LEVEL_MULTIPLIER = "level_multiplier", _("Level multiplier")
    BONUS = "bonus", pgettext_lazy("earning rule kind", "Bonus")
    PENALTY = "penalty", pgettext_lazy("earning rule kind", "Penalty")


class RuleCondition(models.TextChoices):
    NONE = "", _("Always")
    TENURE_YEARS_AT_LEAST = "tenure_years_at_least", _("Tenure of at least N years")
    PAID_ON_TIME = "paid_on_time", _("Bill paid by its due date")
    PAID_LATE = "paid_late", _("Bill paid after its due date")
    CAMPAIGN = "campaign", _("Campaign")


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("approval status", "Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RewardKind(models.TextChoices):
    """What a catalogue item gives the customer (R2.4.4)."""

    GIFT = "gift", _("Gift")
    BILL_CREDIT = "bill_credit", _("Bill credit")
    SERVICE = "service", pgettext_lazy("reward kind", "Service")
    CLUB_BENEFIT = "club_benefit", _("Club benefit")


class RedemptionChannel(models.TextChoices):
    COUNTER = "counter", _("Counter")
    API = "api", _("API")
    AUTOMATIC = "automatic", _("Automatic rule")


class RedemptionStatus(models.TextChoices):
    COMPLETED = "completed", pgettext_lazy("redemption status", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("redemption status", "Cancelled")


class NoticeChannel(models.TextChoices):
    """How an expiry notice reached its reader (R2.4.5); SMS to customers is not built yet."""

    IN_APP = "in_app", _("In-app")
