"""Forms of the credit pages (R2.3); the services do the business checks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from province.credit.choices import CreditGrade
from province.credit.models import CreditGradeRule
from shared.forms import BootstrapFormMixin


class ChangeRequestForm(BootstrapFormMixin, forms.Form):
    requested_grade = forms.ChoiceField(label=_("Grade"), choices=CreditGrade.choices)
    requested_limit = forms.DecimalField(
        label=_("Credit limit"), min_value=0, max_digits=14, decimal_places=2
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)
    keep_until = forms.DateField(
        label=_("Keep until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: until the next manual change."),
    )


class TemporaryCreditForm(BootstrapFormMixin, forms.Form):
    extra_limit = forms.DecimalField(
        label=_("Extra limit"), min_value=0, max_digits=14, decimal_places=2
    )
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ReconnectionForm(BootstrapFormMixin, forms.Form):
    expires_at = forms.DateTimeField(
        label=_("Expires at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class DecisionForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], label=_("Decision")
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class GradeRuleForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CreditGradeRule
        fields = [
            "grade",
            "min_score",
            "limit_multiplier",
            "grace_days",
            "suspension_pct",
            "deposit_required",
            "warning_pct",
        ]
        widgets = {"grade": forms.HiddenInput()}

    def validate_unique(self):
        pass  # the service saves the four rules of a policy together


GradeRuleFormSet = forms.modelformset_factory(
    CreditGradeRule, form=GradeRuleForm, extra=0, can_delete=False
)
