"""HQ's national standards (R11.2): a draft per kind, immutable published releases, and the
version each province reports it runs.

- ``StandardDraft``: what HQ is editing for one kind (level standard, points rules,
  validity, national products); publishing copies it into a new ``StandardRelease``.
- ``StandardRelease``: one published version of one kind, never changed afterwards.
- ``ProvinceStandard``: per province and kind, the version in force there, when it was
  applied, the last failure and how many stricter local values it keeps (from
  ``standards.applied``).

No model here has a foreign key to the user table (the app is installed project-wide but its
tables exist only in HQ's schema, see hq/club/models.py): who edited or published is a
username.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hq.standards.choices import StandardKind
from shared.models import TimeStampedModel
from shared.scoping import ScopedManager


class _HqWide:
    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # national standards: whoever holds the view permission sees them all


class StandardDraft(_HqWide, TimeStampedModel):
    """The next release of one kind, as HQ is editing it (not yet sent anywhere)."""

    kind = models.CharField(_("kind"), max_length=16, choices=StandardKind.choices, unique=True)
    content = models.JSONField(_("content"), default=dict)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    changed_by = models.CharField(_("changed by"), max_length=150, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["kind"]
        verbose_name = _("standard draft")
        verbose_name_plural = _("standard drafts")

    def __str__(self) -> str:
        return str(self.get_kind_display())


class StandardRelease(_HqWide, models.Model):
    """A published version of one kind of national standard (immutable)."""

    kind = models.CharField(_("kind"), max_length=16, choices=StandardKind.choices)
    version = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"))
    effective_from = models.DateField(_("effective from"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("standard release")
        verbose_name_plural = _("standard releases")
        permissions = [("publish_standard", _("Can publish national standards"))]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                name="%(app_label)s_%(class)s_one_per_kind_version",
                violation_error_message=_("This version of the standard already exists."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ProvinceStandard(_HqWide, models.Model):
    """What one province last reported about one kind (``standards.applied``)."""

    province = models.CharField(_("province"), max_length=63)
    kind = models.CharField(_("kind"), max_length=16, choices=StandardKind.choices)
    version = models.PositiveIntegerField(_("version in force"), default=0)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    failed_version = models.PositiveIntegerField(_("failed version"), default=0)
    error = models.TextField(_("error"), blank=True)
    local_extensions = models.PositiveIntegerField(
        _("stricter local values"),
        default=0,
        help_text=_("Values the province set stricter than the national standard (SLAs)."),
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["province", "kind"]
        verbose_name = _("province standard")
        verbose_name_plural = _("province standards")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "kind"],
                name="%(app_label)s_%(class)s_one_per_province_kind",
                violation_error_message=_("This province already reported this kind."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.kind} v{self.version}"
