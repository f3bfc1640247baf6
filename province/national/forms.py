from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from province.national.models import NationalItem
from shared.forms import BootstrapFormMixin


class LookupForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Card number or mobile"), max_length=20)


class NationalRedemptionForm(BootstrapFormMixin, forms.Form):
    item = forms.ChoiceField(label=_("National item"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=99, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        english = (get_language() or "").startswith("en")
        self.fields["item"].choices = [
            (
                item.code,
                f"{item.name_en if english else item.name_zh} — "
                + str(_("%(points)s points") % {"points": item.points_price}),
            )
            for item in NationalItem.objects.filter(is_active=True)
        ]
