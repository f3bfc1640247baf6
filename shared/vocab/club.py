"""Codes of the national club both HQ and the provinces word (R11.1, R6.5.3).

A visiting member's usage that the home province (or HQ, from its roster) refuses travels
back as a reason code; whoever shows it words it in its reader's language. HQ's page of
routed visits and the serving province's desk both do, hence this shared copy.

``LevelDropPolicy`` is HQ's rule for a member whose level falls below the entry rules; HQ
stores and publishes it (``club.rules``), the provinces apply it (docs/club.md).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shared.vocab.customer_levels import levels_from


class LevelDropPolicy(models.TextChoices):
    """What a province does to a live membership whose customer's level no longer admits
    it (below the minimum level, or giving no tier)."""

    KEEP = "keep", pgettext_lazy("club level drop", "Keep the membership and its tier")
    SUSPEND = (
        "suspend",
        pgettext_lazy("club level drop", "Suspend it until the level qualifies again"),
    )
    END = "end", pgettext_lazy("club level drop", "End it")


def admitted_levels(min_level: str, tier_levels) -> list[str]:
    """The levels the entry rules admit, ascending: at least ``min_level`` and qualifying
    for a tier (``tier_levels``: the levels of the tiers in force)."""
    tier_levels = set(tier_levels)
    return [level for level in levels_from(min_level) if level in tier_levels]


VISIT_REFUSAL_REASONS = {
    "not_active": _("The card is not an active club membership."),
    "wrong_home": _("The card belongs to another province."),
    "allowance_exhausted": _("The member's yearly allowance of this benefit is used up."),
    "unknown_benefit": _("The member's tier has no such benefit."),
}


def refusal_text(code: str) -> str:
    """The words for a refusal code (an unknown code is shown as it came)."""
    return str(VISIT_REFUSAL_REASONS.get(code, code))


# The reason of a national redemption's capture that HQ asks for after its timeout released
# the hold (the desk's hand-over reached HQ late): the home province takes the points anew
# if the member still has them (docs/national-redemption.md, "Timeouts").
LATE_HANDOVER = "late_handover"
