"""Filters of the levels lists, shared by the pages and the API (R2.2)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from province.customers.choices import CustomerLevel
from province.levels.choices import CardStatus, ChangeSource, ProposalStatus
from province.levels.models import LevelChange, LevelProposal, MembershipCard


class LevelProposalFilterSet(django_filters.FilterSet):
    run = django_filters.NumberFilter(field_name="run", label=_("Run"))
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices, label=_("Status"))
    proposed_level = django_filters.ChoiceFilter(
        choices=CustomerLevel.choices, label=_("Proposed level")
    )
    current_level = django_filters.ChoiceFilter(
        choices=CustomerLevel.choices, label=_("Current level")
    )

    class Meta:
        model = LevelProposal
        fields = ["run", "customer", "status", "proposed_level", "current_level"]


class MembershipCardFilterSet(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))
    status = django_filters.ChoiceFilter(choices=CardStatus.choices, label=_("Status"))
    number = django_filters.CharFilter(label=_("Card number"))

    class Meta:
        model = MembershipCard
        fields = ["customer", "status", "number"]


class LevelChangeFilterSet(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))
    source = django_filters.ChoiceFilter(choices=ChangeSource.choices, label=_("Source"))

    class Meta:
        model = LevelChange
        fields = ["customer", "source"]
