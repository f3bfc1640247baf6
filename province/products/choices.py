from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductCategory(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    BROADBAND = "broadband", _("Broadband")
    LEASED_LINE = "leased_line", _("Leased line")
    VOICE = "voice", _("Fixed voice")
    CLOUD = "cloud", _("Cloud and IDC")
    IOT = "iot", _("Internet of things")
    ICT = "ict", _("ICT solution")
    VALUE_ADDED = "value_added", _("Value-added service")


class ProductStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    LAUNCHED = "launched", _("Launched")
    MATURE = "mature", _("Mature")
    RETIRING = "retiring", _("Retiring")
    RETIRED = "retired", _("Retired")
