"""HQ's club forms: tier, benefit and entry rules, and the filters of the routed visits
(R11.1, R6.5.3). Rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hq.club.choices import VisitStatus
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
        fields = [
            "min_level",
            "min_tenure_months",
            "exclude_arrears",
            "level_drop",
            "tier_follows_level",
        ]


class VisitFilterForm(BootstrapFormMixin, forms.Form):
    """Filters of the routed-visits page (GET): month of use, provinces, status."""

    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    serving = forms.ChoiceField(label=_("Serving province"), required=False)
    home = forms.ChoiceField(label=_("Home province"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, provinces: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(provinces.items())
        self.fields["serving"].choices = [("", _("All serving provinces")), *choices]
        self.fields["home"].choices = [("", _("All home provinces")), *choices]
        self.fields["status"].choices = [("", _("Any status")), *VisitStatus.choices]

    def filters(self) -> dict:
        """The cleaned filters as ``selectors.routed_visits`` takes them."""
        data = self.cleaned_data
        return {
            "month": data.get("month"),
            "serving": data.get("serving", ""),
            "home": data.get("home", ""),
            "status": data.get("status", ""),
        }
