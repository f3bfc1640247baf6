"""Filters of the national redemption lists of a province (R6.5.3), used by the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from province.national.choices import HoldStatus, VisitingRedemptionStatus
from province.national.models import NationalHold, NationalItem, VisitingRedemption
from shared.filters import MonthFilter


class NationalItemFilterSet(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter(label=_("Active"))
    kind = django_filters.CharFilter(label=_("Kind"))

    class Meta:
        model = NationalItem
        fields = ["is_active", "kind"]


class VisitingRedemptionFilterSet(django_filters.FilterSet):
    """Served here: by status, member's home province, card, request id, month requested."""

    status = django_filters.ChoiceFilter(
        choices=VisitingRedemptionStatus.choices, label=_("Status")
    )
    home_province = django_filters.CharFilter(label=_("Home province"))
    card_number = django_filters.CharFilter(label=_("Card number"))
    request_id = django_filters.UUIDFilter(label=_("Request id"))
    month = MonthFilter(field_name="created_at", label=_("Month requested"))

    class Meta:
        model = VisitingRedemption
        fields = ["status", "home_province", "card_number", "request_id", "month"]


class NationalHoldFilterSet(django_filters.FilterSet):
    """Our members served elsewhere: by status, serving province, customer, month."""

    status = django_filters.ChoiceFilter(choices=HoldStatus.choices, label=_("Status"))
    serving_province = django_filters.CharFilter(label=_("Serving province"))
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))
    request_id = django_filters.UUIDFilter(label=_("Request id"))
    month = MonthFilter(field_name="created_at", label=_("Month requested"))

    class Meta:
        model = NationalHold
        fields = ["status", "serving_province", "customer", "request_id", "month"]
