"""Forms of HQ's indicator pages: the dashboard's choice of month and indicator, and the
national target with its split over provinces (R11.2, R4.2)."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from hq.indicators import selectors
from hq.indicators.models import IndicatorDefinition
from sync import directory


def parse_month(value: str) -> date | None:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except (ValueError, AttributeError):
        return None


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (cleaned to its first day)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid")
        return month


class DashboardForm(forms.Form):
    period = MonthField(label=_("Month"), required=False)
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = selectors.definitions()
        self.fields["indicator"].choices = [
            (d.code, f"{d.code} · {d.name}") for d in self.definitions
        ]

    def chosen(self) -> tuple[date | None, IndicatorDefinition | None]:
        """The month (default: the newest reported) and indicator (default: revenue)."""
        months = selectors.periods()
        period = self.cleaned_data.get("period") or (months[-1] if months else None)
        by_code = {d.code: d for d in self.definitions}
        code = self.cleaned_data.get("indicator") or "KC_REVENUE"
        return period, by_code.get(code) or (self.definitions[0] if self.definitions else None)


class TargetForm(forms.Form):
    """A national target and one value per province (blank: the province gets no share)."""

    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    indicator = forms.ChoiceField(label=_("Indicator"))
    period_start = MonthField(label=_("First month"))
    period_end = MonthField(label=_("Last month"))
    national_value = forms.DecimalField(label=_("National target"), min_value=0, decimal_places=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [
            (d.code, f"{d.code} · {d.name}")
            for d in IndicatorDefinition.objects.filter(has_source=True)
        ]
        self.provinces = directory.provinces()
        for member in self.provinces:
            self.fields[f"share_{member.schema_name}"] = forms.DecimalField(
                label=member.display_name, required=False, min_value=0, decimal_places=4
            )

    def share_fields(self):
        return [self[f"share_{m.schema_name}"] for m in self.provinces]

    def assignments(self) -> dict:
        return {
            m.schema_name: self.cleaned_data[f"share_{m.schema_name}"]
            for m in self.provinces
            if self.cleaned_data.get(f"share_{m.schema_name}") is not None
        }
