"""What the province holds of the indicators: HQ's definitions as received, its own
computed values per month, the targets HQ assigned to it (appendix 1, R11.2) and their
split over the province's org units (R4.2.2).

The app label is ``province_indicators`` (HQ's app is ``indicators``): both types share one
INSTALLED_APPS, so the labels must differ.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from province.org.models import OrgUnit
from shared.models import TrackedModel
from shared.scoping import ScopedManager

VALUE = {"max_digits": 20, "decimal_places": 4}


class _ProvinceWide:
    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # province-wide aggregates; the view permission decides who sees them


class ReceivedDefinition(_ProvinceWide, models.Model):
    """One indicator of HQ's catalogue, as the province last received it."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    definition = models.TextField(_("definition"))
    unit = models.CharField(_("unit"), max_length=16)
    period = models.CharField(_("period"), max_length=8)
    dimensions = models.JSONField(_("dimensions"), default=list)
    over_time = models.CharField(_("over time"), max_length=8)
    has_source = models.BooleanField(_("source data exists"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    version = models.PositiveIntegerField(_("definitions version"))

    objects = ScopedManager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("indicator definition")
        verbose_name_plural = _("indicator definitions")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class DefinitionsReceipt(_ProvinceWide, models.Model):
    """A version of HQ's catalogue received and applied here (the newest is in force)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    indicators = models.PositiveSmallIntegerField(_("indicators"), default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("definitions receipt")
        verbose_name_plural = _("definitions receipts")

    def __str__(self) -> str:
        return f"v{self.version}"


class IndicatorValue(_ProvinceWide, models.Model):
    """One computed value of the province: indicator × month × dimension member.

    ``dimension`` is empty for the province's total. ``value`` is NULL when the indicator is
    absent (no source data yet, or nothing to divide by): absent is not zero.
    """

    period = models.DateField(_("month"), help_text=_("First day of the month."))
    indicator = models.CharField(_("indicator"), max_length=32)
    dimension = models.CharField(_("dimension"), max_length=16, blank=True)
    member = models.CharField(_("dimension value"), max_length=64, blank=True)
    value = models.DecimalField(_("value"), null=True, blank=True, **VALUE)
    definitions_version = models.PositiveIntegerField(_("definitions version"))
    computed_at = models.DateTimeField(_("computed at"))
    # A name, not a foreign key: both tenant types share one model registry, so a user
    # foreign key here would make deleting an HQ user touch province tables.
    computed_by = models.CharField(_("computed by"), max_length=150, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["period", "indicator", "dimension", "member"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        permissions = [("compute_indicators", _("Can compute and publish the indicators"))]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "indicator", "dimension", "member"],
                name="%(app_label)s_%(class)s_one_per_cell",
                violation_error_message=_("This value was already computed."),
            )
        ]
        indexes = [models.Index(fields=["indicator", "dimension", "period"], name="prov_ind_value")]

    def __str__(self) -> str:
        where = f" {self.dimension}={self.member}" if self.dimension else ""
        return f"{self.indicator} {self.period:%Y-%m}{where}: {self.value}"


class ProvinceTarget(_ProvinceWide, models.Model):
    """The province's share of a national target, as HQ assigned it (R11.2, R4.2)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    indicator = models.CharField(_("indicator"), max_length=32)
    period_start = models.DateField(_("first month"))
    period_end = models.DateField(_("last month"))
    national_value = models.DecimalField(_("national target"), **VALUE)
    value = models.DecimalField(_("assigned value"), **VALUE)
    additive = models.BooleanField(
        _("adds up"),
        default=True,
        help_text=_("The units' shares must add up to the province's (HQ's consolidation)."),
    )
    received_at = models.DateTimeField(_("received at"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-period_start", "code"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.code} {self.name}: {self.value}"


class UnitTarget(TrackedModel):
    """An org unit's share of the province's target (R4.2.2: decomposition down the tree).

    The province's share is split over the children of its root unit (the cities), a unit's
    share over its own children, and so on; for an additive indicator the children's shares
    add up to their parent's (the province's value for the root's children). Tracked: who
    set each share, and every change, is in its history.
    """

    target = models.ForeignKey(
        ProvinceTarget,
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="unit_shares",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("assigned value"), **VALUE)

    objects = ScopedManager()

    class Meta:
        ordering = ["target", "org_unit__path"]
        verbose_name = _("unit target")
        verbose_name_plural = _("unit targets")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "org_unit"],
                name="%(app_label)s_%(class)s_one_per_unit",
                violation_error_message=_("This unit already has a share of this target."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="%(app_label)s_%(class)s_value_not_negative",
                violation_error_message=_("A share cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target.code} {self.org_unit}: {self.value}"

    @classmethod
    def visibility_filter(cls, user) -> Q:
        """R9.2: a unit's share is seen within the unit's subtree, like its staff."""
        return Q(org_unit__in=OrgUnit.objects.filter(OrgUnit.visibility_filter(user)))
