"""Choices of the province's national standards (R11.2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StandardKind(models.TextChoices):
    """The kinds HQ publishes (the keys of ``standards.release``)."""

    LEVELS = "levels", _("Level standard")
    POINTS = "points", _("Points rules")
    VALIDITY = "validity", _("Points validity")
    PRODUCTS = "products", _("National products")
    SLAS = "slas", _("Service SLAs")


class ReleaseStatus(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("standard release", "Applied")
    FAILED = "failed", pgettext_lazy("standard release", "Failed")
    IGNORED = "ignored", pgettext_lazy("standard release", "Ignored (older than in force)")
