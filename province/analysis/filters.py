"""The filter bar of every analysis page and API endpoint (R2.5.1–R2.5.5).

One form, used by the pages, the exports and the JSON API alike, so a page and its export
always show the same figures. The form turns the query string into an ``AnalysisScope``:
the customers the user may see and chose (visibility first, R9.2), and the months asked for.
"""

import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from province.analysis.choices import ScoreScale
from province.customers.choices import CustomerLevel
from province.customers.models import Customer
from province.org.models import OrgUnit, Staff
from shared.vocab.industries import IndustrySection

# Bounded so that a typo such as 1900-01 cannot make every monthly series huge.
MAX_MONTHS = 60
DEFAULT_MONTHS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month + relativedelta(months=1, days=-1)


def months_between(start: date, end: date) -> list[date]:
    """First days of every month from ``start`` to ``end`` (both first days), inclusive."""
    months, current = [], start
    while current <= end:
        months.append(current)
        current += relativedelta(months=1)
    return months


class MonthField(forms.CharField):
    """A month typed as ``YYYY-MM`` (what ``<input type="month">`` sends)."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = _MONTH.match(value.strip())
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
            raise forms.ValidationError(
                _("Enter a month as YYYY-MM, for example 2025-03."), code="invalid_month"
            )
        return date(int(match.group(1)), int(match.group(2)), 1)


@dataclass(frozen=True)
class AnalysisScope:
    """What an analysis is about: a customer set (already visibility-filtered) and months."""

    customers: QuerySet
    start: date  # first day of the first month
    end: date  # first day of the last month

    @property
    def months(self) -> list[date]:
        return months_between(self.start, self.end)

    @property
    def last_day(self) -> date:
        return month_end(self.end)


class AnalysisFilterForm(forms.Form):
    """The shared filter bar: period, city, level, industry, account manager, org subtree."""

    period_from = MonthField(label=_("From month"), required=False)
    period_to = MonthField(label=_("To month"), required=False)
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("All levels")), *CustomerLevel.choices], required=False
    )
    industry = forms.ChoiceField(
        label=_("Industry"),
        choices=[("", _("All industries")), *IndustrySection.choices],
        required=False,
    )
    account_manager = forms.ModelChoiceField(
        label=_("Account manager"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("All account managers"),
    )
    under = forms.ModelChoiceField(
        label=_("Within unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All units"),
    )

    # Without a last month the period ends with the last billed month: a month's bills are
    # issued after it ends, so the current month has none yet and would show as a dip at the
    # end of every chart. Figures that happen as they go (points) set 0: the current month.
    months_before_current = 1

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        # Only people and units the user may see can be chosen (and so be probed for).
        self.fields["account_manager"].queryset = Staff.objects.visible_to(user)
        self.fields["under"].queryset = OrgUnit.objects.visible_to(user)

    def clean(self):
        cleaned = super().clean()
        last_billed = first_of_month(timezone.localdate()) - relativedelta(
            months=self.months_before_current
        )
        end = cleaned.get("period_to")
        start = cleaned.get("period_from")
        if self.errors:
            return cleaned
        if end is None:
            # Only a start (or nothing) given: up to the default last month, within the limit.
            end = last_billed if start is None or start <= last_billed else start
            if start is not None:
                end = min(end, start + relativedelta(months=MAX_MONTHS - 1))
        start = start or end - relativedelta(months=DEFAULT_MONTHS - 1)
        if start > end:
            self.add_error("period_to", _("The last month must not be before the first month."))
        elif len(months_between(start, end)) > MAX_MONTHS:
            self.add_error(
                "period_from",
                _("Choose at most %(count)d months.") % {"count": MAX_MONTHS},
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def scope(self, *, include_merged: bool = False) -> AnalysisScope:
        """The customers and months chosen; call after ``is_valid()``.

        Merged duplicates are left out unless ``include_merged``: the points liability
        (R2.4.9) keeps them, as their points stay owed until someone moves them.
        """
        data = self.cleaned_data
        customers = Customer.objects.visible_to(self.user)
        if not include_merged:
            customers = customers.filter(merged_into__isnull=True)
        if data.get("city"):
            customers = customers.filter(city=data["city"].strip())
        if data.get("level"):
            customers = customers.filter(level=data["level"])
        if data.get("industry"):
            customers = customers.filter(industry=data["industry"])
        if data.get("account_manager"):
            customers = customers.filter(account_manager=data["account_manager"])
        if data.get("under"):
            customers = customers.filter(org_unit__path__startswith=data["under"].path)
        return AnalysisScope(customers=customers, start=data["start"], end=data["end"])


class TopNForm(forms.Form):
    """The extra choice of the value page: how many top customers to list (R2.5.4)."""

    top = forms.IntegerField(
        label=_("Top customers"), min_value=1, max_value=500, required=False, initial=20
    )


class SatisfactionImportForm(forms.Form):
    """Upload of survey results (R2.5.3); the service checks every row."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: customer number, survey name, date (YYYY-MM-DD), score, comment. "
            "UTF-8 or GBK; a header row is optional."
        ),
    )
    scale = forms.ChoiceField(
        label=_("Score scale"), choices=ScoreScale.choices, initial=ScoreScale.ZERO_TO_TEN
    )
