"""The national catalogue as this province received it, the visiting-member redemptions
this province served, and the holds this province's ledger placed for its own members
served elsewhere (R6.5.3, R2.4.9; docs/national-redemption.md)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from province.customers.models import Customer, CustomerOwned, ServedHere
from province.loyalty.models import PointsEntry
from province.national.choices import REJECTION_REASONS, HoldStatus, VisitingRedemptionStatus
from shared.models import TimeStampedModel, TrackedModel
from shared.scoping import ScopedManager


class NationalItem(TimeStampedModel):
    """An item of HQ's national catalogue, as of the version received (R6.5.3)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16)
    points_price = models.PositiveIntegerField(_("points price"))
    unit_cost = models.DecimalField(_("unit cost (yuan)"), max_digits=12, decimal_places=2)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("catalogue version"))

    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("national reward item")
        verbose_name_plural = _("national reward items")

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # the catalogue holds no customer data: whoever may view it sees it all


class VisitingRedemption(ServedHere, TrackedModel):
    """A member of another province redeems national catalogue points here: pending until
    the home province has reserved the points, completed once it captured them."""

    request_id = models.UUIDField(_("request id"), unique=True)
    # The client's key (API: required; the page sends none): the same key again returns
    # this row instead of asking HQ a second time.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=90, blank=True, default="", editable=False
    )
    card_number = models.CharField(_("card number"), max_length=20)
    home_province = models.CharField(_("home province"), max_length=63)
    name_masked = models.CharField(_("member"), max_length=200)
    item = models.CharField(_("item"), max_length=32)
    item_name = models.CharField(_("item name"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points"))
    unit_cost = models.DecimalField(_("unit cost (yuan)"), max_digits=12, decimal_places=2)
    catalog_version = models.PositiveIntegerField(_("catalogue version"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=VisitingRedemptionStatus.choices,
        default=VisitingRedemptionStatus.PENDING,
    )
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("handed over at"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("visiting member redemption")
        verbose_name_plural = _("visiting member redemptions")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="%(app_label)s_%(class)s_idempotency_key",
                violation_error_message=_("This idempotency key was already used."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.card_number}@{self.home_province} {self.item}×{self.quantity}"

    @property
    def reason_text(self) -> str:
        return str(REJECTION_REASONS.get(self.reason, self.reason))

    @property
    def is_waiting(self) -> bool:
        return self.status in (
            VisitingRedemptionStatus.PENDING,
            VisitingRedemptionStatus.FULFILLED,
        )


class NationalHold(CustomerOwned, TimeStampedModel):
    """What this (home) province's ledger did for one national redemption request: one row
    per request id, so every step is applied once, and a release that arrives before the
    reserve request leaves a ``released`` row that stops a late hold.

    Visible like the member's other points rows (R9.2: when the customer is); a row with no
    customer (a card unknown here, a release before the request) only to province-wide roles.
    """

    request_id = models.UUIDField(_("request id"), unique=True)
    card_number = models.CharField(_("card number"), max_length=20)
    serving_province = models.CharField(_("serving province"), max_length=63, blank=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    item = models.CharField(_("item"), max_length=32, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    points = models.PositiveIntegerField(_("points"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=HoldStatus.choices)
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    hold_entry = models.ForeignKey(
        PointsEntry,
        verbose_name=_("hold entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("national redemption hold")
        verbose_name_plural = _("national redemption holds")

    def __str__(self) -> str:
        return f"{self.card_number} {self.points} ({self.status})"


class SettlementLine(models.Model):
    """One cell of HQ's inter-province settlement that concerns this province, as HQ last
    sent it (topic ``redemption.settlement``, R2.4.9): in ``month``, ``home_province`` owes
    ``serving_province`` ``amount`` for the national redemptions committed then. This
    province is one of the two; HQ replaces a month's lines whole on every change."""

    month = models.DateField(_("month"))
    home_province = models.CharField(_("home province"), max_length=63)
    serving_province = models.CharField(_("serving province"), max_length=63)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    redemptions = models.PositiveIntegerField(_("redemptions"))
    points = models.PositiveBigIntegerField(_("points"))
    produced_at = models.DateTimeField(_("produced by HQ at"))

    class Meta:
        ordering = ["-month", "home_province", "serving_province"]
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "home_province", "serving_province"],
                name="%(app_label)s_%(class)s_month_pair",
                violation_error_message=_("One line per month and pair of provinces."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.home_province}→{self.serving_province} {self.amount}"
