"""HTML forms of the levels pages (R2.2); the services enforce the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from province.customers.choices import CustomerLevel
from province.levels.models import LevelStandard

RULE_LEVELS = (CustomerLevel.SILVER, CustomerLevel.GOLD, CustomerLevel.DIAMOND)


class DateInput(forms.DateInput):
    input_type = "date"


class LevelStandardForm(forms.ModelForm):
    """The standard's settings plus, per level, its thresholds (blank revenue = no rule)."""

    class Meta:
        model = LevelStandard
        fields = ["name", "effective_from", "months", "strategic_min_level", "validity_months"]
        widgets = {"effective_from": DateInput()}

    def __init__(self, *args, copy_from: LevelStandard | None = None, **kwargs):
        if copy_from is not None:
            # A new version starts from an existing one (a used standard is not edited).
            kwargs["initial"] = {name: getattr(copy_from, name) for name in self.Meta.fields}
        super().__init__(*args, **kwargs)
        source = copy_from or (self.instance if self.instance.pk else None)
        existing = {r.level: r for r in source.rules.all()} if source else {}
        for level in RULE_LEVELS:
            rule = existing.get(level)
            self.fields[f"{level}_min_avg"] = forms.DecimalField(
                label=_("%(level)s: minimum average monthly paid revenue (yuan)")
                % {"level": level.label},
                max_digits=14,
                decimal_places=2,
                min_value=0,
                required=False,
                initial=rule.min_avg_monthly_paid if rule else None,
            )
            self.fields[f"{level}_min_tenure"] = forms.IntegerField(
                label=_("%(level)s: minimum tenure (months)") % {"level": level.label},
                min_value=0,
                required=False,
                initial=rule.min_tenure_months if rule else None,
            )
            self.fields[f"{level}_min_products"] = forms.IntegerField(
                label=_("%(level)s: minimum active products") % {"level": level.label},
                min_value=0,
                required=False,
                initial=rule.min_active_products if rule else None,
            )

    def validate_unique(self):
        pass  # the services decide

    def standard_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def rules(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "level": level.value,
                "min_avg_monthly_paid": data[f"{level}_min_avg"],
                "min_tenure_months": data[f"{level}_min_tenure"],
                "min_active_products": data[f"{level}_min_products"],
            }
            for level in RULE_LEVELS
            if data.get(f"{level}_min_avg") is not None
        ]


class StartRunForm(forms.Form):
    as_of = forms.DateField(
        label=_("As of month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("Bills of the full months before this one count. Empty: this month."),
    )


class OverrideForm(forms.Form):
    level = forms.ChoiceField(label=_("New level"), choices=CustomerLevel.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
