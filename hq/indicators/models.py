"""HQ's indicator catalogue, the fact table fed by the provinces, and national targets
(appendix 1, R11.2, R4.2).

- ``IndicatorDefinition``: one indicator of the national standard (code, names in both
  languages, definition, unit, dimensions, how it consolidates). ``DefinitionsRelease``:
  each published version of the whole catalogue.
- ``ProvinceSnapshot``: the latest snapshot of one province for one month (which
  definitions version it computed with, when); ``IndicatorFact``: its rows, province ×
  indicator × period × dimension → value. A snapshot replaces the province's month whole.
- ``Target`` and ``TargetAssignment``: a national target on an indicator for a range of
  months, split into provincial values, with the completion each province reports.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hq.indicators.choices import Consolidation, OverTime, Unit
from shared.scoping import ScopedManager

VALUE = {"max_digits": 20, "decimal_places": 4}


class _HqWide:
    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # national figures: whoever holds the view permission sees them all


class IndicatorDefinition(_HqWide, models.Model):
    """One indicator of the national catalogue (appendix 1)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    definition = models.TextField(_("definition"))
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    period = models.CharField(_("period"), max_length=8, default="month")
    dimensions = models.JSONField(_("dimensions"), default=list, blank=True)
    consolidation = models.CharField(
        _("consolidation"), max_length=8, choices=Consolidation.choices
    )
    basis = models.JSONField(
        _("basis"),
        default=dict,
        blank=True,
        help_text=_("The indicators a ratio, average or growth is computed from."),
    )
    over_time = models.CharField(_("over time"), max_length=8, choices=OverTime.choices)
    has_source = models.BooleanField(
        _("source data exists"),
        default=True,
        help_text=_("Without source data provinces report the indicator as absent."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("indicator definition")
        verbose_name_plural = _("indicator definitions")
        permissions = [("publish_definitions", _("Can publish the indicator definitions"))]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def additive(self) -> bool:
        """Provincial values add up to the national one (targets must then add up too)."""
        return self.consolidation == Consolidation.SUM

    def as_payload(self) -> dict:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "definition": self.definition,
            "unit": self.unit,
            "period": self.period,
            "dimensions": list(self.dimensions),
            "over_time": self.over_time,
            "has_source": self.has_source,
        }


class DefinitionsRelease(_HqWide, models.Model):
    """A published version of the whole catalogue (what every province was sent)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    # A name, not a foreign key: both tenant types share one model registry, so a user
    # foreign key here would make deleting a province's user touch HQ tables.
    published_by = models.CharField(_("published by"), max_length=150, blank=True)
    indicators = models.PositiveSmallIntegerField(_("indicators"), default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("definitions release")
        verbose_name_plural = _("definitions releases")

    def __str__(self) -> str:
        return f"v{self.version}"


class ProvinceSnapshot(_HqWide, models.Model):
    """The snapshot a province last sent for one month (its rows are ``IndicatorFact``)."""

    province = models.CharField(_("province"), max_length=63)
    period = models.DateField(_("month"), help_text=_("First day of the month."))
    definitions_version = models.PositiveIntegerField(_("definitions version"))
    computed_at = models.DateTimeField(_("computed at"))
    received_at = models.DateTimeField(_("received at"), auto_now=True)
    message_version = models.BigIntegerField(_("message version"))
    rows = models.PositiveIntegerField(_("rows"), default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["province", "-period"]
        verbose_name = _("province snapshot")
        verbose_name_plural = _("province snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "period"],
                name="%(app_label)s_%(class)s_one_per_province_month",
                violation_error_message=_("This province already has a snapshot of this month."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.period:%Y-%m}"


class IndicatorFact(_HqWide, models.Model):
    """One value a province reported: province × indicator × month × dimension member.

    ``dimension`` is empty for the province's total (then ``member`` is empty too).
    ``value`` is NULL when the indicator is absent (no source, or nothing to divide by).
    """

    province = models.CharField(_("province"), max_length=63)
    indicator = models.CharField(_("indicator"), max_length=32)
    period = models.DateField(_("month"))
    dimension = models.CharField(_("dimension"), max_length=16, blank=True)
    member = models.CharField(_("dimension value"), max_length=64, blank=True)
    value = models.DecimalField(_("value"), null=True, blank=True, **VALUE)
    definitions_version = models.PositiveIntegerField(_("definitions version"))

    objects = ScopedManager()

    class Meta:
        ordering = ["indicator", "period", "province", "dimension", "member"]
        verbose_name = _("indicator fact")
        verbose_name_plural = _("indicator facts")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "indicator", "period", "dimension", "member"],
                name="%(app_label)s_%(class)s_one_value_per_cell",
                violation_error_message=_("This value was already reported."),
            )
        ]
        indexes = [
            # Dashboards read one indicator across provinces and months.
            models.Index(fields=["indicator", "dimension", "period"], name="ind_fact_indicator"),
            models.Index(fields=["province", "period"], name="ind_fact_province"),
        ]

    def __str__(self) -> str:
        where = f" {self.dimension}={self.member}" if self.dimension else ""
        return f"{self.province} {self.indicator} {self.period:%Y-%m}{where}: {self.value}"


class Target(_HqWide, models.Model):
    """A national target on an indicator for a range of months (R11.2, R4.2.1)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        to_field="code",
        related_name="targets",
    )
    period_start = models.DateField(_("first month"))
    period_end = models.DateField(_("last month"))
    national_value = models.DecimalField(_("national target"), **VALUE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)  # see above

    objects = ScopedManager()

    class Meta:
        ordering = ["-period_start", "code"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="%(app_label)s_%(class)s_period_in_order",
                violation_error_message=_("The last month cannot come before the first."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TargetAssignment(_HqWide, models.Model):
    """A province's share of a target, with the completion it last reported (R4.2.2–3)."""

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="assignments"
    )
    province = models.CharField(_("province"), max_length=63)
    value = models.DecimalField(_("assigned value"), **VALUE)
    actual = models.DecimalField(_("actual"), null=True, blank=True, **VALUE)
    completion = models.DecimalField(
        _("completion (%)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    reported_period = models.DateField(_("reported with month"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["target", "province"]
        verbose_name = _("target assignment")
        verbose_name_plural = _("target assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "province"],
                name="%(app_label)s_%(class)s_one_per_province",
                violation_error_message=_("This province already has a share of this target."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.target.code} {self.province}: {self.value}"
