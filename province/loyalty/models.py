"""The points ledger of a province (R2.4, DESIGN.md §5).

- ``PointsAccount``: one row per customer carrying ``balance`` (points the customer owns:
  the remainders of its open lots) and ``held`` (part of the balance reserved by holds).
  ``available = balance − held``. Every debit locks this row (``SELECT … FOR UPDATE``).
- ``PointsEntry``: the immutable ledger; ``points`` is the effect on *available* points
  (credits positive, debits negative, a hold negative, a release positive). Hence
  ``Σ points = available``, ``Σ points of hold/release = −held`` and
  ``Σ points of the other kinds = balance`` (``check_points`` verifies it).
- ``PointsLot``: what one credit entry (earn, bonus, positive adjust) opened, with its
  expiry date and what remains of it; ``PointsAllocation``: which lots a debit consumed
  (soonest expiry first) or a reversal returned points to.
- ``EarningRule`` and ``ValidityPolicy``: how points are earned and when they lapse.
- ``AccrualRun`` / ``ExpiryRun``: the set-based periodic runs with their progress.
- ``LotExtension``: the audit of validity extensions; ``LoyaltySettings`` and
  ``AdjustmentRequest``: manual adjustments and their approval above a threshold (R2.4.7).
- ``ExpiryNotice``: a warning to a customer's account manager that the customer's points
  lapse on a date (R2.4.5).
- ``RewardItem`` and ``Redemption``: the redemption catalogue (R2.4.4) and what customers
  redeemed from it (R6.5.1, R6.5.2), with the points, cost and bill credit of each;
  ``AutoRedemptionRule``: automatic redemption of points about to lapse (R2.4.8).

Only ``province.loyalty.ledger`` (and the runs' SQL in ``services``) writes entries, lots,
allocations and balances.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from province.customers.choices import CustomerLevel
from province.customers.models import Customer, CustomerOwned
from province.loyalty.choices import (
    AdjustmentStatus,
    EntryKind,
    NoticeChannel,
    RedemptionChannel,
    RedemptionStatus,
    RewardKind,
    RuleCondition,
    RuleKind,
    RuleScope,
    RunStatus,
)
from province.products.models import Product
from shared.models import MONEY, BatchRun, TrackedModel
from shared.scoping import ScopedManager

RATE = {"max_digits": 8, "decimal_places": 4}


class _ProvinceWide:
    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # rules, policies and runs hold no customer data


class PointsAccount(CustomerOwned, models.Model):
    """A customer's points balance: the row every debit of that customer locks first."""

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="points_account",
    )
    balance = models.IntegerField(_("balance"), default=0, db_default=0)
    held = models.IntegerField(_("held"), default=0, db_default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_default=Now())

    objects = ScopedManager()

    class Meta:
        ordering = ["customer"]
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="%(app_label)s_%(class)s_balance_not_negative",
                violation_error_message=_("A points balance cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(held__gte=0) & Q(held__lte=F("balance")),
                name="%(app_label)s_%(class)s_held_within_balance",
                violation_error_message=_("Held points must be between zero and the balance."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance}"

    @property
    def available(self) -> int:
        return self.balance - self.held


class PointsEntry(CustomerOwned, models.Model):
    """One immutable ledger entry (R2.4.1); corrections are compensating entries."""

    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    # Few indexes and foreign keys on purpose: the accrual and expiry runs insert entries by
    # the million. (customer, -id) serves the history and the customer FK; rows of rules and
    # users are never deleted, so their FKs need no index. The entry carries no account
    # column: the account is the customer's (``PointsAccount.customer`` is unique).
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    points = models.IntegerField(
        _("points"), help_text=_("Effect on available points: credits positive, debits negative.")
    )
    # Unique through the constraint below rather than ``unique=True``, which would add a
    # second (varchar_pattern_ops) index that no query uses.
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    reference = models.CharField(_("reference"), max_length=100, blank=True, db_default="")
    # No database constraint: the accrual run writes the ids of the rules it read, and rules
    # are never deleted (PROTECT; they end with ``valid_to``). A per-row check of one or two
    # rule ids cost the accrual a fifth of its time; ``check_points`` verifies the references.
    rule = models.ForeignKey(
        "EarningRule",
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        db_index=False,  # the partial unique index below serves it
    )
    # The hold a release settles (a plain release, or the release half of a capture).
    settles = models.ForeignKey(
        "self",
        verbose_name=_("settles hold"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settled_by",
        db_index=False,  # the partial unique index below serves it
    )
    note = models.CharField(_("note"), max_length=200, blank=True, db_default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_default=Now())

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[EntryKind.EARN, EntryKind.BONUS, EntryKind.RELEASE], points__gt=0)
                    | Q(
                        kind__in=[EntryKind.PENALTY, EntryKind.REDEEM, EntryKind.HOLD],
                        points__lt=0,
                    )
                    | Q(kind=EntryKind.EXPIRE, points__lte=0)
                    | Q(kind__in=[EntryKind.ADJUST, EntryKind.REVERSE])
                ),
                name="%(app_label)s_%(class)s_sign_matches_kind",
                violation_error_message=_("The sign of the points does not match the kind."),
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                name="%(app_label)s_%(class)s_key_once",
                violation_error_message=_("This idempotency key was already used."),
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="%(app_label)s_%(class)s_reversed_once",
                violation_error_message=_("This entry was already reversed."),
            ),
            models.UniqueConstraint(
                fields=["settles"],
                condition=Q(settles__isnull=False),
                name="%(app_label)s_%(class)s_hold_settled_once",
                violation_error_message=_("This hold was already released or captured."),
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-id"], name="loyalty_entry_customer"),
            # The province-wide monthly flow (R2.4.9) reads entries by time. Entries are
            # appended in time order, so a BRIN index fits: 24 kB at 3M entries (the btree
            # above: 120 MB), no measurable cost on bulk inserts (500k rows: 6.6 s with, 7.0 s
            # without), and a 3-month flow over 3M entries takes 0.3 s instead of 0.6 s.
            BrinIndex(fields=["created_at"], name="loyalty_entry_created_brin"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d} ({self.idempotency_key})"

    def save(self, *args, **kwargs):
        # Entries are immutable: a correction is a new, compensating entry (R2.4.1).
        if self.pk is not None and not self._state.adding:
            raise ValueError("Points entries are immutable.")
        super().save(*args, **kwargs)


class PointsLot(CustomerOwned, models.Model):
    """Points one credit entry opened, what is left of them and when they lapse (R2.4.1)."""

    # A lot is written in the same statement or transaction as its entry and copies the
    # entry's customer, whose foreign key the entry carries; entries are never deleted
    # (immutable, PROTECT). Neither column needs a database constraint of its own — per-row
    # checks would be a third of the accrual's time — and ``check_points`` verifies both
    # (every lot has its entry, of the same customer).
    entry = models.OneToOneField(
        PointsEntry,
        verbose_name=_("entry"),
        on_delete=models.PROTECT,
        related_name="lot",
        db_constraint=False,
    )
    # Copied so that the open-lots index can lead with it; that partial index serves every
    # query by customer, so the column has no index of its own.
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    points = models.PositiveIntegerField(_("points"))
    remaining = models.IntegerField(_("remaining"))
    earned_on = models.DateField(_("earned on"))
    expires_at = models.DateField(
        _("expires at"), help_text=_("The last day on which the points can be used.")
    )
    expired = models.BooleanField(_("expired"), default=False, db_default=False)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["expires_at", "id"]
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("points")),
                name="%(app_label)s_%(class)s_remaining_within_points",
                violation_error_message=_(
                    "What remains of a lot must be between 0 and its points."
                ),
            ),
            models.CheckConstraint(
                condition=Q(expired=False) | Q(remaining=0),
                name="%(app_label)s_%(class)s_expired_is_empty",
                violation_error_message=_("An expired lot has nothing left."),
            ),
        ]
        indexes = [
            # What debits allocate from (soonest expiry first). The expiry run walks the lots
            # by id (the primary key). No index by expiry date alone: every lot paid for it at
            # accrual, and under the default policy all lots of a year expire on one day.
            models.Index(
                fields=["customer", "expires_at", "id"],
                condition=Q(expired=False, remaining__gt=0),
                name="loyalty_lot_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.points} → {self.expires_at:%Y-%m-%d}"


class PointsAllocation(models.Model):
    """Points of one lot that a debit consumed, or that a debit's reversal returned."""

    entry = models.ForeignKey(
        PointsEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="allocations"
    )
    lot = models.ForeignKey(
        PointsLot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="allocations"
    )
    points = models.IntegerField(_("points"))

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("points allocation")
        verbose_name_plural = _("points allocations")
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gt=0),
                name="%(app_label)s_%(class)s_points_positive",
                violation_error_message=_("An allocation moves a positive number of points."),
            ),
            models.UniqueConstraint(
                fields=["entry", "lot"],
                name="%(app_label)s_%(class)s_one_per_entry_lot",
                violation_error_message=_("An entry allocates to a lot once."),
            ),
        ]
        indexes = [models.Index(fields=["lot"], name="loyalty_alloc_lot")]

    def __str__(self) -> str:
        return f"{self.entry_id} ← lot {self.lot_id}: {self.points}"


