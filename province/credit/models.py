"""Customer credit (R2.3.1, R2.3.2): policy, assessments, manual changes, temporary credit.

- ``CreditPolicy`` + ``CreditGradeRule``: the parameters of the credit formula (score
  thresholds and limit multipliers per grade) and, per grade, the arrears policy (grace
  days, suspension threshold, deposit, warning percentage). Exactly one policy is active.
- ``CreditAssessment``: one computed score per customer and run, with its inputs, so every
  grade can be checked by hand (docs/credit.md).
- ``CreditChangeRequest``: a manual grade/limit change that takes effect only when someone
  else with the approval permission approves it; the customer's latest approved request,
  until its ``keep_until`` (if any) has passed, is a manual override that the assessment
  run leaves alone.
- ``CreditChange``: the credit history of a customer, one immutable row per change of
  grade, limit or effective limit, whatever caused it.
- ``TemporaryCredit`` (临时授信) and ``EmergencyReconnection`` (紧急开机): time-limited
  relief for customers at gold level or above.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from province.credit.choices import ChangeRequestStatus, ChangeSource, CreditGrade, GrantStatus
from province.customers.models import Customer, CustomerOwned
from shared.models import MONEY, TimeStampedModel, TrackedModel
from shared.scoping import ScopedManager

PERCENT = {"max_digits": 6, "decimal_places": 2}


class CreditPolicy(TrackedModel):
    """A set of credit parameters; the single active one drives assessments and warnings."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=False)
    description = models.TextField(_("description"), blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-is_active", "name"]
        verbose_name = _("credit policy")
        verbose_name_plural = _("credit policies")
        permissions = [
            ("view_arrears_warnings", _("Can see the arrears warnings list")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="%(app_label)s_%(class)s_single_active",
                violation_error_message=_("Only one credit policy can be active."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visibility_filter(cls, user) -> Q:
        # Policies are province-wide rules, not customer data: the role permission decides.
        return Q()


class CreditGradeRule(TimeStampedModel):
    """Per grade: the score threshold, the limit multiplier and the arrears policy."""

    policy = models.ForeignKey(
        CreditPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="rules"
    )
    grade = models.CharField(_("grade"), max_length=1, choices=CreditGrade.choices)
    min_score = models.DecimalField(
        _("minimum score"),
        max_digits=5,
        decimal_places=2,
        help_text=_("A customer with at least this score (0–100) gets this grade."),
    )
    limit_multiplier = models.DecimalField(
        _("limit multiplier"),
        max_digits=4,
        decimal_places=2,
        help_text=_("Credit limit = average monthly bill × this multiplier."),
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace days"), help_text=_("Days after the due date before suspension is proposed.")
    )
    suspension_pct = models.DecimalField(
        _("suspension threshold (%)"),
        help_text=_("Arrears above this percentage of the limit lead to a suspension proposal."),
        **PERCENT,
    )
    deposit_required = models.BooleanField(_("deposit required"), default=False)
    warning_pct = models.DecimalField(
        _("warning threshold (%)"),
        help_text=_(
            "Arrears at or above this percentage of the limit put the customer on the "
            "warnings list."
        ),
        **PERCENT,
    )

    class Meta:
        ordering = ["policy", "grade"]
        verbose_name = _("credit grade rule")
        verbose_name_plural = _("credit grade rules")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "grade"],
                name="%(app_label)s_%(class)s_one_per_grade",
                violation_error_message=_("The policy already has a rule for this grade."),
            ),
            models.CheckConstraint(
                condition=Q(min_score__gte=0)
                & Q(min_score__lte=100)
                & Q(limit_multiplier__gte=0)
                & Q(suspension_pct__gte=0)
                & Q(warning_pct__gte=0),
                name="%(app_label)s_%(class)s_values_in_range",
                violation_error_message=_(
                    "Scores lie between 0 and 100; rates cannot be negative."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.grade}"


class CreditAssessment(CustomerOwned, models.Model):
    """The result of one assessment run for one customer, with the formula's inputs."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_assessments",
    )
    policy = models.ForeignKey(
        CreditPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField(_("computed at"))
    as_of = models.DateField(_("as of"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=1, choices=CreditGrade.choices)
    credit_limit = models.DecimalField(_("credit limit"), **MONEY)
    bills_due = models.PositiveIntegerField(_("bills due"))
    bills_on_time = models.PositiveIntegerField(_("bills paid on time"))
    on_time_ratio = models.DecimalField(_("on-time ratio"), max_digits=5, decimal_places=4)
    arrears = models.DecimalField(_("arrears"), **MONEY)
    tenure_years = models.PositiveSmallIntegerField(_("tenure (years)"))
    avg_monthly_bill = models.DecimalField(_("average monthly bill"), **MONEY)
    previous_grade = models.CharField(_("previous grade"), max_length=4, blank=True)
    previous_limit = models.DecimalField(_("previous limit"), **MONEY)
    applied = models.BooleanField(
        _("applied"),
        default=False,
        help_text=_("The customer's grade or limit was changed to this result."),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("credit assessment")
        verbose_name_plural = _("credit assessments")
        indexes = [
            models.Index(fields=["customer", "-computed_at"], name="credit_assess_customer"),
            models.Index(fields=["computed_at"], name="credit_assess_run"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.computed_at:%Y-%m-%d} {self.grade}"


class CreditChangeRequest(CustomerOwned, TrackedModel):
    """A manual change of grade and limit, waiting for (or given) a second person's approval."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_change_requests",
    )
    requested_grade = models.CharField(
        _("requested grade"), max_length=1, choices=CreditGrade.choices
    )
    requested_limit = models.DecimalField(_("requested limit"), **MONEY)
    reason = models.CharField(_("reason"), max_length=500)
    keep_until = models.DateField(
        _("keep until"),
        null=True,
        blank=True,
        help_text=_(
            "Assessment runs leave the manual values alone until this day; empty "
            "means until the next manual change."
        ),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("credit change request")
        verbose_name_plural = _("credit change requests")
        permissions = [
            ("approve_creditchangerequest", _("Can approve or reject credit change requests")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="pending"),
                name="%(app_label)s_%(class)s_one_pending_per_customer",
                violation_error_message=_("The customer already has a pending credit change."),
            ),
            models.CheckConstraint(
                condition=Q(requested_limit__gte=0),
                name="%(app_label)s_%(class)s_limit_not_negative",
                violation_error_message=_("The credit limit cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="%(app_label)s_%(class)s_decided_when_not_pending",
                violation_error_message=_("A decided request records when it was decided."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="credit_request_status"),
            models.Index(fields=["customer", "-id"], name="credit_request_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.requested_grade} {self.requested_limit}"


class CreditChange(CustomerOwned, models.Model):
    """One change of a customer's credit (the credit history, R2.3.1); never edited."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_changes",
    )
    from_grade = models.CharField(_("from grade"), max_length=4, blank=True)
    to_grade = models.CharField(_("to grade"), max_length=4, blank=True)
    from_limit = models.DecimalField(_("from limit"), **MONEY)
    to_limit = models.DecimalField(_("to limit"), **MONEY)
    source = models.CharField(_("source"), max_length=16, choices=ChangeSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    assessment = models.ForeignKey(
        CreditAssessment,
        verbose_name=_("assessment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    request = models.ForeignKey(
        CreditChangeRequest,
        verbose_name=_("change request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("credit change")
        verbose_name_plural = _("credit changes")
        indexes = [models.Index(fields=["customer", "-at"], name="credit_change_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_grade}/{self.from_limit} → {self.to_grade}/{self.to_limit}"


class TemporaryCredit(CustomerOwned, TrackedModel):
    """临时授信: extra limit for a gold-or-above customer between two days (R2.3.2)."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="temporary_credits",
    )
    extra_limit = models.DecimalField(_("extra limit"), **MONEY)
    starts_on = models.DateField(_("starts on"))
    expires_on = models.DateField(_("expires on"), help_text=_("Last day the extra limit holds."))
    reason = models.CharField(_("reason"), max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=GrantStatus.choices, default=GrantStatus.ACTIVE
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("temporary credit")
        verbose_name_plural = _("temporary credits")
        constraints = [
            models.CheckConstraint(
                condition=Q(extra_limit__gt=0),
                name="%(app_label)s_%(class)s_extra_positive",
                violation_error_message=_("The extra limit must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("starts_on")),
                name="%(app_label)s_%(class)s_expires_after_start",
                violation_error_message=_("The expiry day cannot be before the start day."),
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="credit_temp_customer"),
            models.Index(fields=["status", "expires_on"], name="credit_temp_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} +{self.extra_limit} {self.starts_on}–{self.expires_on}"


class EmergencyReconnection(CustomerOwned, TrackedModel):
    """紧急开机: service restored despite arrears, for a gold-or-above customer, until a time."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="emergency_reconnections",
    )
    requested_at = models.DateTimeField(_("requested at"))
    expires_at = models.DateTimeField(_("expires at"))
    reason = models.CharField(_("reason"), max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=GrantStatus.choices, default=GrantStatus.ACTIVE
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("emergency reconnection")
        verbose_name_plural = _("emergency reconnections")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="active"),
                name="%(app_label)s_%(class)s_one_active_per_customer",
                violation_error_message=_("The customer already has an active reconnection."),
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("requested_at")),
                name="%(app_label)s_%(class)s_expires_after_request",
                violation_error_message=_("The expiry must come after the request."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="credit_reconnect_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.requested_at:%Y-%m-%d %H:%M}–{self.expires_at:%H:%M}"
