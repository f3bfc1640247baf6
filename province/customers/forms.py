"""HTML forms of the customer master; the services enforce the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from province.customers.models import Customer
from province.org.models import Staff
from shared.forms import BootstrapFormMixin


class CustomerForm(BootstrapFormMixin, forms.ModelForm):
    # Wider than stored: people type spaces, dashes and +86; the services normalise.
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    certificate_no = forms.CharField(label=_("certificate number"), max_length=30, required=False)

    class Meta:
        model = Customer
        fields = [
            "type",
            "name",
            "certificate_type",
            "certificate_no",
            "industry",
            "city",
            "district",
            "address",
            "phone",
            "status",
            "account_manager",
            "parent",
            "is_strategic",
            "joined_on",
        ]
        widgets = {"joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].queryset = Staff.objects.visible_to(user).filter(
            is_active=True
        )
        self.fields["parent"].queryset = Customer.objects.visible_to(user).filter(type="group")
        self.fields["joined_on"].required = False

    def validate_unique(self):
        pass  # the services check duplicates (with a link to the existing customer)


class TransferForm(BootstrapFormMixin, forms.Form):
    to_manager = forms.ModelChoiceField(
        label=_("New account manager"), queryset=Staff.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_manager"].queryset = Staff.objects.visible_to(user).filter(is_active=True)
