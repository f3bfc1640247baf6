"""HQ's club forms: tier, benefit and entry rules (R11.1). Rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hq.club.models import ClubBenefit, ClubEntryRules, ClubTier
from shared.forms import BootstrapFormMixin
from shared.vocab.customer_levels import NationalLevel


class TierForm(BootstrapFormMixin, forms.ModelForm):
    levels = forms.MultipleChoiceField(
        label=_("qualifying levels"),
        choices=NationalLevel.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ClubTier
        fields = ["code", "name_zh", "name_en", "rank", "levels", "is_active"]


class BenefitForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ClubBenefit
        fields = ["tier", "code", "name_zh", "name_en", "kind", "yearly_allowance", "is_active"]


class EntryRulesForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ClubEntryRules
        fields = ["min_level", "min_tenure_months", "exclude_arrears"]
