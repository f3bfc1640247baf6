"""Codes of the national club both HQ and the provinces word (R11.1, R6.5.3).

A visiting member's usage that the home province (or HQ, from its roster) refuses travels
back as a reason code; whoever shows it words it in its reader's language. HQ's page of
routed visits and the serving province's desk both do, hence this shared copy.
"""

from django.utils.translation import gettext_lazy as _

VISIT_REFUSAL_REASONS = {
    "not_active": _("The card is not an active club membership."),
    "wrong_home": _("The card belongs to another province."),
    "allowance_exhausted": _("The member's yearly allowance of this benefit is used up."),
    "unknown_benefit": _("The member's tier has no such benefit."),
}


def refusal_text(code: str) -> str:
    """The words for a refusal code (an unknown code is shown as it came)."""
    return str(VISIT_REFUSAL_REASONS.get(code, code))
