"""The national standards a province received from HQ and how it applied them (R11.2).

- ``ReceivedRelease``: one release (kind × version) as it arrived, with its outcome: applied
  (when), failed (the error; the sync core keeps the message failed and retries it) or
  ignored (older than the version in force). The version in force of a kind is its newest
  applied release.
- ``NationalEarningRule``: which loyalty ``EarningRule`` carries a national rule code now.
  The link lives here rather than on ``EarningRule`` so that loyalty's own tables keep no
  trace of sync; provincial rules have no link and are never touched by a release.

No foreign key to the user table: releases are applied by the sync worker, not a person.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from province.levels.models import LevelStandard
from province.loyalty.models import EarningRule, ValidityPolicy
from province.standards.choices import ReleaseStatus, StandardKind
from shared.scoping import ScopedManager


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
