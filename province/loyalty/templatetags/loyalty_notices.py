"""The unread expiry notices badge of the province nav (R2.4.5)."""

from django import template

from province.loyalty.notices import unread_notices_for

register = template.Library()


@register.simple_tag
def unread_expiry_notices(user) -> int:
    """How many expiry notices addressed to ``user`` are unread (one indexed count)."""
    if not user.is_authenticated or not user.has_perm("loyalty.view_expirynotice"):
        return 0
    return unread_notices_for(user).count()
