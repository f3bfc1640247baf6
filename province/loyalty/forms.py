"""HTML forms of the loyalty pages (R2.4.2, R2.4.3, R2.4.6, R2.4.7); the services enforce
the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from province.loyalty.models import EarningRule, LoyaltySettings
from province.loyalty.standards import rule_errors
from shared.forms import BootstrapFormMixin


class AdjustmentForm(forms.Form):
    """A manual adjustment (R2.4.7); the reason and the sign rules are the service's."""

    points = forms.IntegerField(
        label=_("Points"),
        help_text=_("Positive to credit, negative to debit."),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": 1}),
    )
    # Not required here: the service says why a reason is needed, in its own words.
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 200}),
    )


class StartAccrualForm(forms.Form):
    """The billing month of an accrual run (R2.4.6)."""

    period = forms.DateField(
        label=_("Billing month"),
        widget=forms.DateInput(attrs={"type": "month", "class": "form-control"}, format="%Y-%m"),
        input_formats=["%Y-%m"],
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
        help_text=_("The paid bills of this month earn points."),
    )


class DecisionForm(forms.Form):
    """Approval or rejection of a pending adjustment (R2.4.7)."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class EarningRuleForm(BootstrapFormMixin, forms.ModelForm):
    """An earning rule (R2.4.2); ``standards.rule_errors`` says what each kind needs."""

    class Meta:
        model = EarningRule
        fields = [
            "name",
            "scope",
            "kind",
            "product",
            "level",
            "points_per_yuan",
            "multiplier",
            "bonus_points",
            "condition",
            "parameter",
            "valid_from",
            "valid_to",
            "is_active",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        cleaned = super().clean()
        probe = EarningRule(
            **{f: cleaned.get(f) for f in self.Meta.fields if f in cleaned and f != "product"}
        )
        probe.product = cleaned.get("product")
        for field, errors in rule_errors(probe).items():
            for error in errors:
                if field not in self.errors:
                    self.add_error(field, error)
        return cleaned


class EndRuleForm(forms.Form):
    on = forms.DateField(
        label=_("Last valid day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )


class ValidityPolicyForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    years_after = forms.IntegerField(
        label=_("Years after the year earned"),
        min_value=0,
        max_value=10,
        initial=2,
        help_text=_("Points earned in year N lapse on 31 December of year N + this number."),
    )


class LoyaltySettingsForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = LoyaltySettings
        fields = ["adjustment_approval_threshold", "point_cost", "expiry_warning_days"]


class LotExtensionForm(BootstrapFormMixin, forms.Form):
    """A new expiry for one lot, with the reason (R2.4.3); the service checks the rest."""

    expires_at = forms.DateField(
        label=_("New expiry"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class StartExpiryForm(forms.Form):
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        help_text=_("Lots that expired before this day lapse (default: today)."),
    )
