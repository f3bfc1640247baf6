"""HQ's national redemption: the national catalogue, its published versions, and the record
of every national redemption, the basis of the inter-province settlement (R6.5.3, R2.4.9).

No model here has a foreign key to the user table (the app's tables exist only in HQ's
schema; see hq/club/models.py): who edited or published is kept as the username.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hq.redemption.choices import ItemKind, NationalRedemptionStatus
from shared.models import TimeStampedModel
from shared.scoping import ScopedManager


class _HQOnly:
    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q(pk__in=[])  # HQ roles that may read these hold view-all


class NationalRewardItem(_HQOnly, TimeStampedModel):
    """An item every province may hand over to any club member against the member's points
    (R6.5.3). ``unit_cost`` is what the serving province spends and is reimbursed by the
    member's home province (R2.4.9)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    # The validators word the check constraint per field (forms and API: field errors).
    points_price = models.PositiveIntegerField(_("points price"), validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(
        _("unit cost (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    changed_by = models.CharField(_("changed by"), max_length=150, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("national reward item")
        verbose_name_plural = _("national reward items")
        constraints = [
            models.CheckConstraint(
                condition=Q(points_price__gt=0) & Q(unit_cost__gte=0),
                name="%(app_label)s_%(class)s_price_cost",
                violation_error_message=_("The price is positive and the cost not negative."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class NationalCatalogVersion(_HQOnly, models.Model):
    """Each publication of the catalogue: the exact payload sent, to whom, by whom."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    content = models.JSONField(_("content"))
    provinces = models.JSONField(_("provinces"), default=list)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("national catalogue version")
        verbose_name_plural = _("national catalogue versions")

    def __str__(self) -> str:
        return f"v{self.version}"


class NationalRedemption(_HQOnly, models.Model):
    """One national redemption as HQ routed it: serving province, home province, item,
    points and cost, and where the saga stands. A committed row is a settlement line: the
    home province owes the serving province ``cost`` in ``settlement_month`` (R2.4.9)."""

    request_id = models.UUIDField(_("request id"), unique=True)
    card_number = models.CharField(_("card number"), max_length=20)
    serving_province = models.CharField(_("serving province"), max_length=63)
    home_province = models.CharField(_("home province"), max_length=63)
    item = models.CharField(_("item"), max_length=32)
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points"))
    unit_cost = models.DecimalField(_("unit cost (yuan)"), max_digits=12, decimal_places=2)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=16, choices=NationalRedemptionStatus.choices)
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_confirmed_at = models.DateTimeField(_("release confirmed at"), null=True, blank=True)
    settlement_month = models.DateField(_("settlement month"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("national redemption")
        verbose_name_plural = _("national redemptions")
        indexes = [
            models.Index(fields=["status", "requested_at"], name="hqredemption_open"),
            models.Index(fields=["settlement_month"], name="hqredemption_settlement"),
        ]

    def __str__(self) -> str:
        return f"{self.card_number} {self.serving_province}→{self.home_province} ({self.status})"
