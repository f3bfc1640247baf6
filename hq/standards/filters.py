"""Filters of HQ's standards lists (R11.2), used by the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from hq.standards.choices import StandardKind
from hq.standards.models import ProvinceStandard, StandardRelease


class StandardReleaseFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=StandardKind.choices, label=_("Kind"))
    version = django_filters.NumberFilter(label=_("Version"))

    class Meta:
        model = StandardRelease
        fields = ["kind", "version"]


class ProvinceStandardFilterSet(django_filters.FilterSet):
    province = django_filters.CharFilter(label=_("Province"))
    kind = django_filters.ChoiceFilter(choices=StandardKind.choices, label=_("Kind"))
    behind = django_filters.BooleanFilter(label=_("Behind the newest release"))
    failed = django_filters.BooleanFilter(method="filter_failed", label=_("With a failure"))

    class Meta:
        model = ProvinceStandard
        fields = ["province", "kind", "behind", "failed"]

    def filter_failed(self, queryset, name, value):
        return queryset.exclude(error="") if value else queryset.filter(error="")
