"""Filters of the loyalty lists, shared by the pages and the API (R2.4.1, R6.5.2)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from province.analysis.filters import AnalysisFilterForm
from province.loyalty.choices import (
    AdjustmentStatus,
    EntryKind,
    RedemptionChannel,
    RedemptionStatus,
    RewardKind,
    RunStatus,
)
from province.loyalty.models import (
    AccrualRun,
    AdjustmentRequest,
    PointsAccount,
    PointsEntry,
    PointsLot,
    Redemption,
    RewardItem,
)


class PointsAccountFilterSet(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))

    class Meta:
        model = PointsAccount
        fields = ["customer"]


class PointsLotFilterSet(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))
    open = django_filters.BooleanFilter(
        method="filter_open", label=_("Open lots only (not expired, points left)")
    )

    class Meta:
        model = PointsLot
        fields = ["customer", "open"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(expired=False, remaining__gt=0)
        return queryset.exclude(expired=False, remaining__gt=0)


class PointsEntryFilterSet(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices, label=_("Kind"))

    class Meta:
        model = PointsEntry
        fields = ["customer", "kind"]


class AccrualRunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, label=_("Status"))

    class Meta:
        model = AccrualRun
        fields = ["status"]


class AdjustmentRequestFilterSet(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))
    status = django_filters.ChoiceFilter(choices=AdjustmentStatus.choices, label=_("Status"))

    class Meta:
        model = AdjustmentRequest
        fields = ["customer", "status"]


# --- redemption (R2.4.4, R6.5.2) ---------------------------------------------------------


class RewardItemFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=RewardKind.choices, label=_("Kind"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = RewardItem
        fields = ["kind", "is_active"]


class RedemptionFilterSet(django_filters.FilterSet):
    """The redemption history's filters, shared by the page, its export and the API."""

    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))
    item = django_filters.NumberFilter(field_name="item", label=_("Item"))
    kind = django_filters.ChoiceFilter(
        field_name="item__kind", choices=RewardKind.choices, label=_("Kind")
    )
    status = django_filters.ChoiceFilter(choices=RedemptionStatus.choices, label=_("Status"))
    channel = django_filters.ChoiceFilter(choices=RedemptionChannel.choices, label=_("Channel"))
    date_from = django_filters.DateFilter(
        field_name="redeemed_at", lookup_expr="date__gte", label=_("From")
    )
    date_to = django_filters.DateFilter(
        field_name="redeemed_at", lookup_expr="date__lte", label=_("To")
    )

    class Meta:
        model = Redemption
        fields = ["customer", "item", "kind", "status", "channel", "date_from", "date_to"]


class PointsCostFilterForm(AnalysisFilterForm):
    """The analysis filter bar for the points cost page (R2.4.9): points move as they are
    earned and redeemed, so the default period runs up to the current month."""

    months_before_current = 0
