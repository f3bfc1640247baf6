"""The province's form for its own, stricter service SLAs (R11.2); the rules are in
``services.set_local_time_limit``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shared.forms import BootstrapFormMixin


class LocalTimeLimitForm(BootstrapFormMixin, forms.Form):
    response_hours = forms.DecimalField(
        label=_("local first response (hours)"), max_digits=8, decimal_places=2, required=False
    )
    resolution_hours = forms.DecimalField(
        label=_("local resolution (hours)"), max_digits=8, decimal_places=2, required=False
    )
    compliance_target = forms.DecimalField(
        label=_("local compliance target (%)"), max_digits=5, decimal_places=2, required=False
    )

    @classmethod
    def initial_from(cls, limit) -> dict:
        return {
            "response_hours": limit.local_response_hours,
            "resolution_hours": limit.local_resolution_hours,
            "compliance_target": limit.local_compliance_target,
        }
