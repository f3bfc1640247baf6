"""The national standards a province received from HQ and how it applied them (R11.2).

- ``ReceivedRelease``: one release (kind × version) as it arrived, with its outcome: applied
  (when), failed (the error; the sync core keeps the message failed and retries it) or
  ignored (older than the version in force). The version in force of a kind is its newest
  applied release.
- ``NationalEarningRule``: which loyalty ``EarningRule`` carries a national rule code now.
  The link lives here rather than on ``EarningRule`` so that loyalty's own tables keep no
  trace of sync; provincial rules have no link and are never touched by a release.
- ``ServiceTimeLimit``: the service SLA in force per customer level × request kind: HQ's
  national values and the province's own stricter ones (shorter times, a higher target),
  never looser (a check constraint holds it).

Releases are applied by the sync worker, not a person: ``ReceivedRelease`` names nobody;
``ServiceTimeLimit`` records who set local values (``TrackedModel``).
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from province.levels.models import LevelStandard
from province.loyalty.models import EarningRule, ValidityPolicy
from province.standards.choices import ReleaseStatus, StandardKind
from shared.models import TrackedModel
from shared.scoping import ScopedManager
from shared.vocab.customer_levels import NationalLevel
from shared.vocab.service_requests import RequestKind

HOURS = {"max_digits": 8, "decimal_places": 2}
SLA_FIELD_LABELS = {
    "response_hours": _("first-response time"),
    "resolution_hours": _("resolution time"),
    "compliance_target": _("compliance target"),
}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class _ProvinceWide:
    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # the standards in force are public within the province


class ReceivedRelease(_ProvinceWide, models.Model):
    """A release of a national standard received from HQ, and what became of it."""

    kind = models.CharField(_("kind"), max_length=16, choices=StandardKind.choices)
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    published_at = models.DateTimeField(_("published at"))
    content = models.JSONField(_("content"))
    status = models.CharField(_("status"), max_length=16, choices=ReleaseStatus.choices)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # What applying it meant for the province's extensions, e.g. a stricter local SLA kept
    # or dropped: [{"level", "request_kind", "field", "local", "national", "kept"}].
    notes = models.JSONField(_("notes"), default=list, blank=True)
    # What the release created in the province's own standards (for the page and history).
    level_standard = models.ForeignKey(
        LevelStandard,
        verbose_name=_("level standard"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    validity_policy = models.ForeignKey(
        ValidityPolicy,
        verbose_name=_("validity policy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("received standard release")
        verbose_name_plural = _("received standard releases")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                name="%(app_label)s_%(class)s_one_per_kind_version",
                violation_error_message=_("This release was already received."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def readable_notes(self) -> list[dict]:
        """``notes`` with the level, request kind and value named for people."""
        levels, kinds = dict(NationalLevel.choices), dict(RequestKind.choices)
        return [
            {
                **note,
                "level": levels.get(note.get("level"), note.get("level")),
                "request_kind": kinds.get(note.get("request_kind"), note.get("request_kind")),
                "field": SLA_FIELD_LABELS.get(note.get("field"), note.get("field")),
            }
            for note in self.notes
        ]


class NationalEarningRule(_ProvinceWide, models.Model):
    """The earning rule that currently carries national rule ``code``."""

    code = models.CharField(_("national rule code"), max_length=32, unique=True)
    rule = models.OneToOneField(
        EarningRule, verbose_name=_("earning rule"), on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveIntegerField(_("release version"))

    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("national earning rule")
        verbose_name_plural = _("national earning rules")

    def __str__(self) -> str:
        return self.code


class ServiceTimeLimit(_ProvinceWide, TrackedModel):
    """The service SLA for one customer level and request kind (R11.2, R6.2).

    ``national_*`` hold HQ's values as last applied; ``local_*`` the province's own values
    where it set them: shorter times or a higher compliance target only (a province may be
    stricter than the national standard, never looser). The values in force are the local
    ones where set, else the national ones.
    """

    level = models.CharField(_("customer level"), max_length=16, choices=NationalLevel.choices)
    request_kind = models.CharField(_("request kind"), max_length=16, choices=RequestKind.choices)
    national_response_hours = models.DecimalField(_("national first response (hours)"), **HOURS)
    national_resolution_hours = models.DecimalField(_("national resolution (hours)"), **HOURS)
    national_compliance_target = models.DecimalField(_("national compliance target (%)"), **PERCENT)
    national_version = models.PositiveIntegerField(_("national version"))
    local_response_hours = models.DecimalField(
        _("local first response (hours)"), null=True, blank=True, **HOURS
    )
    local_resolution_hours = models.DecimalField(
        _("local resolution (hours)"), null=True, blank=True, **HOURS
    )
    local_compliance_target = models.DecimalField(
        _("local compliance target (%)"), null=True, blank=True, **PERCENT
    )
    local_set_at = models.DateTimeField(_("local values set at"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["level", "request_kind"]
        verbose_name = _("service time limit")
        verbose_name_plural = _("service time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "request_kind"],
                name="%(app_label)s_%(class)s_one_per_level_kind",
                violation_error_message=_("This level and request kind already have limits."),
            ),
            models.CheckConstraint(
                condition=Q(local_response_hours__isnull=True)
                | Q(
                    local_response_hours__gt=0,
                    local_response_hours__lte=F("national_response_hours"),
                ),
                name="%(app_label)s_%(class)s_local_response_not_looser",
                violation_error_message=_(
                    "The local first-response time cannot be longer than the national one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(local_resolution_hours__isnull=True)
                | Q(
                    local_resolution_hours__gt=0,
                    local_resolution_hours__lte=F("national_resolution_hours"),
                ),
                name="%(app_label)s_%(class)s_local_resolution_not_looser",
                violation_error_message=_(
                    "The local resolution time cannot be longer than the national one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(local_compliance_target__isnull=True)
                | Q(
                    local_compliance_target__gte=F("national_compliance_target"),
                    local_compliance_target__lte=100,
                ),
                name="%(app_label)s_%(class)s_local_target_not_lower",
                violation_error_message=_(
                    "The local compliance target cannot be lower than the national one."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} / {self.get_request_kind_display()}"

    @property
    def response_hours(self):
        return self.local_response_hours or self.national_response_hours

    @property
    def resolution_hours(self):
        return self.local_resolution_hours or self.national_resolution_hours

    @property
    def compliance_target(self):
        if self.local_compliance_target is None:
            return self.national_compliance_target
        return self.local_compliance_target

    @property
    def local_extensions(self) -> int:
        """How many of the three values are the province's own (stricter) ones."""
        return sum(
            value is not None
            for value in (
                self.local_response_hours,
                self.local_resolution_hours,
                self.local_compliance_target,
            )
        )
