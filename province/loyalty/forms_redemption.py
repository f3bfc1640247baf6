"""HTML forms of the redemption pages (R2.4.4, R2.4.8, R6.5.1); the services enforce the
rules and their errors land on these forms' fields (``shared.forms.apply_service``)."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from province.customers.choices import CustomerLevel
from province.loyalty.models import AutoRedemptionRule, RewardItem
from shared.forms import BootstrapFormMixin

ITEM_FIELDS = [
    "code",
    "name",
    "kind",
    "scope",
    "description",
    "points_price",
    "unit_cost",
    "bill_credit_amount",
    "stock",
    "eligible_levels",
    "min_balance",
    "daily_cap",
    "yearly_cap",
    "valid_from",
    "valid_to",
    "is_active",
]


class RewardItemForm(BootstrapFormMixin, forms.ModelForm):
    """A catalogue item (R2.4.4); the cross-field rules are the service's."""

    eligible_levels = forms.MultipleChoiceField(
        label=_("Eligible levels"),
        choices=CustomerLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every level."),
    )

    class Meta:
        model = RewardItem
        fields = ITEM_FIELDS
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def _post_clean(self):
        # The service validates the instance (with its cross-field rules) and saves it.
        pass


class AutoRedemptionRuleForm(BootstrapFormMixin, forms.ModelForm):
    """An automatic redemption rule (R2.4.8)."""

    class Meta:
        model = AutoRedemptionRule
        fields = ["name", "item", "days_ahead", "min_points", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = RewardItem.objects.filter(is_active=True)

    def _post_clean(self):
        pass


class RedeemForm(BootstrapFormMixin, forms.Form):
    """One redemption at the counter (R6.5.1). The hidden key is drawn once per rendered
    form, so a double submit of the same form redeems once."""

    item = forms.ModelChoiceField(label=_("Item"), queryset=RewardItem.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=90)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = RewardItem.objects.filter(is_active=True)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", f"counter:{uuid.uuid4()}")


class CancelRedemptionForm(BootstrapFormMixin, forms.Form):
    """Why a redemption is cancelled (required by the service, R2.4.4)."""

    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
