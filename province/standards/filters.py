"""Filters of the province's standards lists (R11.2), used by the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from province.standards.choices import StandardKind
from province.standards.models import ReceivedRelease, ServiceTimeLimit
from shared.vocab.customer_levels import NationalLevel
from shared.vocab.service_requests import RequestKind


class StandardInForceFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=StandardKind.choices, label=_("Kind"))

    class Meta:
        model = ReceivedRelease
        fields = ["kind"]


class ServiceTimeLimitFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=NationalLevel.choices, label=_("Customer level"))
    request_kind = django_filters.ChoiceFilter(choices=RequestKind.choices, label=_("Request kind"))
    local = django_filters.BooleanFilter(method="filter_local", label=_("With provincial values"))

    class Meta:
        model = ServiceTimeLimit
        fields = ["level", "request_kind", "local"]

    def filter_local(self, queryset, name, value):
        local = (
            Q(local_response_hours__isnull=False)
            | Q(local_resolution_hours__isnull=False)
            | Q(local_compliance_target__isnull=False)
        )
        return queryset.filter(local) if value else queryset.exclude(local)