class EarningRule(_ProvinceWide, TrackedModel):
    """How paid bills earn points (R2.4.2); national rules will come from HQ through sync.

    ``base``: points per yuan paid; ``level_multiplier``: multiplies the base points of
    customers at ``level``; ``bonus``/``penalty``: ``bonus_points`` (plus points per yuan)
    when ``condition`` holds. A provincial base rule overrides the national one.
    """

    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=16, choices=RuleScope.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices)
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    level = models.CharField(_("level"), max_length=16, choices=CustomerLevel.choices, blank=True)
    points_per_yuan = models.DecimalField(
        _("points per yuan"), default=0, validators=[MinValueValidator(0)], **RATE
    )
    multiplier = models.DecimalField(
        _("multiplier"), default=1, validators=[MinValueValidator(0)], **RATE
    )
    bonus_points = models.IntegerField(_("bonus points"), default=0)
    condition = models.CharField(
        _("condition"), max_length=32, choices=RuleCondition.choices, blank=True
    )
    parameter = models.CharField(
        _("condition parameter"),
        max_length=100,
        blank=True,
        help_text=_("N for a tenure condition, the campaign code for a campaign."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["kind", "scope", "-valid_from", "id"]
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="%(app_label)s_%(class)s_valid_period",
                violation_error_message=_("A rule cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=RuleKind.PRODUCT) | Q(product__isnull=False),
                name="%(app_label)s_%(class)s_product_rule_has_product",
                violation_error_message=_("A product rule names its product."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=RuleKind.LEVEL_MULTIPLIER) | ~Q(level=""),
                name="%(app_label)s_%(class)s_multiplier_has_level",
                violation_error_message=_("A level multiplier names its level."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ValidityPolicy(_ProvinceWide, TrackedModel):
    """When points lapse (R2.4.3): earned in year N, usable until 31 December of N+years."""

    name = models.CharField(_("name"), max_length=100)
    years_after = models.PositiveSmallIntegerField(_("years after the year earned"), default=2)
    is_active = models.BooleanField(_("active"), default=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["-is_active", "-id"]
        verbose_name = _("validity policy")
        verbose_name_plural = _("validity policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="%(app_label)s_%(class)s_one_active",
                violation_error_message=_("Only one validity policy can be active."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class _Run(BatchRun):
    entries_created = models.PositiveIntegerField(_("entries created"), default=0)

    objects = ScopedManager()

    class Meta:
        abstract = True


class AccrualRun(_Run):
    """The accrual of one billing month's paid bills (R2.4.6), resumable chunk by chunk."""

    period = models.DateField(_("billing month"), help_text=_("First day of the month."))
    # The last bill id a committed chunk covered: a retried task resumes after it.
    next_bill_id = models.BigIntegerField(_("next bill id"), default=0, editable=False)
    points_created = models.BigIntegerField(_("points created"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("accrual run")
        verbose_name_plural = _("accrual runs")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=RunStatus.RUNNING),
                name="%(app_label)s_%(class)s_one_running",
                violation_error_message=_("An accrual run is already in progress."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("loyalty:run", args=[self.pk])


class ExpiryRun(_Run):
    """The expiry of every lot that lapsed before ``as_of`` (R2.4.5)."""

    as_of = models.DateField(_("as of"), help_text=_("Lots that expired before this day lapse."))
    next_lot_id = models.BigIntegerField(_("next lot id"), default=0, editable=False)
    points_expired = models.BigIntegerField(_("points expired"), default=0)
    # Lots left open because expiring them would cut into points held for a redemption.
    deferred = models.PositiveIntegerField(_("lots deferred"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("expiry run")
        verbose_name_plural = _("expiry runs")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=RunStatus.RUNNING),
                name="%(app_label)s_%(class)s_one_running",
                violation_error_message=_("An expiry run is already in progress."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("loyalty:expiry-run", args=[self.pk])


class LotExtension(CustomerOwned, models.Model):
    """One extension of a lot's validity by authorised staff (R2.4.3): the audit row."""

    lot = models.ForeignKey(
        PointsLot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="extensions"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    old_expires_at = models.DateField(_("old expiry"))
    new_expires_at = models.DateField(_("new expiry"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("extended by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200)
    at = models.DateTimeField(_("extended at"), default=timezone.now)

    objects = ScopedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("lot extension")
        verbose_name_plural = _("lot extensions")
        permissions = [("extend_pointslot", _("Can extend the validity of points"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_expires_at__gt=F("old_expires_at")),
                name="%(app_label)s_%(class)s_later",
                violation_error_message=_("An extension must move the expiry later."),
            ),
        ]

    def __str__(self) -> str:
        return f"lot {self.lot_id}: {self.old_expires_at} → {self.new_expires_at}"


class LoyaltySettings(_ProvinceWide, TrackedModel):
    """The province's loyalty settings: a single row (``LoyaltySettings.load()``)."""

    adjustment_approval_threshold = models.PositiveIntegerField(
        _("adjustment approval threshold"),
        default=5000,
        help_text=_("Adjustments of more points than this wait for a supervisor's approval."),
    )
    point_cost = models.DecimalField(
        _("cost per point (yuan)"),
        max_digits=8,
        decimal_places=4,
        default=Decimal("0.0100"),
        validators=[MinValueValidator(0)],
        help_text=_("The money value of one outstanding point, for the liability (R2.4.9)."),
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        _("expiry warning days"),
        default=30,
        help_text=_("Customers and account managers are warned this many days ahead."),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("loyalty settings")
        verbose_name_plural = _("loyalty settings")
        # The cost figures are province-wide finance data, not any one model's rows (R2.4.9).
        permissions = [("view_points_cost", _("Can view the points cost and liability"))]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> "LoyaltySettings":
        row = cls.objects.order_by("id").first()
        return row if row is not None else cls.objects.create()


class ExpiryNotice(CustomerOwned, models.Model):
    """Points of a customer that lapse on ``expires_at``, as the account manager was told
    (R2.4.5). One per customer and expiry date, written set-based by the daily notice job;
    ``points`` is what was open when the notice was written. Shown in the app ("in-app"
    channel); sending SMS to customers is out of scope for now.
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    # The account manager at the time of the notice (the customer's may change later).
    account_manager = models.ForeignKey(
        "org.Staff",
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # leads the unread index below
    )
    points = models.PositiveIntegerField(_("points"))
    expires_at = models.DateField(_("expires at"))
    channel = models.CharField(
        _("channel"), max_length=16, choices=NoticeChannel.choices, default=NoticeChannel.IN_APP
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_default=Now())
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["expires_at", "customer", "id"]
        verbose_name = _("expiry notice")
        verbose_name_plural = _("expiry notices")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "expires_at"],
                name="%(app_label)s_%(class)s_once_per_customer_date",
                violation_error_message=_("This customer was already warned of this expiry."),
            ),
        ]
        indexes = [
            # The account manager's unread notices (the list and the badge).
            models.Index(
                fields=["account_manager", "expires_at"],
                condition=Q(read_at__isnull=True),
                name="loyalty_notice_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.points} → {self.expires_at:%Y-%m-%d}"


class AdjustmentRequest(CustomerOwned, TrackedModel):
    """A manual adjustment above the threshold, waiting for a supervisor (R2.4.7)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AdjustmentStatus.choices,
        default=AdjustmentStatus.PENDING,
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
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)
    entry = models.OneToOneField(
        PointsEntry,
        verbose_name=_("entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustment_request",
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("adjustment request")
        verbose_name_plural = _("adjustment requests")
        permissions = [
            ("approve_adjustmentrequest", _("Can approve or reject points adjustments")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(points=0),
                name="%(app_label)s_%(class)s_not_zero",
                violation_error_message=_("An adjustment moves at least one point."),
            ),
        ]
        indexes = [models.Index(fields=["status", "-id"], name="loyalty_adjreq_status")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.points:+d} ({self.status})"


class RewardItem(_ProvinceWide, TrackedModel):
    """An item of the redemption catalogue and its rules (R2.4.4).

    ``stock`` null means unlimited; ``eligible_levels`` empty means every level;
    ``daily_cap``/``yearly_cap`` limit the units one customer redeems per day/calendar year.
    ``unit_cost`` is what one unit costs the province (R2.4.9); a bill-credit item credits
    ``bill_credit_amount`` yuan per unit to the customer's bill.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=RewardKind.choices)
    scope = models.CharField(
        _("scope"), max_length=16, choices=RuleScope.choices, default=RuleScope.PROVINCIAL
    )
    description = models.TextField(_("description"), blank=True)
    points_price = models.PositiveIntegerField(_("points price"), validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(
        _("unit cost (yuan)"), default=0, validators=[MinValueValidator(0)], **MONEY
    )
    bill_credit_amount = models.DecimalField(
        _("bill credit per unit (yuan)"), default=0, validators=[MinValueValidator(0)], **MONEY
    )
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Empty for unlimited.")
    )
    eligible_levels = ArrayField(
        models.CharField(max_length=16, choices=CustomerLevel.choices),
        verbose_name=_("eligible levels"),
        default=list,
        blank=True,
        help_text=_("Empty for every level."),
    )
    min_balance = models.PositiveIntegerField(
        _("minimum balance"),
        default=0,
        help_text=_("A customer needs at least this many available points to redeem."),
    )
    daily_cap = models.PositiveIntegerField(
        _("daily cap per customer"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    yearly_cap = models.PositiveIntegerField(
        _("yearly cap per customer"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["kind", "points_price", "id"]
        verbose_name = _("reward item")
        verbose_name_plural = _("reward items")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="%(app_label)s_%(class)s_valid_period",
                violation_error_message=_("An item cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=RewardKind.BILL_CREDIT) | Q(bill_credit_amount__gt=0),
                name="%(app_label)s_%(class)s_bill_credit_has_amount",
                violation_error_message=_("A bill credit item names the amount it credits."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Redemption(CustomerOwned, TrackedModel):
    """One redemption of catalogue points by a customer (R6.5.1) and its cancellation.

    Prices and costs are copied from the item at the time, so later catalogue changes do
    not rewrite history. ``entry`` is the redeem entry; ``cancel_entry`` its reversal.
    """

    number = models.CharField(_("redemption number"), max_length=32, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        RewardItem,
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_points = models.PositiveIntegerField(_("points per unit"))
    points = models.PositiveIntegerField(_("points"))
    cost = models.DecimalField(_("cost (yuan)"), default=0, **MONEY)
    bill_credit = models.DecimalField(_("bill credit (yuan)"), default=0, **MONEY)
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=RedemptionChannel.choices,
        default=RedemptionChannel.COUNTER,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RedemptionStatus.choices,
        default=RedemptionStatus.COMPLETED,
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    entry = models.OneToOneField(
        PointsEntry,
        verbose_name=_("redeem entry"),
        on_delete=models.PROTECT,
        related_name="redemption",
    )
    cancel_entry = models.OneToOneField(
        PointsEntry,
        verbose_name=_("cancellation entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancelled_redemption",
    )
    redeemed_at = models.DateTimeField(_("redeemed at"), default=timezone.now)
    # The customer's balance right after the debit, read under the account lock: the receipt.
    balance_after = models.IntegerField(_("balance after"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-redeemed_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        permissions = [("cancel_redemption", _("Can cancel redemptions"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(points=F("quantity") * F("unit_points")),
                name="%(app_label)s_%(class)s_points_match",
                violation_error_message=_("Points must equal quantity × points per unit."),
            ),
            models.CheckConstraint(
                condition=Q(status=RedemptionStatus.COMPLETED, cancel_entry__isnull=True)
                | Q(status=RedemptionStatus.CANCELLED, cancel_entry__isnull=False),
                name="%(app_label)s_%(class)s_cancelled_has_reversal",
                violation_error_message=_("A cancelled redemption has its reversal entry."),
            ),
        ]
        indexes = [
            # the customer's history and the caps (per customer, item and day/year)
            models.Index(fields=["customer", "item", "redeemed_at"], name="loyalty_redem_cust"),
            # cost by period and item (R2.4.9) and the history list
            models.Index(fields=["redeemed_at", "item"], name="loyalty_redem_period"),
        ]

    def __str__(self) -> str:
        return self.number


class AutoRedemptionRule(_ProvinceWide, TrackedModel):
    """Turn points about to lapse into a catalogue item, typically bill credit (R2.4.8).

    A daily job redeems, for every customer whose points expire within ``days_ahead`` days
    and come to at least ``min_points``, as many units of ``item`` as those points buy.
    """

    name = models.CharField(_("name"), max_length=100)
    item = models.ForeignKey(
        RewardItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    days_ahead = models.PositiveSmallIntegerField(_("days ahead"), default=30)
    min_points = models.PositiveIntegerField(_("minimum points"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-is_active", "name", "id"]
        verbose_name = _("automatic redemption rule")
        verbose_name_plural = _("automatic redemption rules")

    def __str__(self) -> str:
        return self.name


class AutoRedemptionRun(BatchRun):
    """One day's automatic redemption over every active rule (R2.4.8), with progress.

    ``total`` counts the candidate (rule, customer) pairs; each is redeemed or skipped (a
    refusal such as arrears, blacklist, a cap or no stock is counted, not fatal).
    """

    as_of = models.DateField(_("as of"))
    redeemed = models.PositiveIntegerField(_("redemptions made"), default=0)
    skipped = models.PositiveIntegerField(_("customers skipped"), default=0)
    points_redeemed = models.BigIntegerField(_("points redeemed"), default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("automatic redemption run")
        verbose_name_plural = _("automatic redemption runs")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=RunStatus.RUNNING),
                name="%(app_label)s_%(class)s_one_running",
                violation_error_message=_("An automatic redemption run is already in progress."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("loyalty:expiry-run", args=[self.pk])
