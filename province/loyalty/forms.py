"""HTML forms of the loyalty pages (R2.4.6, R2.4.7); the services enforce the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
