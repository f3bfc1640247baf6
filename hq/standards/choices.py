"""Choices of HQ's national standards (R11.2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StandardKind(models.TextChoices):
    """What a release standardises; the codes are the keys of ``standards.release``."""

    LEVELS = "levels", _("Level standard")
    POINTS = "points", _("Points rules")
    VALIDITY = "validity", _("Points validity")
    PRODUCTS = "products", _("National products")
    SLAS = "slas", _("Service SLAs")


class ProductCategory(models.TextChoices):
    """The provinces' product categories (province.products.choices.ProductCategory; HQ may
    not import province code, a test keeps the two equal)."""

    MOBILE = "mobile", _("Mobile")
    BROADBAND = "broadband", _("Broadband")
    LEASED_LINE = "leased_line", _("Leased line")
    VOICE = "voice", _("Fixed voice")
    CLOUD = "cloud", _("Cloud and IDC")
    IOT = "iot", _("Internet of things")
    ICT = "ict", _("ICT solution")
    VALUE_ADDED = "value_added", _("Value-added service")


class EarningKind(models.TextChoices):
    """National earning rule kinds (province.loyalty RuleKind without product rules: those
    name a province's product row)."""

    BASE = "base", _("Points per yuan paid")
    LEVEL_MULTIPLIER = "level_multiplier", _("Level multiplier")
    BONUS = "bonus", _("Bonus")
    PENALTY = "penalty", _("Penalty")


# province.loyalty RuleCondition values a national bonus or penalty may use.
BONUS_CONDITIONS = ("tenure_years_at_least", "paid_on_time", "campaign")
PENALTY_CONDITIONS = ("paid_late",)
