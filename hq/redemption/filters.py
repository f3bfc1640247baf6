"""Filters of HQ's national redemption record, shared by the page and the API (R6.5.3)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hq.redemption.choices import ItemKind, NationalRedemptionStatus
from hq.redemption.models import NationalRedemption, NationalRewardItem
from shared.filters import MonthFilter


class NationalRewardItemFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ItemKind.choices, label=_("Kind"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = NationalRewardItem
        fields = ["kind", "is_active"]


class NationalRedemptionFilterSet(django_filters.FilterSet):
    """By month requested or settled, home, serving or either province, status, card."""

    month = MonthFilter(field_name="requested_at", label=_("Month requested"))
    settlement_month = django_filters.DateFilter(
        method="filter_settlement_month",
        input_formats=["%Y-%m"],
        label=_("Settlement month"),
        help_text=_("A month, YYYY-MM."),
    )
    home_province = django_filters.CharFilter(label=_("Home province"))
    serving_province = django_filters.CharFilter(label=_("Serving province"))
    province = django_filters.CharFilter(
        method="filter_province", label=_("Province (home or serving)")
    )
    status = django_filters.ChoiceFilter(
        choices=NationalRedemptionStatus.choices, label=_("Status")
    )
    card_number = django_filters.CharFilter(label=_("Card number"))
    request_id = django_filters.UUIDFilter(label=_("Request id"))

    class Meta:
        model = NationalRedemption
        fields = [
            "month",
            "settlement_month",
            "home_province",
            "serving_province",
            "province",
            "status",
            "card_number",
            "request_id",
        ]

    def filter_settlement_month(self, queryset, name, value):
        return queryset.filter(settlement_month=value.replace(day=1)) if value else queryset

    def filter_province(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(home_province=value) | Q(serving_province=value))
