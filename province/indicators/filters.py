"""Filters of the province's target split (R4.2.2), used by the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from province.indicators.models import UnitTarget


class UnitTargetFilterSet(django_filters.FilterSet):
    target = django_filters.CharFilter(field_name="target__code", label=_("Target code"))
    org_unit = django_filters.NumberFilter(field_name="org_unit", label=_("Org unit"))
    parent = django_filters.NumberFilter(field_name="org_unit__parent", label=_("Parent unit"))

    class Meta:
        model = UnitTarget
        fields = ["target", "org_unit", "parent"]
