"""The national customer levels (R2.2, R11.2): codes both HQ and the provinces use.

The level standard is national, so HQ's club tiers name levels by these codes and the
provinces' ``CustomerLevel`` holds the same codes in the same (ascending) order; a test
keeps the two equal. HQ may not import province code, hence this shared copy.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NationalLevel(models.TextChoices):
    STANDARD = "standard", _("Standard")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    DIAMOND = "diamond", _("Diamond")


LEVEL_ORDER: tuple[str, ...] = tuple(NationalLevel.values)


def levels_from(minimum: str) -> list[str]:
    """``minimum`` and every level above it, in ascending order."""
    return list(LEVEL_ORDER[LEVEL_ORDER.index(minimum) :])
