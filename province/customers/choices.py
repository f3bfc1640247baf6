from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shared.vocab.customer_types import CustomerType  # noqa: F401  (re-exported for the app)


class CustomerStatus(models.TextChoices):
    POTENTIAL = "potential", _("Potential")
    ACTIVE = "active", pgettext_lazy("customer status", "Active")
    SUSPENDED = "suspended", _("Suspended")
    CHURNED = "churned", _("Churned")


class CertificateType(models.TextChoices):
    USCC = "uscc", _("Unified social credit code")
    RESIDENT_ID = "resident_id", _("Resident identity card")


class CustomerLevel(models.TextChoices):
    """Levels in ascending order (R2.2); the thresholds live in the level standard."""

    STANDARD = "standard", _("Standard")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    DIAMOND = "diamond", _("Diamond")


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    FINANCE = "finance", pgettext_lazy("contact role", "Finance")
    TECHNICAL = "technical", _("Technical")
    OTHER = "other", _("Other")


class BillStatus(models.TextChoices):
    OPEN = "open", _("Unpaid")
    PARTIAL = "partial", _("Partly paid")
    PAID = "paid", _("Paid")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    ONLINE = "online", _("Online")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
