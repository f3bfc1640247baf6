"""Read queries of the org app."""

from django.db.models import Count, Q

from province.org.models import OrgUnit, Staff


def home_figures(user) -> dict[str, int]:
    return {
        "org_units": OrgUnit.objects.visible_to(user).filter(is_active=True).count(),
        "staff": Staff.objects.visible_to(user).filter(is_active=True).count(),
    }


def org_tree(user) -> list[dict]:
    """The visible units as nested dicts (children sorted by name), with staff counts."""
    units = list(
        OrgUnit.objects.visible_to(user)
        .annotate(staff_count=Count("staff", filter=Q(staff__is_active=True)))
        .order_by("depth", "name")
    )
    nodes = {u.pk: {"unit": u, "children": []} for u in units}
    roots = []
    for unit in units:
        parent = nodes.get(unit.parent_id)
        (parent["children"] if parent else roots).append(nodes[unit.pk])
    return roots
