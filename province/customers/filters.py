"""Customer filters, shared by the list page and the API (R2.1.2)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from province.customers.choices import CustomerLevel, CustomerStatus, CustomerType
from province.customers.models import Customer
from province.customers.selectors import search_customers
from province.org.filters import UnitFilter
from province.org.models import OrgUnit, Staff
from shared.vocab.industries import IndustrySection


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Number, name, certificate or phone"))
    type = django_filters.ChoiceFilter(choices=CustomerType.choices, label=_("Customer type"))
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices, label=_("Status"))
    level = django_filters.ChoiceFilter(choices=CustomerLevel.choices, label=_("Level"))
    industry = django_filters.ChoiceFilter(choices=IndustrySection.choices, label=_("Industry"))
    account_manager = django_filters.ModelChoiceFilter(
        queryset=Staff.objects.all(), label=_("Account manager")
    )
    under = UnitFilter(
        queryset=OrgUnit.objects.all(), method="filter_under", label=_("Within unit")
    )
    city = django_filters.CharFilter(label=_("City"))

    class Meta:
        model = Customer
        fields = [
            "q",
            "type",
            "status",
            "level",
            "industry",
            "account_manager",
            "under",
            "city",
            "is_strategic",
            "parent",
        ]

    def search(self, queryset, name, value):
        return search_customers(queryset, value)

    def filter_under(self, queryset, name, value):
        return queryset.filter(org_unit__path__startswith=value.path) if value else queryset
