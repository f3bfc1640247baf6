"""Choices of the credit app (R2.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CreditGrade(models.TextChoices):
    """Grades from best to worst; the score thresholds live in the active credit policy."""

    A = "A", _("Grade A")
    B = "B", _("Grade B")
    C = "C", _("Grade C")
    D = "D", _("Grade D")


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("approval status", "Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ChangeSource(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment run")
    MANUAL = "manual", _("Manual change")
    TEMPORARY = "temporary", _("Temporary credit")


class GrantStatus(models.TextChoices):
    """State of a temporary credit or an emergency reconnection."""

    ACTIVE = "active", pgettext_lazy("grant status", "Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class WarningAction(models.TextChoices):
    """What the arrears policy suggests for a customer on the warnings list (R2.3.2)."""

    WARN = "warn", _("Warn the customer")
    SUSPEND = "suspend", _("Propose service suspension")
    RECONNECTED = "reconnected", _("Emergency reconnection in force")
