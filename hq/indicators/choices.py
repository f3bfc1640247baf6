"""Choices of HQ's indicator catalogue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    COUNT = "count", _("Count")
    YUAN = "yuan", _("Yuan")
    PERCENT = "percent", _("Percent")
    PER_MILLE = "per_mille", _("Per thousand")
    POINTS = "points", _("Points")
    SCORE = "score", _("Score (0–100)")
    HOURS = "hours", _("Hours")


class Consolidation(models.TextChoices):
    SUM = "sum", _("Sum of the provinces")
    RATIO = "ratio", _("Ratio of two sums")
    MEAN = "mean", _("Weighted average")
    GROWTH = "growth", _("Growth of the national total")
    TARGET = "target", _("Actual over assigned, summed")
    NONE = "none", _("Not consolidated")


class OverTime(models.TextChoices):
    SUM = "sum", _("Months add up (flow)")
    LAST = "last", _("Latest month counts (stock or rate)")
