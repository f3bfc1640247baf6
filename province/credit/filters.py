"""Credit filters, shared by the pages and the API (R2.3)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from province.credit.choices import ChangeRequestStatus, CreditGrade, GrantStatus, WarningAction
from province.credit.models import (
    CreditAssessment,
    CreditChange,
    CreditChangeRequest,
    EmergencyReconnection,
    TemporaryCredit,
)
from province.customers.models import Customer
from province.org.filters import UnitFilter
from province.org.models import OrgUnit, Staff


class CreditAssessmentFilterSet(django_filters.FilterSet):
    grade = django_filters.ChoiceFilter(choices=CreditGrade.choices, label=_("Grade"))
    applied = django_filters.BooleanFilter(label=_("Applied"))

    class Meta:
        model = CreditAssessment
        fields = ["customer", "grade", "applied", "as_of"]


class CreditChangeFilterSet(django_filters.FilterSet):
    class Meta:
        model = CreditChange
        fields = ["customer", "source"]


class CreditChangeRequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ChangeRequestStatus.choices, label=_("Status"))

    class Meta:
        model = CreditChangeRequest
        fields = ["customer", "status"]


class TemporaryCreditFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GrantStatus.choices, label=_("Status"))

    class Meta:
        model = TemporaryCredit
        fields = ["customer", "status"]


class EmergencyReconnectionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GrantStatus.choices, label=_("Status"))

    class Meta:
        model = EmergencyReconnection
        fields = ["customer", "status"]


class ArrearsWarningFilterSet(django_filters.FilterSet):
    """Filters of the warnings list: an org unit's subtree, the account manager, the action."""

    under = UnitFilter(
        queryset=OrgUnit.objects.all(), method="filter_under", label=_("Within unit")
    )
    account_manager = django_filters.ModelChoiceFilter(
        queryset=Staff.objects.all(), label=_("Account manager")
    )
    action = django_filters.ChoiceFilter(choices=WarningAction.choices, label=_("Suggested action"))

    class Meta:
        model = Customer
        fields = ["under", "account_manager", "action"]

    def filter_under(self, queryset, name, value):
        return queryset.filter(org_unit__path__startswith=value.path) if value else queryset
