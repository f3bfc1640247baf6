"""One FilterSet per model, shared by the HTML lists and the API (NetBox style)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from province.org.choices import OrgUnitKind
from province.org.models import OrgUnit, Staff
from shared.accounts.roles import roles_for


@extend_schema_field(OpenApiTypes.INT)
class UnitFilter(django_filters.ModelChoiceFilter):
    """Chooses an org unit by id (an integer in the API, a select in the HTML forms)."""


def _subtree(queryset, field_path: str, value):
    if value is None:
        return queryset
    return queryset.filter(**{f"{field_path}__startswith": value.path})


class OrgUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=OrgUnitKind.choices, label=_("Kind"))
    under = UnitFilter(
        queryset=OrgUnit.objects.all(), method="filter_under", label=_("Within unit")
    )

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "parent", "is_active", "under"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__iexact=value))

    def filter_under(self, queryset, name, value):
        return _subtree(queryset, "path", value)


class StaffFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    under = UnitFilter(
        queryset=OrgUnit.objects.all(), method="filter_under", label=_("Within unit")
    )
    role = django_filters.ChoiceFilter(
        choices=[(r.code, r.label) for r in roles_for("province")],
        field_name="user__groups__name",
        label=_("Role"),
    )

    class Meta:
        model = Staff
        fields = ["q", "org_unit", "under", "role", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(employee_no__iexact=value) | Q(user__username=value)
        )

    def filter_under(self, queryset, name, value):
        return _subtree(queryset, "org_unit__path", value)
