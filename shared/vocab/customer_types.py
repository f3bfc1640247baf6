"""Types of customer held in the key-account customer register (requirement R2.1.1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerType(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    GROUP = "group", _("Group customer")
    GOVERNMENT = "government", _("Government")
    INDIVIDUAL = "individual", _("Individual")
