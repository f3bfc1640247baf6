from django.db import models
from django.utils.translation import gettext_lazy as _


class ScoreScale(models.TextChoices):
    """The scale a survey asked on; every score is stored normalised to 0–100 too (R2.5.3)."""

    ZERO_TO_TEN = "0-10", _("0 to 10")
    ONE_TO_FIVE = "1-5", _("1 to 5")
