"""Choices of the levels app (R2.2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from province.customers.choices import CustomerLevel
from shared.models import RunStatus  # noqa: F401  (runs share one status vocabulary)

# Levels in ascending order; the rank is what "highest qualifying level" compares.
LEVEL_ORDER: tuple[str, ...] = tuple(CustomerLevel.values)
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVEL_ORDER)}


class ProposalStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("approval status", "Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    # A later run re-evaluated the customer, so this proposal's figures are out of date.
    SUPERSEDED = "superseded", _("Superseded")


class ChangeSource(models.TextChoices):
    PROPOSAL = "proposal", _("Re-grading proposal")
    OVERRIDE = "override", _("Manual override")
    ANNUAL_REVIEW = "annual_review", _("Annual review")


class CardStatus(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("card status", "Applied")
    ISSUED = "issued", _("Issued")
    LOST = "lost", _("Reported lost")
    CANCELLED = "cancelled", _("Cancelled")


LIVE_CARD_STATUSES = (CardStatus.APPLIED, CardStatus.ISSUED, CardStatus.LOST)
