"""Province club forms (R11.1); the rules are in ``province.club.services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from province.club.models import ClubMembership
from shared.forms import BootstrapFormMixin


def benefit_choices(rules, tier_code: str) -> list[tuple[str, str]]:
    from province.club.selectors import benefit_name

    tier = rules.tier(tier_code) if rules else None
    return [(b["code"], benefit_name(b)) for b in (tier or {"benefits": []})["benefits"]]


class UsageForm(BootstrapFormMixin, forms.Form):
    benefit = forms.ChoiceField(label=_("benefit"))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, initial=1)
    used_on = forms.DateField(label=_("used on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, rules=None, tier: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benefit"].choices = benefit_choices(rules, tier)


class ActivityForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    held_on = forms.DateField(label=_("held on"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    description = forms.CharField(label=_("description"), widget=forms.Textarea, required=False)
    attendees = forms.ModelMultipleChoiceField(
        label=_("attendees"),
        queryset=ClubMembership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["attendees"].queryset = members


class LookupForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Card number or mobile"), max_length=20)
