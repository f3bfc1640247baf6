"""HTML forms of the org app; they validate input, the services enforce the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from province.org.models import OrgUnit, Staff
from shared.accounts.roles import roles_for
from shared.forms import BootstrapFormMixin
from shared.validators import normalize_mobile


class OrgUnitForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "code", "kind", "parent", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = OrgUnit.objects.visible_to(user)

    def validate_unique(self):
        pass  # the services check uniqueness (same messages as the API)


class StaffForm(BootstrapFormMixin, forms.ModelForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, required=False
    )
    # Longer than the stored 11 digits: people type "+86 139-1234-5678"; clean_mobile normalises.
    mobile = forms.CharField(label=_("mobile"), max_length=20, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(r.code, r.label) for r in roles_for("province")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Staff
        fields = ["name", "employee_no", "org_unit", "title", "mobile", "email", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.visible_to(user)
        if self.instance.pk:
            self.fields["username"].initial = self.instance.user.username
            self.fields["username"].disabled = True
            self.fields["roles"].initial = self.instance.user.role_codes
            del self.fields["password"]

    def clean_mobile(self):
        value = self.cleaned_data.get("mobile")
        return normalize_mobile(value) if value else value

    def validate_unique(self):
        pass
