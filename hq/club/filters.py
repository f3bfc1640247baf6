"""Filters of HQ's national roster API (R11.1)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from hq.club import selectors
from hq.club.models import ClubMember


class ClubMemberFilterSet(django_filters.FilterSet):
    # A choice rather than a BooleanFilter, whose widget silently ignores a value it cannot
    # read: a bad value here is a field error (400), as everywhere in the API.
    below_entry_rules = django_filters.TypedChoiceFilter(
        field_name="level",  # what it filters on (and how the schema types it)
        method="filter_below_entry_rules",
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        label=_("Level below the entry rules"),
        help_text=_(
            "true: only members whose level the saved entry rules no longer admit (below the "
            "minimum level or giving no active tier); false: only the others."
        ),
    )

    class Meta:
        model = ClubMember
        fields = ["home_province", "tier", "status", "below_entry_rules"]

    def filter_below_entry_rules(self, queryset, name, value):
        levels = selectors.admitted_levels()
        return queryset.exclude(level__in=levels) if value else queryset.filter(level__in=levels)
