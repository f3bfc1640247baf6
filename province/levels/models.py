"""Customer levels and membership cards (R2.2).

- ``LevelStandard`` + ``LevelRule``: the configurable, versioned grading standard (exactly
  one active); a rule per level above standard gives the minimum average monthly *paid*
  revenue over the prior N full months, and optionally a minimum tenure and product count.
- ``RegradingRun`` + ``LevelProposal``: the periodic re-grading (computed set-based in SQL,
  see ``grading.py``) proposes changes that a supervisor approves or rejects; R10.4.6 will
  later route the decision through the workflow engine.
- ``LevelChange``: the level history of a customer (proposal, override, annual review).
- ``MembershipCard`` (会员卡): applied → issued ⇄ lost → cancelled, reissue replaces a card.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from province.customers.choices import CustomerLevel
from province.customers.models import Customer, CustomerOwned
from province.levels.choices import (
    LIVE_CARD_STATUSES,
    CardStatus,
    ChangeSource,
    ProposalStatus,
    RunStatus,
)
from shared.models import MONEY, BatchRun, TimeStampedModel, TrackedModel
from shared.scoping import ScopedManager


class LevelStandard(TrackedModel):
    """A version of the province's level standard (R2.2); exactly one is active."""

    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateField(_("effective from"))
    months = models.PositiveSmallIntegerField(
        _("months averaged"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text=_("Average monthly paid revenue is taken over this many prior full months."),
    )
    strategic_min_level = models.CharField(
        _("minimum level of strategic customers"),
        max_length=16,
        choices=CustomerLevel.choices,
        default=CustomerLevel.GOLD,
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("How long a granted level and an issued card stay valid."),
    )
    is_active = models.BooleanField(_("active"), default=False, editable=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("level standard")
        verbose_name_plural = _("level standards")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="%(app_label)s_%(class)s_one_active",
                violation_error_message=_("Only one level standard can be active."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%Y-%m-%d})"

    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # the standard is public within the province


class LevelRule(TimeStampedModel):
    """What a customer needs for one level under one standard (all conditions must hold)."""

    standard = models.ForeignKey(
        LevelStandard, verbose_name=_("standard"), on_delete=models.CASCADE, related_name="rules"
    )
    level = models.CharField(_("level"), max_length=16, choices=CustomerLevel.choices)
    min_avg_monthly_paid = models.DecimalField(
        _("minimum average monthly paid revenue"),
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    min_tenure_months = models.PositiveSmallIntegerField(
        _("minimum tenure (months)"), null=True, blank=True
    )
    min_active_products = models.PositiveSmallIntegerField(
        _("minimum active products"), null=True, blank=True
    )

    class Meta:
        ordering = ["standard", "min_avg_monthly_paid"]
        verbose_name = _("level rule")
        verbose_name_plural = _("level rules")
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "level"],
                name="%(app_label)s_%(class)s_one_per_level",
                violation_error_message=_("The standard already has a rule for this level."),
            ),
            models.CheckConstraint(
                condition=~Q(level=CustomerLevel.STANDARD),
                name="%(app_label)s_%(class)s_not_standard",
                violation_error_message=_("Every customer qualifies for the standard level."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard}: {self.get_level_display()} ≥ {self.min_avg_monthly_paid}"


class RegradingRun(BatchRun):
    """One periodic re-grading over the province, with its progress (R2.2)."""

    standard = models.ForeignKey(
        LevelStandard, verbose_name=_("standard"), on_delete=models.PROTECT, related_name="runs"
    )
    as_of = models.DateField(
        _("as of month"),
        help_text=_("First day of a month; the window is the N full months before it."),
    )
    # Where the next id-range chunk starts: a retried task resumes here.
    next_customer_id = models.BigIntegerField(_("next customer id"), default=0, editable=False)
    proposals = models.PositiveIntegerField(_("proposed changes"), default=0)
    upgrades = models.PositiveIntegerField(_("upgrades"), default=0)
    downgrades = models.PositiveIntegerField(_("downgrades"), default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("re-grading run")
        verbose_name_plural = _("re-grading runs")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=RunStatus.RUNNING),
                name="%(app_label)s_%(class)s_one_running",
                violation_error_message=_("A re-grading run is already in progress."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m} #{self.pk}"


class LevelProposal(CustomerOwned, TimeStampedModel):
    """A level change a re-grading run proposes for one customer, awaiting a decision."""

    # A run inserts up to one proposal per customer: every index costs. run and customer
    # lead the composite indexes below, so they get none of their own.
    run = models.ForeignKey(
        RegradingRun,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="proposal_rows",
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    current_level = models.CharField(
        _("current level"), max_length=16, choices=CustomerLevel.choices
    )
    proposed_level = models.CharField(
        _("proposed level"), max_length=16, choices=CustomerLevel.choices
    )
    avg_monthly_paid = models.DecimalField(_("average monthly paid revenue"), **MONEY)
    tenure_months = models.PositiveIntegerField(_("tenure (months)"))
    active_products = models.PositiveIntegerField(_("active products"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("level proposal")
        verbose_name_plural = _("level proposals")
        permissions = [("decide_levelproposal", _("Can approve or reject level proposals"))]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "customer"],
                name="%(app_label)s_%(class)s_one_per_run_customer",
                violation_error_message=_("The run already has a proposal for this customer."),
            ),
        ]
        indexes = [
            models.Index(fields=["run", "status", "-id"], name="levels_proposal_run_status"),
            models.Index(fields=["customer", "status"], name="levels_proposal_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.current_level} → {self.proposed_level}"


class LevelChange(CustomerOwned, models.Model):
    """One change of a customer's level: the level history (R2.2)."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="level_changes",
    )
    from_level = models.CharField(_("from level"), max_length=16, choices=CustomerLevel.choices)
    to_level = models.CharField(_("to level"), max_length=16, choices=CustomerLevel.choices)
    source = models.CharField(_("source"), max_length=16, choices=ChangeSource.choices)
    proposal = models.ForeignKey(
        LevelProposal,
        verbose_name=_("proposal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("changed at"), default=timezone.now)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("level change")
        verbose_name_plural = _("level changes")
        permissions = [
            ("override_level", _("Can override a customer's level")),
            ("review_members", _("Can run the annual review of members")),
        ]
        indexes = [models.Index(fields=["customer", "-at"], name="levels_change_customer_at")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_level} → {self.to_level}"


class MembershipCard(CustomerOwned, TrackedModel):
    """A member's card (会员卡); a customer has at most one live (applied/issued/lost) card."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="cards"
    )
    number = models.CharField(_("card number"), max_length=16, unique=True, null=True, blank=True)
    level = models.CharField(_("level at issue"), max_length=16, choices=CustomerLevel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=CardStatus.choices, default=CardStatus.APPLIED
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("membership card")
        verbose_name_plural = _("membership cards")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=LIVE_CARD_STATUSES),
                name="%(app_label)s_%(class)s_one_live_per_customer",
                violation_error_message=_("The customer already has a membership card."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[CardStatus.APPLIED, CardStatus.CANCELLED])
                | Q(number__isnull=False),
                name="%(app_label)s_%(class)s_issued_has_number",
                violation_error_message=_("An issued card has a number."),
            ),
        ]
        indexes = [models.Index(fields=["customer", "-id"], name="levels_card_customer")]

    def __str__(self) -> str:
        return self.number or gettext("Card application #%(id)s") % {"id": self.pk}
