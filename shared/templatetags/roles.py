"""``{{ code|role_label }}``: a role code shown as its translated label."""

from django import template

from shared.accounts.roles import role_label as _role_label

register = template.Library()


@register.filter
def role_label(code: str) -> str:
    return _role_label(code)
